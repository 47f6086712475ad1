#!/usr/bin/env bats
# pm2 reload: rolling, one instance at a time, a new worker beside the old
# one until it is ready, so requests keep flowing with none failed.
# Ports 18250-18299.

load helpers

EXAMPLES=$BATS_TEST_DIRNAME/../../examples/cluster
WEBC=$BATS_TEST_DIRNAME/../../build/examples/web-c
export HOST=127.0.0.1

pids() { jl '[.[].pid] | sort | map(tostring) | join(" ")'; }

all_online() { # count
	[ "$(jl "[.[] | select(.pm2_env.status == \"online\")] | length")" = "$1" ]
}

# Load on a port while `pm2 reload <app>` runs twice; the load's JSON
# summary ends up in $WORK/load.json, the pids before and after each reload
# in P0, P1, P2. The load runs until the reloads are done and the last
# workers have served a while (at most 60 s).
load_through_two_reloads() { # port app
	python3 "$FIXTURES/load.py" "$1" 60 4 --until "$WORK/load.stop" ${LOAD_ARGS:-} >"$WORK/load.json" &
	local load=$!
	P0=$(pids)
	sleep 1
	"$PM2" reload "$2" >"$WORK/reload1.out" || { cat "$WORK/reload1.out"; return 1; }
	P1=$(pids)
	sleep 0.5
	"$PM2" reload "$2" >"$WORK/reload2.out" || { cat "$WORK/reload2.out"; return 1; }
	P2=$(pids)
	sleep 1
	touch "$WORK/load.stop"
	wait "$load"
}

# Every pid of `new` is absent from `old`.
all_replaced() { # old new
	for p in $2; do
		[[ " $1 " != *" $p "* ]] || { echo "pid $p survived a reload ($1 -> $2)"; return 1; }
	done
}

# No request failed, many succeeded, and the last workers served: each of
# them, or with kept-alive connections (which stay where they land) one.
assert_no_request_lost() {
	run jq -r '"\(.ok) \(.failed)"' "$WORK/load.json"
	read -r ok failed <<<"$output"
	echo "load: $(cat "$WORK/load.json")"
	[ "$failed" = 0 ]
	[ "$ok" -gt 200 ]
	local served=0
	for p in $P2; do
		if jq -e --arg b "pid $p" '.by_body[$b] > 0' "$WORK/load.json" >/dev/null; then
			served=$((served + 1))
		fi
	done
	[ "$served" -ge 1 ]
	[ -n "${LOAD_ARGS:-}" ] || [ "$served" = "$(wc -w <<<"$P2")" ]
}

@test "reload under load drops no request: unmodified Node app, twice, every pid replaced" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$EXAMPLES/web.js" .
	PORT=18250 "$PM2" start web.js -i 2 >/dev/null
	wait_until 10 all_online 2
	load_through_two_reloads 18250 web
	assert_no_request_lost
	all_replaced "$P0" "$P1"
	all_replaced "$P1" "$P2"
	grep -q "Applying action reloadProcessId on app \[web\](ids: \[ 0, 1 \])" "$WORK/reload1.out"
	[ "$(jl '[.[].pm2_env.restart_time] | join(",")')" = "2,2" ]
	all_online 2
	# Rolling: an old worker goes only once its successor is ready, and
	# the next instance waits until it is gone.
	run sh -c "grep -oE 'App \[web:[01]\] (reloading|ready|retiring|old worker)' '$PM2_HOME/pm2.log' |
		sed 's/old worker/old-exited/; s/App \[web:\([01]\)\] /\1 /' | tr '\n' ' '"
	assert_output --partial "0 reloading 0 ready 0 retiring 0 old-exited 1 reloading 1 ready 1 retiring 1 old-exited 0 reloading 0 ready 0 retiring 0 old-exited 1 reloading 1 ready 1 retiring 1 old-exited"
}

@test "keep-alive clients through two reloads of a Node app: none failed" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$EXAMPLES/web.js" .
	PORT=18256 "$PM2" start web.js -i 2 >/dev/null
	wait_until 10 all_online 2
	# The drain preload is what lets kept-alive connections end cleanly.
	tr '\0' ' ' <"/proc/$(jl '.[0].pid')/cmdline" | grep -q -- "--require $PM2_HOME/node-drain.cjs"
	LOAD_ARGS=--keepalive
	load_through_two_reloads 18256 web
	assert_no_request_lost
	all_replaced "$P0" "$P2"
}

