#!/bin/bash
# Daemon RSS: idle, then with 10 and with 100 running apps. Each run is a
# fresh daemon; RSS is read SETTLE_S after the apps are online, the same
# moment for every subject.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
SETTLE_S=1

eco_write "$BENCH_TMP/rss10.json" a 10 "app"
eco_write "$BENCH_TMP/rss90.json" b 90 "app"

rss_now() { # figure subject
	sleep $SETTLE_S
	record "$1" "$2" "$(kb_to_mb "$(rss_kb "$(daemon_pid "$2")")")"
}

for s in $(daemon_subjects); do
	for ((r = 0; r < BENCH_RUNS; r++)); do
		daemon_fresh "$s" || { skip rss_idle "$s" "daemon did not start"; continue; }
		rss_now rss_idle "$s"
		pm "$s" start "$BENCH_TMP/rss10.json" >/dev/null
		wait_for 60 has_online "$s" 10 && rss_now rss_10 "$s"
		pm "$s" start "$BENCH_TMP/rss90.json" >/dev/null
		wait_for 120 has_online "$s" 100 && rss_now rss_100 "$s"
		daemon_stop "$s"
	done
done
