#!/bin/bash
# Cluster mode, Node app on one loopback port: requests/s through 2 workers
# (`-i 2`) and through one plain node process; then requests that failed
# while `reload` replaced the workers RELOADS times under load, each
# request on a new connection so a refused or reset connect counts.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
PORT=$BENCH_PORT
APP=$BENCH_DIR/apps/http.js
ECO=$BENCH_TMP/cluster.json
RELOADS=3
RELOAD_GAP_S=1
RELOAD_LIMIT_MS=120000
CONNS=16

if ! command -v node >/dev/null; then
	skip cluster_rps2 all "node is not installed"
	exit 0
fi
cat >"$ECO" <<JSON
{"apps": [{"name": "http", "script": "$APP", "instances": 2, "exec_mode": "cluster",
  "env": {"PORT": "$PORT"}, "kill_timeout": 5000}]}
JSON

load() { # ms [load args...]: "ok failed elapsed_us"
	local ms=$1
	shift
	"$BT" load --port "$PORT" --conns $CONNS --ms "$ms" "$@"
}
port_serves() { [ "$(load 300 --conns 1 --max 1 | cut -d' ' -f1)" = 1 ]; }
port_free() { ! port_serves; }
rps() { awk -v ok="$1" -v us="$2" 'BEGIN { printf "%.0f", ok * 1e6 / us }'; }

# Why this subject cannot do cluster mode yet, if it cannot.
cluster_missing() { # subject
	local out
	out=$(pm "$1" reload __bench_probe__ 2>&1)
	if grep -qi "command not found" <<<"$out"; then
		echo "'pm2 reload' is not implemented yet"
		return 0
	fi
	pm "$1" start "$ECO" >/dev/null 2>&1
	if ! wait_for 20 has_online "$1" 2 || ! wait_for 10 port_serves; then
		echo "'-i 2' with exec_mode cluster does not serve port $PORT"
		return 0
	fi
	return 1
}

# One plain node process: the baseline for what 2 workers should add.
wait_for 10 port_free || { skip cluster_rps1 node "port $PORT is busy"; exit 0; }
for ((r = 0; r < BENCH_RUNS; r++)); do
	PORT=$PORT node "$APP" "$BENCH_TMP" &
	node_pid=$!
	if wait_for 10 port_serves; then
		read -r ok failed us < <(load "$BENCH_LOAD_MS")
		record cluster_rps1 node "$(rps "$ok" "$us")"
	fi
	kill "$node_pid" 2>/dev/null
	wait "$node_pid" 2>/dev/null
done

for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip cluster_rps2 "$s" "daemon did not start"; continue; }
	if why=$(cluster_missing "$s"); then
		skip cluster_rps2 "$s" "$why"
		skip cluster_reload_fail "$s" "$why"
		daemon_stop "$s"
		continue
	fi
	for ((r = 0; r < BENCH_RUNS; r++)); do
		read -r ok failed us < <(load "$BENCH_LOAD_MS")
		record cluster_rps2 "$s" "$(rps "$ok" "$us")"
	done
	# The load runs from before the first reload until after the last
	# one has settled (bounded by RELOAD_LIMIT_MS all the same).
	"$BT" load --port "$PORT" --conns $CONNS --ms $RELOAD_LIMIT_MS --close 1 \
		>"$BENCH_TMP/reload.out" &
	load_pid=$!
	for ((i = 0; i < RELOADS; i++)); do
		sleep $RELOAD_GAP_S
		timeout 60 env PM2_HOME="${HOME_OF[$s]}" "$(pm2_bin "$s")" reload http >/dev/null 2>&1
	done
	sleep $RELOAD_GAP_S
	kill -TERM "$load_pid" 2>/dev/null
	wait "$load_pid"
	read -r ok failed us <"$BENCH_TMP/reload.out"
	say "$s: $ok requests ok, $failed failed across $RELOADS reloads"
	record cluster_reload_fail "$s" "$failed"
	daemon_stop "$s"
done
