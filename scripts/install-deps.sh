#!/bin/sh
# Install what building and testing need, only what is missing (Debian,
# root): podman, runc and busybox-static run the container tests, yamllint
# checks the Kubernetes and compose examples. Then build the static cJSON
# and libcap from Debian's sources.
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for p in musl-tools bats bats-assert bats-support libcjson-dev libcap-dev \
	 gcc make dpkg-dev file curl jq procps util-linux parallel clang libclang-rt-14-dev \
	 podman runc busybox-static yamllint git openssh-client openssh-server \
	 iproute2 python3-prometheus-client chromium tmux; do
	have_pkg "$p" || need="$need $p"
done
# Interpreters the examples and tests run apps with.
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v node >/dev/null 2>&1 || need="$need nodejs"
# The npm package test packs and installs with npm; the status page's
# browser test drives chromium with playwright-core from npm.
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
	echo "install-deps: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# openssh-server is for the deploy tests, which start their own sshd
	# on loopback: keep the package from starting the system's on :22.
	no_start=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		no_start=1
	fi
	apt-get install -y -qq --no-install-recommends $need >/dev/null
	[ -z "$no_start" ] || rm -f /usr/sbin/policy-rc.d
fi
sh "$(dirname "$0")/build-deps.sh"
