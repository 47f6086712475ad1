#!/bin/bash
# Scale: SCALE instances of one app (`start -i SCALE`), then `ls` latency
# and the daemon's RSS. Also how long until all of them were online
# (polled with jlist, so coarse: it includes the polling).
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
N=$BENCH_SCALE
# PM2 needs minutes for this; one run of it is enough to make the point.
PEER_RUNS=1

for s in $(daemon_subjects); do
	runs=$BENCH_RUNS
	[ "$s" = pm2c ] || runs=$PEER_RUNS
	for ((r = 0; r < runs; r++)); do
		daemon_fresh "$s" || { skip scale_ls "$s" "daemon did not start"; continue; }
		t0=$(date +%s%N)
		pm "$s" start "$BT" --name big -i "$N" -- app --tag "$BENCH_TMP" >/dev/null
		if ! wait_for 400 has_online "$s" "$N"; then
			skip scale_ls "$s" "$N instances not online within 400 s"
			daemon_stop "$s"
			continue
		fi
		t1=$(date +%s%N)
		record scale_start "$s" "$(( (t1 - t0) / 1000000 ))"
		export PM2_HOME=${HOME_OF[$s]} NO_COLOR=1
		"$BT" run 1 -- "$(pm2_bin "$s")" ls >/dev/null
		for us in $("$BT" run "$BENCH_SAMPLES" -- "$(pm2_bin "$s")" ls); do
			record scale_ls "$s" "$(us_to_ms "$us")"
		done
		record scale_rss "$s" "$(kb_to_mb "$(rss_kb "$(daemon_pid "$s")")")"
		daemon_stop "$s"
	done
done
