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

.PHONY: all deps test test-bats test-asan unit asan run clean install-test-deps

all: build/pm2 build/pm2-runtime build/examples/web-c

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

# The C example of cluster mode (examples/cluster/web.c), static too.
build/examples/web-c: examples/cluster/web.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

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

# C unit tests (TAP): each tests/unit/test_*.c is one program, linked with
# the shared modules and built with ASan/UBSan.
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
COMMON_SRCS := $(wildcard src/common/*.c)

build/unit/%: tests/unit/%.c tests/unit/tap.h $(COMMON_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(ASAN_CFLAGS) -o $@ $< $(COMMON_SRCS) -lcjson -lm

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "# $$t"; ./$$t || exit 1; done
