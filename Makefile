# pm2 in C — one static musl binary: CLI, daemon and PID-1 runtime.
#
#   make            build/pm2 (static, musl) and build/pm2-runtime
#   make test       install what is missing, build, run every test (+ ASan/UBSan)
#   make run        build, then supervise examples/ecosystem.json in the foreground
#   make asan       build/asan/pm2: glibc debug build with ASan and UBSan
#   make install    $(DESTDIR)$(PREFIX)/bin/pm2, pm2-runtime, pm2-docker
#   make deb        build/pm2_<version>_<arch>.deb
#   make npm        build/pm2-static-<version>.tgz (npm install -g it)
#   make image      the FROM scratch image (Dockerfile) from this build
#   make bench      side by side with PM2 7, tini and dumb-init (bench/README.md)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
MUSLDIR  ?= .deps/musl
CC       := musl-gcc
CPPFLAGS := -I$(MUSLDIR)/include -idirafter $(MUSLDIR)/kinc -DPM2_VERSION='"$(VERSION)"'
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
# Size matters (the budget is 300 KB, 300,000 bytes, stripped): -Oz and link-time
# optimisation; not position-independent (a static non-PIE binary: tables of
# pointers stay read-only data, no GOT); no unwind tables (C, no
# exceptions: -24 KB). The stack
# protector guards every function with a character buffer, the classic
# overflow; -fstack-protector-strong would cost 8 KB more. ASan/UBSan runs
# and fuzzing cover the rest in CI.
# No -z relro: nothing applies PT_GNU_RELRO in a static non-PIE musl
# binary (the daemon's /proc/<pid>/maps shows that page rw either way),
# and aligning its end to a page padded the file by up to 4 KB. (-z now
# has no lazy binding to turn off here.)
CFLAGS   := -std=c11 -Oz -flto=auto -fno-pie -ffunction-sections -fdata-sections -fstack-protector \
	    -fno-asynchronous-unwind-tables -fno-unwind-tables $(WARN)
LDFLAGS  := -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro -s
LDLIBS   := $(MUSLDIR)/lib/libcap.a $(MUSLDIR)/lib/libcjson.a

SRCS := $(wildcard src/*.c src/common/*.c src/daemon/*.c src/cli/*.c)
OBJS := $(SRCS:src/%.c=build/obj/%.o)
HDRS := $(wildcard src/*/*.h)

ASAN_CC     := gcc
ASAN_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined $(WARN) -DPM2_VERSION='"$(VERSION)"'
ASAN_OBJS   := $(SRCS:src/%.c=build/asan/obj/%.o)

.PHONY: all deps test test-bats unit fuzz asan run clean install-test-deps \
	install uninstall deb npm image-root image bench bench-procstat

all: build/pm2 build/pm2-runtime build/examples/web-c

deps: $(MUSLDIR)/lib/libcjson.a

# The script rebuilds only when its recipe changed; touch either way so
# that make does not ask again.
$(MUSLDIR)/lib/libcjson.a $(MUSLDIR)/lib/libcap.a: scripts/build-deps.sh
	sh scripts/build-deps.sh
	touch $(MUSLDIR)/lib/libcjson.a $(MUSLDIR)/lib/libcap.a

build/obj/%.o: src/%.c $(HDRS) $(MUSLDIR)/lib/libcjson.a VERSION
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The status page is assembled into this object.
build/obj/daemon/web_page.o build/asan/obj/daemon/web_page.o: src/daemon/web/index.html

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

