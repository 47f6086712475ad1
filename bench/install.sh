#!/bin/bash
# bench/install.sh: the peers `make bench` compares against. From Debian,
# only what is missing: jq, tini, dumb-init, nodejs and npm. PM2 7 from
# npm into a new temporary prefix, never globally, when BENCH_PEERS has
# pm2 and no PM2_PREFIX is given. Prints the prefix on stdout; progress
# goes to stderr.
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for p in jq tini dumb-init util-linux procps; do
	have_pkg "$p" || need="$need $p"
done
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
	echo "bench: apt-get install$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null; }
fi

case " ${BENCH_PEERS-pm2} " in *" pm2 "*) ;; *) exit 0 ;; esac
[ -z "${PM2_PREFIX:-}" ] || exit 0 # the caller brought its own
prefix=$(mktemp -d /tmp/pmb-npm.XXXXXX)
echo "bench: npm install pm2@7 into $prefix" >&2
npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
	--no-update-notifier pm2@7 >&2
echo "$prefix"
