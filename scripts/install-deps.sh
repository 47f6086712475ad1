#!/bin/sh
# Install what building and testing need, only what is missing (Debian,
# root). Then build the static cJSON and libcap from Debian's sources.
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for p in musl-tools bats bats-assert bats-support libcjson-dev libcap-dev \
	 gcc make dpkg-dev file curl jq procps util-linux parallel tmux git; do
	have_pkg "$p" || need="$need $p"
done
# Interpreters the examples and tests run apps with.
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v node >/dev/null 2>&1 || need="$need nodejs"
if [ -n "$need" ]; then
	echo "install-deps: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
sh "$(dirname "$0")/build-deps.sh"
