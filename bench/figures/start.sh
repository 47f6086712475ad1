#!/bin/bash
# Start latency, daemon already running: from running `start` until the
# app itself says it runs (its own clock, on a FIFO), for one app and for
# an ecosystem of 20 apps (until the last of them runs).
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
FIFO=$BENCH_TMP/start.fifo

eco_write "$BENCH_TMP/start20.json" e 20 "app --fifo $FIFO"
for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip start_one "$s" "daemon did not start"; continue; }
	export PM2_HOME=${HOME_OF[$s]} NO_COLOR=1
	bin=$(pm2_bin "$s")
	for ((i = 0; i <= BENCH_SAMPLES; i++)); do
		read -r app_us cli_us < <("$BT" start --fifo "$FIFO" -- \
			"$bin" start "$BT" --name "s$i" -- app --fifo "$FIFO" --tag "$BENCH_TMP")
		# the first one warms the page cache and the daemon up
		[ "$i" -gt 0 ] && [ "${app_us:--1}" -ge 0 ] && record start_one "$s" "$(us_to_ms "$app_us")"
		pm "$s" delete "s$i" >/dev/null
	done
	for ((r = 0; r < BENCH_RUNS; r++)); do
		read -r app_us cli_us < <("$BT" start --fifo "$FIFO" --count 20 -- \
			"$bin" start "$BENCH_TMP/start20.json")
		[ "${app_us:--1}" -ge 0 ] && record start_eco20 "$s" "$(us_to_ms "$app_us")"
		pm "$s" delete all >/dev/null
	done
	daemon_stop "$s"
done
