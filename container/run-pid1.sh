#!/bin/sh
# Run a command as PID 1 of new PID and mount namespaces rooted at ROOTFS,
# with its own /proc and a container's bare environment: what `docker run`
# does, with no engine (util-linux unshare; needs root).
#
#   container/run-pid1.sh ROOTFS /pm2-runtime /app/ecosystem.json
#
# The exit code is PID 1's. Inside, PM2_HOME is /.pm2 (the default when
# HOME is / and there is no /etc/passwd); container/exec.sh uses the same.
set -eu
[ $# -ge 2 ] || {
	echo "usage: run-pid1.sh ROOTFS CMD [ARG...]" >&2
	exit 2
}
rootfs=$1
shift
unshare=$(command -v unshare)
exec env -i PATH=/bin HOME=/ PM2_HOME=/.pm2 \
	"$unshare" --pid --fork --mount --mount-proc --root="$rootfs" --wd=/ "$@"
