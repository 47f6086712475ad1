#!/bin/bash
# PID 1 of a fresh PID namespace (unshare --pid --fork --mount-proc), one
# app under each init: the init's RSS; SIGTERM until the namespace is
# gone; and the app makes ORPHANS processes that only PID 1 can reap:
# the time until /proc is back to its count, and the zombies left.
. "$(dirname "$0")/../lib.sh"
trap bench_cleanup EXIT
FIFO=$BENCH_TMP/pid1.fifo
REAP_LIMIT_MS=10000

if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	skip pid1_rss all "cannot create PID namespaces here (needs root)"
	exit 0
fi

# The init command line for one subject, running the app with its args.
init_cmd() { # subject "app args"
	local eco=$BENCH_TMP/pid1-$1.json
	case $1 in
	pm2c)
		eco_write "$eco" app 1 "$2"
		echo "$PM2C_RUNTIME $eco"
		;;
	pm2)
		eco_write "$eco" app 1 "$2"
		echo "$PM2_PREFIX/node_modules/.bin/pm2-runtime $eco"
		;;
	tini) echo "tini -- $BT $2 --tag $BENCH_TMP" ;;
	dumb-init) echo "dumb-init $BT $2 --tag $BENCH_TMP" ;;
	esac
}

for s in $(daemon_subjects) $(init_subjects); do
	export PM2_HOME=$BENCH_TMP/h-pid1-$s
	for ((i = 0; i < BENCH_SAMPLES; i++)); do
		read -r kb exit_us _ < <("$BT" pid1 --fifo "$FIFO" --timeout-ms 30000 -- \
			unshare --pid --fork --mount-proc $(init_cmd "$s" "app --fifo $FIFO") 2>/dev/null)
		[ "${kb:--1}" -gt 0 ] && record pid1_rss "$s" "$(kb_to_mb "$kb")"
		[ "${exit_us:--1}" -ge 0 ] && record pid1_sigterm "$s" "$(us_to_ms "$exit_us")"
	done
	for ((r = 0; r < BENCH_RUNS; r++)); do
		read -r _ _ reap_us zombies < <("$BT" pid1 --fifo "$FIFO" --orphans 1 --timeout-ms 60000 -- \
			unshare --pid --fork --mount-proc $(init_cmd "$s" \
			"app --fifo $FIFO --orphans $BENCH_ORPHANS --orphan-timeout-ms $REAP_LIMIT_MS") \
			2>/dev/null)
		[ "${zombies:--1}" -ge 0 ] || continue
		record pid1_zombies "$s" "$zombies"
		if [ "$reap_us" -ge 0 ]; then
			record pid1_reap "$s" "$(us_to_ms "$reap_us")"
		else
			record pid1_reap "$s" "timeout:$REAP_LIMIT_MS"
		fi
	done
	rm -rf "$PM2_HOME"
done
