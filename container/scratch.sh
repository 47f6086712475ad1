#!/bin/sh
# A FROM scratch container without a container engine, for tests (root,
# util-linux):
#
#   container/scratch.sh rootfs ROOTFS PM2_BINARY [APP_FILE...]
#       make the root file system: the static pm2 as /pm2 with its
#       /pm2-runtime link, a static busybox as /bin/sh (so shell apps have
#       a shell), /dev/null, empty /proc and /tmp, the app files in /app
#   container/scratch.sh run ROOTFS CMD [ARG...]
#       `docker run`: CMD as PID 1 of new PID and mount namespaces rooted
#       at ROOTFS, with its own /proc; exits with PID 1's code
#   container/scratch.sh exec PID CMD [ARG...]
#       `docker exec`: CMD in the namespaces and root of the container
#       whose PID 1 the host sees as PID
#
# run and exec give the same bare environment, as an engine does: PM2_HOME
# is /.pm2 (the default when HOME is / and there is no /etc/passwd), so
# `exec PID /pm2 ls` finds the runtime's socket. For an OCI runtime, see
# runc-bundle.sh.
set -eu

die() {
	echo "scratch.sh: $*" >&2
	exit 2
}

static() { file -L "$1" | grep -q 'statically linked'; }

make_rootfs() { # rootfs pm2 [file...]
	rootfs=$1
	pm2=$2
	shift 2
	static "$pm2" || die "$pm2 is not a static binary"
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] && static "$busybox" ||
		die "needs a static busybox (apt-get install busybox-static)"
	mkdir -p "$rootfs/bin" "$rootfs/app" "$rootfs/proc" "$rootfs/tmp" "$rootfs/dev"
	chmod 1777 "$rootfs/tmp"
	install -m 0755 "$pm2" "$rootfs/pm2"
	ln -sf pm2 "$rootfs/pm2-runtime"
	install -m 0755 "$busybox" "$rootfs/bin/busybox"
	# Debian's static busybox runs its applets from sh without links.
	ln -sf busybox "$rootfs/bin/sh"
	# A shell's background jobs read /dev/null; engines always provide it.
	[ -c "$rootfs/dev/null" ] || mknod -m 0666 "$rootfs/dev/null" c 1 3
	for f in "$@"; do
		cp -p "$f" "$rootfs/app/"
	done
}

# The environment inside, for run and exec alike.
in_container() { # tool [arg...]
	tool=$(command -v "$1") || die "$1 not found (util-linux)"
	shift
	exec env -i PATH=/bin HOME=/ PM2_HOME=/.pm2 "$tool" "$@"
}

[ $# -ge 3 ] || die "usage: scratch.sh rootfs|run|exec ..."
what=$1
shift
case $what in
rootfs) make_rootfs "$@" ;;
run)
	rootfs=$1
	shift
	in_container unshare --pid --fork --mount --mount-proc --root="$rootfs" --wd=/ "$@"
	;;
exec)
	pid=$1
	shift
	in_container nsenter --target "$pid" --pid --mount --root --wd "$@"
	;;
*) die "unknown command $what (rootfs, run or exec)" ;;
esac
