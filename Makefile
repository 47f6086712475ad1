# pm2 in C — one static musl binary: CLI, daemon and PID-1 runtime.
#
#   make            build/pm2 (static, musl) and build/pm2-runtime
#   make test       install what is missing, build, run every test (+ ASan/UBSan)
#   make run        build, then supervise examples/ecosystem.json in the foreground
#   make asan       build/asan/pm2: glibc debug build with ASan and UBSan

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
MUSLDIR  ?= .deps/musl
CC       := musl-gcc
CPPFLAGS := -I$(MUSLDIR)/include -idirafter $(MUSLDIR)/kinc -DPM2_VERSION='"$(VERSION)"'
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS   := -std=c11 -Os -ffunction-sections -fdata-sections -fstack-protector-strong $(WARN)
LDFLAGS  := -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,relro,-z,now -s
LDLIBS   := $(MUSLDIR)/lib/libcap.a $(MUSLDIR)/lib/libcjson.a

SRCS := $(wildcard src/*.c src/common/*.c src/daemon/*.c src/cli/*.c)
OBJS := $(SRCS:src/%.c=build/obj/%.o)
HDRS := $(wildcard src/*/*.h)

ASAN_CC     := gcc
ASAN_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined $(WARN) -DPM2_VERSION='"$(VERSION)"'
ASAN_OBJS   := $(SRCS:src/%.c=build/asan/obj/%.o)

.PHONY: all deps test test-bats test-asan unit asan run clean install-test-deps bench-procstat

all: build/pm2 build/pm2-runtime

deps: $(MUSLDIR)/lib/libcjson.a

$(MUSLDIR)/lib/libcjson.a $(MUSLDIR)/lib/libcap.a:
	sh scripts/build-deps.sh

build/obj/%.o: src/%.c $(HDRS) $(MUSLDIR)/lib/libcjson.a VERSION
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/pm2: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/pm2-runtime: build/pm2
	ln -sf pm2 $@

# Sanitizer build: glibc, Debian's libcjson-dev and libcap-dev.
build/asan/obj/%.o: src/%.c $(HDRS) VERSION
	@mkdir -p $(dir $@)
	@echo "  CC (asan)  $<"; $(ASAN_CC) $(ASAN_CFLAGS) -c -o $@ $<

build/asan/pm2: $(ASAN_OBJS)
	$(ASAN_CC) $(ASAN_CFLAGS) -o $@ $(ASAN_OBJS) -lcjson -lcap -lm
	ln -sf pm2 build/asan/pm2-runtime

asan: build/asan/pm2

install-test-deps:
	sh scripts/install-deps.sh

test: install-test-deps
	$(MAKE) all asan
	sh tests/run.sh

test-bats: all
	PM2_BIN=$(CURDIR)/build/pm2 sh tests/run.sh --only-static

run: all
	./build/pm2-runtime examples/ecosystem.json

clean:
	rm -rf build

# Process-tree sampling: one /proc scan vs walking children links.
APPS ?= 100
ROUNDS ?= 50
build/procstat_bench: bench/procstat_bench.c src/daemon/procstat.c src/common/util.c $(HDRS)
	@mkdir -p build
	gcc -std=c11 -O2 $(WARN) -o $@ bench/procstat_bench.c src/daemon/procstat.c src/common/util.c

bench-procstat: build/procstat_bench
	./build/procstat_bench $(APPS) $(ROUNDS)

# C unit tests: tests/unit/test_<x>.c, each built (with ASan/UBSan) from
# the sources named on its first line, "/* unit-sources: a.c b.c */".
UNIT_TESTS := $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
unit_sources = $(shell sed -n '1s|^/\* unit-sources: \(.*\) \*/$$|\1|p' $(1))

build/unit/%: tests/unit/%.c tests/unit/tap.h $(SRCS) $(HDRS)
	@mkdir -p build/unit
	@$(ASAN_CC) $(ASAN_CFLAGS) -Isrc -Itests/unit -o $@ $< $(call unit_sources,$<) -lcjson -lcap -lm

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do ./$$t || rc=1; done; exit $$rc