@test "reload under load drops no request: Python app on fd 3 with READY=1" {
	cp "$EXAMPLES/web.py" .
	"$PM2" start web.py -i 2 --listen 127.0.0.1:18251 --wait-ready >/dev/null
	wait_until 10 all_online 2
	load_through_two_reloads 18251 web
	assert_no_request_lost
	all_replaced "$P0" "$P1"
	all_replaced "$P1" "$P2"
}

@test "reload under load drops no request: C app from an ecosystem file" {
	cat >eco.json <<EOF
{ "apps": [{ "name": "c", "script": "$WEBC", "instances": 2, "exec_mode": "cluster",
  "listen": "127.0.0.1:18252", "wait_ready": true }] }
EOF
	"$PM2" start eco.json >/dev/null
	wait_until 10 all_online 2
	load_through_two_reloads 18252 eco.json
	assert_no_request_lost
	all_replaced "$P0" "$P1"
	all_replaced "$P1" "$P2"
}

@test "a request in flight is finished by the old worker" {
	command -v node >/dev/null || skip "node is not installed"
	DELAY_MS=1500 PORT=18253 "$PM2" start "$FIXTURES/slow-web.js" --name slow -i 1 >/dev/null
	old=$(pid_of slow)
	curl -s --max-time 10 http://127.0.0.1:18253/ >answer &
	curler=$!
	connected() { ss -Htn state established "( dport = :18253 )" | grep -q .; }
	wait_until 10 connected
	"$PM2" reload slow >/dev/null
	wait "$curler"
	[ "$(cat answer)" = "pid $old" ]
	[ "$(pid_of slow)" != "$old" ]
}

@test "a new worker that dies before it is ready: the reload fails, the old one keeps serving" {
	cp "$EXAMPLES/web.py" .
	export EXAMPLES=$WORK BROKEN=$WORK/broken
	"$PM2" start "$FIXTURES/broken-when.py" --name b -i 2 --listen 127.0.0.1:18254 \
		--wait-ready --max-restarts 3 >/dev/null
	wait_until 10 all_online 2
	before=$(pids)
	touch broken
	run "$PM2" reload b
	assert_failure 1
	assert_output --partial "App [b:0] new worker exited with code 3 before it was ready: the old worker"
	[ "$(pids)" = "$before" ]
	all_online 2
	run curl -s --max-time 3 http://127.0.0.1:18254/
	assert_output --regexp "^pid [0-9]+$"
	# Fixed: the next reload goes through.
	rm broken
	"$PM2" reload b >/dev/null
	all_replaced "$before" "$(pids)"
}

@test "fork mode instances reload one by one; a single one restarts" {
	make_sleeper s
	"$PM2" start s.sh -i 3 >/dev/null
	before=$(pids)
	run "$PM2" reload s
	assert_success
	all_replaced "$before" "$(pids)"
	all_online 3
	# One at a time: each instance is back before the next one stops.
	run grep -oE "App \[s:[0-9]\] (stopped|online)" "$PM2_HOME/pm2.log"
	assert_output --partial "$(printf 'App [s:0] stopped\nApp [s:0] online\nApp [s:1] stopped\nApp [s:1] online\nApp [s:2] stopped\nApp [s:2] online')"
	"$PM2" start sleep --name one -- 100 >/dev/null
	p=$(pid_of one)
	"$PM2" reload one >/dev/null
	[ "$(pid_of one)" != "$p" ]
	is_status one online
}

@test "reload all, by id, of a stopped app, and of an unknown one" {
	make_sleeper s
	"$PM2" start s.sh --name a >/dev/null
	"$PM2" start s.sh --name b >/dev/null
	pa=$(pid_of a)
	pb=$(pid_of b)
	"$PM2" reload all >/dev/null
	[ "$(pid_of a)" != "$pa" ]
	[ "$(pid_of b)" != "$pb" ]
	pb=$(pid_of b)
	"$PM2" reload 0 >/dev/null
	[ "$(pid_of b)" = "$pb" ]
	"$PM2" stop b >/dev/null
	"$PM2" reload b >/dev/null
	is_status b online
	run "$PM2" reload nope
	assert_failure 1
	assert_output --partial "Process or Namespace nope not found"
}

@test "restart stays a stop-then-start" {
	cp "$EXAMPLES/web.py" .
	"$PM2" start web.py -i 2 --listen 127.0.0.1:18255 --wait-ready >/dev/null
	before=$(pids)
	"$PM2" restart web >/dev/null
	all_replaced "$before" "$(pids)"
	! grep -q "reloading: starting a new worker" "$PM2_HOME/pm2.log" || false
	all_online 2
}
