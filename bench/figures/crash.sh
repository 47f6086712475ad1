#!/bin/bash
# Crash-to-restart latency with restart_delay 0: the app stamps its exit
# (exit code 1 on SIGUSR1), its successor stamps its start, both on the
# same monotonic clock. Crashes are GAP_MS apart so every run outlives
# min_uptime and no restart policy counts it unstable.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
FIFO=$BENCH_TMP/crash.fifo
GAP_MS=150

eco_write "$BENCH_TMP/crash.json" crash 1 "app --fifo $FIFO" \
	'"restart_delay": 0, "max_restarts": 100000, "min_uptime": 100'
for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip crash_restart "$s" "daemon did not start"; continue; }
	export PM2_HOME=${HOME_OF[$s]}
	for us in $("$BT" crash --fifo "$FIFO" --count "$((BENCH_SAMPLES * 2))" --gap-ms $GAP_MS -- \
		"$(pm2_bin "$s")" start "$BENCH_TMP/crash.json"); do
		[ "$us" -ge 0 ] && record crash_restart "$s" "$(us_to_ms "$us")"
	done
	daemon_stop "$s"
done
