#!/bin/sh
# Make a root file system like a FROM scratch image, for tests without a
# container engine: the static pm2 as /pm2 with its /pm2-runtime link, a
# static busybox as /bin/sh (so shell apps have a shell), /dev/null, empty
# /proc and /tmp, and the given app files in /app.
#
#   container/rootfs.sh ROOTFS PM2_BINARY [APP_FILE...]
#
# Run it with container/run-pid1.sh, or as an OCI bundle with
# container/runc-bundle.sh.
set -eu

die() {
	echo "rootfs.sh: $*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: rootfs.sh ROOTFS PM2_BINARY [APP_FILE...]"
rootfs=$1
pm2=$2
shift 2

static() { file -L "$1" | grep -q 'statically linked'; }

static "$pm2" || die "$pm2 is not a static binary"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && static "$busybox" ||
	die "needs a static busybox (apt-get install busybox-static)"

mkdir -p "$rootfs/bin" "$rootfs/app" "$rootfs/proc" "$rootfs/tmp" "$rootfs/dev"
chmod 1777 "$rootfs/tmp"
install -m 0755 "$pm2" "$rootfs/pm2"
ln -sf pm2 "$rootfs/pm2-runtime"
install -m 0755 "$busybox" "$rootfs/bin/busybox"
# Debian's static busybox runs its applets from sh without links to them.
ln -sf busybox "$rootfs/bin/sh"
# A shell's background jobs read /dev/null; engines always provide it.
[ -c "$rootfs/dev/null" ] || mknod -m 0666 "$rootfs/dev/null" c 1 3
for f in "$@"; do
	cp -p "$f" "$rootfs/app/"
done
