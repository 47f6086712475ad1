#!/usr/bin/env bats
# Hammering /metrics on loopback does not starve supervision: a crash-
# looping app keeps being restarted promptly and log lines keep arriving.
# The figures come from bench/web_load.py (bounded: 3 s per phase, 8
# connections); the limits here are generous on purpose, since the machine
# is shared: they catch a supervisor that stalls, not one a bit slower.
# Ports 18780-18789.

load helpers

@test "hammering /metrics does not stall restarts or log forwarding" {
	run timeout 120 python3 "$BATS_TEST_DIRNAME/../../bench/web_load.py" --pm2 "$PM2" \
		--seconds 3 --conns 8 --port $((18780 + BATS_TEST_NUMBER)) --json
	assert_success
	r=${lines[-1]}
	echo "$r" | jq .
	# The load was real, and every request was answered.
	[ "$(jq .loaded.load.requests <<<"$r")" -ge 1000 ]
	[ "$(jq .loaded.load.errors <<<"$r")" -eq 0 ]
	# Restarts kept coming at a comparable pace, each promptly.
	idle=$(jq .idle.restart_latency_ms.n <<<"$r")
	loaded=$(jq .loaded.restart_latency_ms.n <<<"$r")
	[ "$loaded" -ge 5 ] && [ "$((loaded * 4))" -ge "$idle" ]
	jq -e '.loaded.restart_latency_ms.p50 < 250' <<<"$r"
	# Log lines kept flowing, each promptly.
	idle=$(jq .idle.log_delay_ms.n <<<"$r")
	loaded=$(jq .loaded.log_delay_ms.n <<<"$r")
	[ "$loaded" -ge 20 ] && [ "$((loaded * 4))" -ge "$idle" ]
	jq -e '.loaded.log_delay_ms.p50 < 250' <<<"$r"
}
