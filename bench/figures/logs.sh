#!/bin/bash
# Log throughput: an app writes `seq 1 K` to its stdout as fast as it can;
# from its first byte (its own "up" stamp) until its out log holds every
# byte, in MB/s (10^6 bytes). The ceilings run the same producer
# (`benchtool gen K`, byte for byte `seq 1 K` but faster than coreutils
# seq, so the producer never is the limit) straight into a file and
# through one pipe: `gen > file` and `gen | cat > file`.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
FIFO=$BENCH_TMP/logs.fifo
LOG=$BENCH_TMP/logs-out.log
K=$BENCH_LOG_LINES
BYTES=$("$BT" gen "$K" | wc -c)
# Cheap (a few seconds) and noisy: more runs than the other figures.
RUNS=$((BENCH_RUNS + 2))

mbps() { awk -v b="$BYTES" -v u="$1" 'BEGIN { printf "%.1f", b / u }'; }

eco_write "$BENCH_TMP/logs.json" logs 1 "app --fifo $FIFO --lines $K" \
	"\"merge_logs\": true, \"out_file\": \"$LOG\", \"error_file\": \"$BENCH_TMP/logs-err.log\""
for ((r = 0; r < RUNS; r++)); do
	rm -f "$LOG"
	us=$("$BT" run 1 -- sh -c "'$BT' gen $K > $LOG") && record log_tput ceiling-direct "$(mbps "$us")"
	rm -f "$LOG"
	us=$("$BT" run 1 -- sh -c "'$BT' gen $K | cat > $LOG") && record log_tput ceiling-pipe "$(mbps "$us")"
done
for s in $(daemon_subjects); do
	daemon_fresh "$s" || { skip log_tput "$s" "daemon did not start"; continue; }
	export PM2_HOME=${HOME_OF[$s]}
	for ((r = 0; r < RUNS; r++)); do
		rm -f "$LOG"
		us=$("$BT" logtput --fifo "$FIFO" --file "$LOG" --bytes "$BYTES" --timeout-ms 120000 -- \
			"$(pm2_bin "$s")" start "$BENCH_TMP/logs.json")
		[ "${us:--1}" -ge 0 ] && record log_tput "$s" "$(mbps "$us")"
		pm "$s" delete all >/dev/null
	done
	daemon_stop "$s"
done
rm -f "$LOG"
