#!/bin/sh
# Requests/s and failed requests while `pm2 reload` runs, this pm2 next to
# PM2, on the same unmodified Node app (examples/cluster/web.js, -i 2) and
# the same bounded loopback load (tests/bats/fixtures/load.py).
#
# usage: sh bench/reload.sh [SECONDS] [RELOADS] [THREADS] [--keepalive]
#   defaults 10 s, 3 reloads, 4 client threads, one request per connection
# env:   PM2_REF  PM2's CLI (default /tmp/pm2ref/node_modules/.bin/pm2; skipped
#                 if missing: npm install pm2 somewhere and point at it)
#        PORT     loopback port to use (default 18290)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECS=${1:-10}
RELOADS=${2:-3}
THREADS=${3:-4}
KA=""
for a in "$@"; do [ "$a" = --keepalive ] && KA=--keepalive; done
PORT=${PORT:-18290}
PM2_REF=${PM2_REF:-/tmp/pm2ref/node_modules/.bin/pm2}
LOAD=$ROOT/tests/bats/fixtures/load.py
APP=$ROOT/examples/cluster/web.js

command -v node >/dev/null || { echo "bench: node is not installed" >&2; exit 1; }
[ -x build/pm2 ] || make -s build/pm2

answering() {
	i=0
	until curl -s --max-time 1 "http://127.0.0.1:$PORT/" >/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.05
	done
}

run_one() { # label cli
	label=$1
	cli=$2
	home=$(mktemp -d /tmp/pm2bench.XXXXXX)
	work=$(mktemp -d /tmp/pm2benchw.XXXXXX)
	cp "$APP" "$work/web.js"
	(cd "$work" && PM2_HOME=$home PORT=$PORT HOST=127.0.0.1 "$cli" start web.js -i 2 >/dev/null 2>&1)
	answering || { echo "$label: the app did not answer" >&2; PM2_HOME=$home "$cli" kill >/dev/null 2>&1; return 1; }
	python3 "$LOAD" "$PORT" "$SECS" "$THREADS" $KA >"$work/load.json" &
	load=$!
	sleep 1
	n=0
	start=$(date +%s.%N)
	while [ $n -lt "$RELOADS" ]; do
		PM2_HOME=$home "$cli" reload web >/dev/null 2>&1 || echo "$label: reload failed" >&2
		n=$((n + 1))
		sleep 1
	done
	end=$(date +%s.%N)
	wait "$load"
	PM2_HOME=$home "$cli" kill >/dev/null 2>&1 || true
	python3 - "$label" "$work/load.json" "$RELOADS" "$start" "$end" <<'PY'
import json, sys
label, path, reloads, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
r = json.load(open(path))
errs = ", ".join(f"{k} x{v}" for k, v in r["errors"].items()) or "-"
print(f"{label:<10} {r['rps']:>9} {r['ok']:>8} {r['failed']:>7} {reloads:>8} {(t1 - t0 - reloads) / reloads:>12.2f}   {errs}")
PY
	rm -rf "$home" "$work"
}

echo "reload under load: $SECS s, $RELOADS reloads, $THREADS threads${KA:+, keep-alive}, node $(node --version), 2 workers"
printf '%-10s %9s %8s %7s %8s %12s   %s\n' "" "req/s" "ok" "failed" "reloads" "s/reload" "errors"
run_one "pm2 (C)" "$ROOT/build/pm2"
if [ -x "$PM2_REF" ]; then
	run_one "PM2 $("$PM2_REF" -v 2>/dev/null | tail -1)" "$PM2_REF"
else
	echo "PM2: not found at $PM2_REF (set PM2_REF)"
fi
