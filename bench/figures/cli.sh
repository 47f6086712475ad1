#!/bin/bash
# CLI latency with 10 apps running: the wall time of `ls`, `jlist` and
# `ping`, from fork to exit, after one warm-up run of each.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT

eco_write "$BENCH_TMP/cli10.json" a 10 "app"
for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip cli_ls "$s" "daemon did not start"; continue; }
	pm "$s" start "$BENCH_TMP/cli10.json" >/dev/null
	wait_for 60 has_online "$s" 10 || { skip cli_ls "$s" "10 apps not online"; continue; }
	for cmd in ls jlist ping; do
		export PM2_HOME=${HOME_OF[$s]} NO_COLOR=1
		"$BT" run 1 -- "$(pm2_bin "$s")" "$cmd" >/dev/null
		for us in $("$BT" run "$((BENCH_SAMPLES * 2))" -- "$(pm2_bin "$s")" "$cmd"); do
			record "cli_$cmd" "$s" "$(us_to_ms "$us")"
		done
	done
	daemon_stop "$s"
done
