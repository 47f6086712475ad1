#!/bin/sh
# Build static musl copies of cJSON and libcap from Debian source packages.
# Output: ${DEPS_DIR:-.deps}/musl/{lib/libcjson.a,lib/libcap.a,include/...,kinc/...}
# Nothing here is committed: the sources are fetched with `apt-get source`
# and Debian's patch series (CVE fixes) is applied by dpkg-source.
set -eu
DEPS=${DEPS_DIR:-$(pwd)/.deps}
OUT=$DEPS/musl
# Small: -Oz, sections for --gc-sections, no unwind tables (C, nothing
# unwinds: 3 KB of .eh_frame), and not PIE (the binary is a static non-PIE
# executable). -fno-pie goes with the compiler, not COPTS: libcap also
# builds a host tool with these options.
CFL="-Oz -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"

# Bump RECIPE when the way they are built changes: a cached .deps is rebuilt.
RECIPE=3
if [ -f "$OUT/lib/libcap.a" ] && [ -f "$OUT/lib/libcjson.a" ] &&
   [ "$(cat "$OUT/recipe" 2>/dev/null)" = "$RECIPE" ]; then
	exit 0
fi
command -v musl-gcc >/dev/null || { echo "build-deps: musl-gcc missing (apt-get install -y musl-tools)" >&2; exit 1; }

if ! grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources /dev/null &&
   ! grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /dev/null; then
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			> /etc/apt/sources.list.d/debian-src.sources
	else
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/src.list
	fi
	apt-get update -qq
fi
rm -rf "$DEPS/src" "$DEPS/build" "$OUT"
mkdir -p "$DEPS/src" "$DEPS/build" "$OUT/lib" "$OUT/include/sys" "$OUT/include/cjson" "$OUT/kinc"
fetch() { (cd "$DEPS/src" && apt-get source --download-only -qq -o APT::Sandbox::User=root cjson libcap2); }
fetch || { apt-get update -qq && fetch; }
# --no-check: apt already verified the files against the signed Sources index
dpkg-source --no-check -x "$DEPS"/src/cjson_*.dsc "$DEPS/build/cjson" >/dev/null
dpkg-source --no-check -x "$DEPS"/src/libcap2_*.dsc "$DEPS/build/libcap2" >/dev/null

# cJSON's one sscanf ("%lg", to check that a printed number reads back)
# would pull in all of musl's scanf (5 KB): src/common/cjson_scan.c does it
# with strtod.
musl-gcc -std=c89 -fno-pie $CFL -Dsscanf=cjson_sscanf -c "$DEPS/build/cjson/cJSON.c" -o "$DEPS/build/cJSON.o"
ar rcs "$OUT/lib/libcjson.a" "$DEPS/build/cJSON.o"
cp "$DEPS/build/cjson/cJSON.h" "$OUT/include/cjson/"

make -s -C "$DEPS/build/libcap2/libcap" CC="musl-gcc -fno-pie" BUILD_CC=gcc COPTS="$CFL" libcap.a >/dev/null
cp "$DEPS/build/libcap2/libcap/libcap.a" "$OUT/lib/"
cp "$DEPS/build/libcap2/libcap/include/sys/capability.h" "$OUT/include/sys/"

# kernel UAPI headers for musl-gcc (searched after libc's, never shadowing it)
ln -sfn /usr/include/linux "$OUT/kinc/linux"
ln -sfn /usr/include/asm-generic "$OUT/kinc/asm-generic"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$OUT/kinc/asm"

echo "$RECIPE" >"$OUT/recipe"
ls "$DEPS"/src/*.dsc | sed 's,.*/,build-deps: built from ,'
