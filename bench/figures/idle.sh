#!/bin/bash
# Idle cost: each daemon with 10 idle apps, all sampled side by side over
# the same BENCH_IDLE_S seconds, in BENCH_IDLE_STEP windows (60 s each by
# default; shorter ones, in a quick run, are scaled to 60 s): CPU time and
# wake-ups (times any daemon thread was put on a CPU) in 60 s.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
SETTLE_S=5

eco_write "$BENCH_TMP/idle10.json" idle 10 "app"
pids=() subj=()
for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip idle_cpu "$s" "daemon did not start"; continue; }
	pm "$s" start "$BENCH_TMP/idle10.json" >/dev/null
	wait_for 60 has_online "$s" 10 || { skip idle_cpu "$s" "10 apps not online"; continue; }
	pids+=("$(daemon_pid "$s")")
	subj+=("$s")
done
[ ${#pids[@]} -gt 0 ] || exit 0
sleep $SETTLE_S
say "sampling ${subj[*]} for ${BENCH_IDLE_S} s"
scale=$((60 / BENCH_IDLE_STEP))
while read -r _ pid cpu_us wakeups; do
	for i in "${!pids[@]}"; do
		[ "${pids[$i]}" = "$pid" ] || continue
		record idle_cpu "${subj[$i]}" "$(awk -v u="$cpu_us" -v k=$scale 'BEGIN { printf "%.3f", u * k / 1000 }')"
		record idle_wakeups "${subj[$i]}" $((wakeups * scale))
	done
done < <("$BT" idle --seconds "$BENCH_IDLE_S" --interval "$BENCH_IDLE_STEP" -- "${pids[@]}")
