#!/bin/sh
# Run a command inside a running container: in the PID and mount
# namespaces and the root of its PID 1 (PID as the host sees it), with the
# environment run-pid1.sh gives: what `docker exec` does.
#
#   container/exec.sh PID /pm2 ls
set -eu
[ $# -ge 2 ] || {
	echo "usage: exec.sh PID CMD [ARG...]" >&2
	exit 2
}
pid=$1
shift
nsenter=$(command -v nsenter)
exec env -i PATH=/bin HOME=/ PM2_HOME=/.pm2 \
	"$nsenter" --target "$pid" --pid --mount --root --wd "$@"