# C unit tests for the pure parsers, against Debian's libcjson (glibc).
UNIT_SRCS := $(wildcard tests/unit/*.c) src/common/cron.c src/common/app_spec.c \
	     src/common/hostport.c src/daemon/http_parse.c \
	     src/common/json_pos.c src/common/util.c src/common/signals.c src/daemon/privs.c \
	     src/common/yaml.c src/common/cpus.c src/common/listen_spec.c src/common/inflate.c \
	     src/cli/canvas.c src/cli/term.c src/daemon/procstat.c \
	     src/common/datefmt.c src/common/module_conf.c src/common/rematch.c \
	     src/daemon/gzip.c src/common/glob.c
build/unit/run: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(HDRS)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(ASAN_CFLAGS) -o $@ $(UNIT_SRCS) -lcjson -lcap -lm

unit: build/unit/run
	./build/unit/run

# libFuzzer targets (clang): the ecosystem parser and the control protocol.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Wall -Wextra \
		-Wno-unused-parameter -DPM2_VERSION='"$(VERSION)"'
FUZZ_COMMON  := $(filter-out src/common/cpus.c,$(wildcard src/common/*.c)) src/daemon/privs.c
FUZZ_DAEMON  := $(filter-out src/daemon/spawn.c src/daemon/cluster.c src/daemon/privs.c,$(wildcard src/daemon/*.c)) src/common/cpus.c
FUZZ_SECONDS ?= 60

build/fuzz/ecosystem: tests/fuzz/fuzz_ecosystem.c $(FUZZ_COMMON) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_ecosystem.c $(FUZZ_COMMON) -lcjson -lcap -lm

build/fuzz/protocol: tests/fuzz/fuzz_protocol.c $(FUZZ_COMMON) $(FUZZ_DAEMON) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_protocol.c $(FUZZ_COMMON) $(FUZZ_DAEMON) \
		-lcjson -lcap -lm

build/fuzz/yaml: tests/fuzz/fuzz_yaml.c src/common/yaml.c src/common/util.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_yaml.c src/common/yaml.c src/common/util.c \
		-lcjson -lm

build/fuzz/http: tests/fuzz/fuzz_http.c src/daemon/http_parse.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_http.c src/daemon/http_parse.c

# make fuzz [FUZZ_SECONDS=60]: each target for that long, from the seeds.
fuzz: build/fuzz/ecosystem build/fuzz/protocol build/fuzz/yaml build/fuzz/http
	for t in ecosystem protocol yaml http; do \
		mkdir -p build/fuzz/corpus-$$t && cp tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/ && \
		./build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=1024 \
			-print_final_stats=1 build/fuzz/corpus-$$t || exit 1; \
	done

install-test-deps:
	sh scripts/install-deps.sh

test: install-test-deps
	$(MAKE) all asan
	sh tests/run.sh

test-bats: all
	PM2_BIN=$(CURDIR)/build/pm2 sh tests/run.sh --only-static

# The benchmark's helper: the app every supervisor runs, and the stopwatch.
BENCH_SRCS := $(wildcard bench/tool/*.c)

build/bench/benchtool: $(BENCH_SRCS) bench/tool/bt.h $(MUSLDIR)/lib/libcjson.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(BENCH_SRCS)

bench: all build/bench/benchtool
	bash bench/run.sh

run: all
	./build/pm2-runtime examples/ecosystem.json

# Installing and packaging: what gets installed is always the static binary
# (PKG_BIN), see scripts/package.sh.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
PKG_BIN ?= build/pm2
PKG_OUT ?= build
ENGINE  ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)

install: $(PKG_BIN)
	sh scripts/package.sh install $(PKG_BIN) $(DESTDIR)$(BINDIR)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pm2 $(DESTDIR)$(BINDIR)/pm2-runtime $(DESTDIR)$(BINDIR)/pm2-docker

deb: $(PKG_BIN)
	sh scripts/package.sh deb $(PKG_BIN) $(PKG_OUT)

npm: $(PKG_BIN)
	sh scripts/package.sh npm $(PKG_BIN) $(PKG_OUT)

# The Dockerfile's "prebuilt" target takes build/image/ instead of compiling.
image-root: $(PKG_BIN)
	rm -rf build/image
	sh scripts/package.sh install $(PKG_BIN) build/image
	rm build/image/pm2-docker

image: image-root
	$(ENGINE) build --target prebuilt -t pm2:$(VERSION) -t pm2:latest .

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

