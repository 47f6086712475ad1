#!/usr/bin/env bats
# Installing the way PM2 users do: make install (PREFIX, DESTDIR), a .deb
# (dpkg-deb, installed with dpkg into a throwaway root), and an npm
# tarball that `npm install -g` puts on PATH with no download and no node
# needed to run it.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	common_setup
	file -L "$PM2" | grep -q 'statically linked' ||
		skip "packages carry the static binary (this run: $PM2)"
	VERSION=$(cat "$ROOT/VERSION")
}

# make, with the binary under test and output in this test's folder.
pkg_make() {
	make -s -C "$ROOT" PKG_BIN="$PM2" PKG_OUT="$WORK/out" "$@"
}

@test "make install honours PREFIX and DESTDIR; the links pick the role" {
	pkg_make install PREFIX=/opt/pm2 DESTDIR="$WORK/dest"
	bin=$WORK/dest/opt/pm2/bin
	[ -x "$bin/pm2" ] && [ ! -L "$bin/pm2" ]
	cmp "$PM2" "$bin/pm2"
	assert_equal "$(readlink "$bin/pm2-runtime")" pm2
	assert_equal "$(readlink "$bin/pm2-docker")" pm2
	run "$bin/pm2" --version
	assert_output "$VERSION"
	printf '#!/bin/sh\nexit 6\n' >six.sh
	chmod +x six.sh
	run "$bin/pm2-runtime" six.sh --no-autorestart
	assert_equal "$status" 6
	pkg_make uninstall PREFIX=/opt/pm2 DESTDIR="$WORK/dest"
	[ -z "$(ls -A "$bin")" ]
}

@test "make install refuses a binary that is not static" {
	printf '#!/bin/sh\n' >notstatic
	chmod +x notstatic
	run make -s -C "$ROOT" PKG_BIN="$WORK/notstatic" install DESTDIR="$WORK/dest"
	assert_failure
	assert_output --partial "is not a static binary"
}

@test "the .deb installs with dpkg into a throwaway root and runs there" {
	command -v dpkg-deb >/dev/null || skip "dpkg-deb is not installed"
	run pkg_make deb
	assert_success
	deb=$WORK/out/pm2_${VERSION}_$(dpkg --print-architecture).deb
	assert_output "$deb"
	run dpkg-deb -f "$deb" Package Version Depends
	assert_output "Package: pm2
Version: $VERSION"
	r=$WORK/root
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
	touch "$r/var/lib/dpkg/status"
	run dpkg --root="$r" -i "$deb"
	assert_success
	run dpkg --root="$r" -L pm2
	assert_line /usr/bin/pm2
	assert_line /usr/bin/pm2-runtime
	assert_line /usr/bin/pm2-docker
	cmp "$PM2" "$r/usr/bin/pm2"
	# it runs inside that root, which holds nothing but the package: no
	# shared library, no node
	run unshare --mount --root="$r" /usr/bin/pm2 --version
	assert_success
	assert_output "$VERSION"
	run dpkg --root="$r" -r pm2
	assert_success
	[ ! -e "$r/usr/bin/pm2" ]
}

@test "npm pack, then npm install -g into a prefix: pm2 ping works with no node on PATH" {
	command -v npm >/dev/null || skip "npm is not installed"
	run pkg_make npm
	assert_success
	tgz=$WORK/out/pm2-static-$VERSION.tgz
	assert_output "$tgz"
	# the package: the binary itself, no install script, no dependency
	run tar tzf "$tgz"
	assert_output "package/bin/pm2
package/package.json
package/README.md"
	tar xzf "$tgz" -C "$WORK" package/package.json
	run jq -c '[.bin, (.scripts // {}), (.dependencies // {}), .os, .preferGlobal]' "$WORK/package/package.json"
	assert_output '[{"pm2":"bin/pm2","pm2-runtime":"bin/pm2","pm2-docker":"bin/pm2"},{},{},["linux"],true]'
	# --offline: nothing may be downloaded at install time
	run npm install -g --prefix "$WORK/prefix" --offline --no-audit --no-fund --loglevel=error "$tgz"
	assert_success
	for b in pm2 pm2-runtime pm2-docker; do
		[ -x "$WORK/prefix/bin/$b" ]
	done
	cmp "$PM2" "$WORK/prefix/bin/pm2"
	# no node: PATH holds the prefix only
	run env -i PATH="$WORK/prefix/bin" PM2_HOME="$PM2_HOME" pm2 ping
	assert_success
	assert_output --partial "{ msg: 'pong' }"
	run env -i PATH="$WORK/prefix/bin" PM2_HOME="$PM2_HOME" pm2 kill
	assert_success
	printf '#!/bin/sh\nexit 5\n' >five.sh
	chmod +x five.sh
	run env -i PATH="$WORK/prefix/bin:/bin:/usr/bin" PM2_HOME="$PM2_HOME" pm2-runtime five.sh --no-autorestart
	assert_equal "$status" 5
}
