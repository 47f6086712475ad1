#!/bin/sh
# A shell worker: one line every few seconds, a clean exit on SIGINT/SIGTERM.
trap 'echo "ticker: stopping"; exit 0' INT TERM
n=0
while :; do
	n=$((n + 1))
	echo "ticker: ${GREETING:-hi}, tick $n (instance ${NODE_APP_INSTANCE:-0})"
	sleep 5 &
	wait $!
done
