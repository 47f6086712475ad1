#!/bin/sh
# Make an OCI bundle around a root file system from `scratch.sh rootfs`,
# the way an engine would run the image: read-only root, a tmpfs on /run for
# PM2_HOME (as a Kubernetes emptyDir would be), no terminal, the default
# namespaces and capabilities of `runc spec`.
#
#   container/runc-bundle.sh BUNDLE ROOTFS CMD [ARG...]
#   runc run --bundle BUNDLE NAME        # PID 1 is CMD
#   runc exec NAME /pm2 ls               # `docker exec`
#   runc kill NAME TERM                  # `docker stop`
set -eu
[ $# -ge 3 ] || {
	echo "usage: runc-bundle.sh BUNDLE ROOTFS CMD [ARG...]" >&2
	exit 2
}
bundle=$1
rootfs=$(cd "$2" && pwd)
shift 2
mkdir -p "$bundle"
rm -f "$bundle/config.json"
runc spec --bundle "$bundle"
args=$(jq -cn '$ARGS.positional' --args "$@")
jq --arg root "$rootfs" --argjson args "$args" '
	.root = { path: $root, readonly: true }
	| .process.terminal = false
	| .process.args = $args
	| .process.cwd = "/"
	| .process.env = [ "PATH=/bin", "HOME=/", "PM2_HOME=/run/pm2" ]
	| .mounts += [ { destination: "/run", type: "tmpfs", source: "tmpfs",
			 options: [ "nosuid", "nodev", "mode=755", "size=16m" ] } ]
	| .hostname = "pm2-test"
' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
