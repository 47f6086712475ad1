#!/bin/sh
# Packaging the static binary the ways PM2 users install it:
#
#   package.sh install BINARY BINDIR   BINDIR/pm2 + pm2-runtime, pm2-docker links
#   package.sh deb BINARY OUTDIR       OUTDIR/pm2_<version>_<arch>.deb (dpkg-deb)
#   package.sh npm BINARY OUTDIR       OUTDIR/npm/ staged, OUTDIR/<name>-<version>.tgz
#
# The Makefile's install, deb and npm targets call this. The .deb and the
# npm tarball carry the binary itself: nothing runs or downloads at
# install time, and running pm2 needs neither Node.js nor a shared library.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(cat "$ROOT/VERSION")

die() {
	echo "package.sh: $*" >&2
	exit 1
}

check_binary() { # binary
	[ -f "$1" ] && [ -x "$1" ] || die "$1: no such executable (run make first)"
	file -L "$1" | grep -q 'statically linked' ||
		die "$1 is not a static binary: package build/pm2, not the ASan build"
}

# The binary and the names PM2's npm package puts on PATH; the links make
# argv[0] choose the role.
do_install() { # binary bindir
	check_binary "$1"
	install -d "$2"
	install -m 0755 "$1" "$2/pm2"
	ln -sf pm2 "$2/pm2-runtime"
	ln -sf pm2 "$2/pm2-docker"
}

do_deb() { # binary outdir
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found (apt-get install dpkg)"
	arch=${DEB_ARCH:-$(dpkg --print-architecture)}
	maintainer=${DEB_MAINTAINER:-"pm2 in C developers <pm2-c@users.noreply.invalid>"}
	tree=$2/deb
	rm -rf "$tree"
	do_install "$1" "$tree/usr/bin"
	size=$(du -sk --apparent-size "$tree/usr" | cut -f1)
	mkdir -p "$tree/DEBIAN"
	sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$arch/" -e "s/@SIZE_KB@/$size/" \
	    -e "s/@MAINTAINER@/$maintainer/" "$ROOT/packaging/deb/control.in" >"$tree/DEBIAN/control"
	deb=$2/pm2_${VERSION}_$arch.deb
	dpkg-deb --root-owner-group --build "$tree" "$deb" >/dev/null
	echo "$deb"
}

# npm's name for this machine's CPU, for package.json "cpu".
npm_cpu() {
	case $(uname -m) in
	x86_64) echo x64 ;;
	aarch64) echo arm64 ;;
	armv7l) echo arm ;;
	*) uname -m ;;
	esac
}

do_npm() { # binary outdir
	command -v npm >/dev/null || die "npm not found (apt-get install npm)"
	check_binary "$1"
	name=${NPM_NAME:-pm2-static}
	cpu=$(npm_cpu)
	stage=$2/npm
	rm -rf "$stage"
	mkdir -p "$stage/bin"
	install -m 0755 "$1" "$stage/bin/pm2"
	for f in package.json README.md; do
		sed -e "s/@NAME@/$name/g" -e "s/@VERSION@/$VERSION/g" -e "s/@CPU@/$cpu/g" \
		    "$ROOT/packaging/npm/$f.in" >"$stage/$f"
	done
	tgz=$(cd "$2" && npm pack ./npm --silent --ignore-scripts)
	echo "$2/$tgz"
}

[ $# -eq 3 ] || die "usage: package.sh install|deb|npm BINARY DIR"
case $1 in
install) do_install "$2" "$3" ;;
deb) do_deb "$2" "$3" ;;
npm) do_npm "$2" "$3" ;;
*) die "unknown target $1 (install, deb or npm)" ;;
esac
