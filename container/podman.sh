#!/bin/sh
# podman the way this project's machines can run it (shared/TOOLCHAIN.md
# §7), with no Docker engine and no registry:
#   - runc as the OCI runtime: crun refuses the hybrid cgroup layout here;
#   - no network: the default bridge would add CNI chains to the host;
#   - ulimits the sandbox can grant (as root podman asks for more).
#
#   container/podman.sh build --target prebuilt -t pm2:test .
#   container/podman.sh run -d --name web pm2:test /app/ecosystem.json
#   container/podman.sh exec web /pm2 ls
set -eu
[ $# -ge 1 ] || {
	echo "usage: podman.sh COMMAND [ARG...]" >&2
	exit 2
}
cmd=$1
shift
case $cmd in
run | create)
	exec podman --runtime runc "$cmd" --network none \
		--ulimit nofile=1024:20000 --ulimit nproc=32768:32768 "$@"
	;;
build)
	exec podman --runtime runc build --network none "$@"
	;;
*)
	exec podman --runtime runc "$cmd" "$@"
	;;
esac
