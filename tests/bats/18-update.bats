#!/usr/bin/env bats
# pm2 update: the daemon re-executes the binary now on disk in place and
# keeps every app running, with its pid, its counters and its output.

load helpers

setup() {
	common_setup
	[[ "$PM2_BIN" == */build/asan/* ]] && skip "the update test replaces the static binary"
	# The daemon runs a copy we can replace, as an upgrade would.
	mkdir -p "$WORK/bin"
	cp "$PM2_BIN" "$WORK/bin/pm2"
	PM2=$WORK/bin/pm2
	OLD=$(cat "$BATS_TEST_DIRNAME/../../VERSION")
}

# A new release of the same binary: its version string patched in place
# (same length), then moved over the old file (a running file cannot be
# written, only replaced).
replace_binary() { # new-version
	python3 - "$PM2_BIN" "$WORK/bin/pm2.new" "$OLD" "$1" <<'PY'
import sys
src, dst, old, new = sys.argv[1:]
assert len(old) == len(new)
data = open(src, "rb").read()
assert data.count(old.encode() + b"\0") >= 1
open(dst, "wb").write(data.replace(old.encode() + b"\0", new.encode() + b"\0"))
PY
	chmod +x "$WORK/bin/pm2.new"
	mv "$WORK/bin/pm2.new" "$WORK/bin/pm2"
}

new_version() { echo "${OLD%?}$(( (${OLD: -1} + 1) % 10 ))"; }

daemon_version() {
	python3 - "$PM2_HOME/rpc.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"cmd":"ping"}\n')
print(json.loads(s.makefile().readline())["version"])
PY
}

@test "update keeps apps running: same pids, no restart, no lost line, new version" {
	printf '#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo "line $i"; sleep 0.005; done\n' >talk.sh
	chmod +x talk.sh
	make_sleeper quiet
	printf '{"version": "4.5.6"}' >package.json
	"$PM2" start talk.sh >/dev/null
	"$PM2" start quiet.sh -i 2 >/dev/null
	"$PM2" restart quiet >/dev/null
	before=$(jl -c '[.[] | [.pm_id, .name, .pid, .pm2_env.restart_time, .pm2_env.version]]')
	[[ "$before" == *'"4.5.6"]'* ]]
	dpid=$(cat "$PM2_HOME/pm2.pid")
	NEW=$(new_version)
	replace_binary "$NEW"
	run "$PM2" ls
	assert_output --partial ">>>> In-memory PM2 is out-of-date, do:"
	assert_output --partial "In memory PM2 version: $OLD"
	run "$PM2" update
	assert_success
	assert_output --partial "PM2 daemon updated in place: $OLD -> $NEW (pid $dpid); apps kept running"
	[ "$(jl -c '[.[] | [.pm_id, .name, .pid, .pm2_env.restart_time, .pm2_env.version]]')" = "$before" ]
	[ "$(cat "$PM2_HOME/pm2.pid")" = "$dpid" ]
	[ "$(daemon_version)" = "$NEW" ]
	run "$PM2" ls
	refute_output --partial "out-of-date"
	# every line the app wrote across the update is there, once, in order
	sleep 0.5
	"$PM2" stop talk >/dev/null
	run awk '{print $2}' "$PM2_HOME/logs/talk-out.log"
	n=${#lines[@]}
	[ "$n" -gt 50 ]
	seq 1 "$n" | diff - <(awk '{print $2}' "$PM2_HOME/logs/talk-out.log")
	grep -q "updated in place to $NEW: 3 app(s) carried over" "$PM2_HOME/pm2.log"
}

@test "pm2 logs viewers stream on across the update: every line once, in order" {
	printf '#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo "line $i"; sleep 0.005; done\n' >talk.sh
	chmod +x talk.sh
	"$PM2" start talk.sh >/dev/null
	"$PM2" logs talk --raw --lines 0 >viewer.out 2>&1 &
	VIEWER=$!
	grew() { [ "$(grep -c '^line ' viewer.out)" -gt "$1" ]; }
	wait_until 10 grew 20
	replace_binary "$(new_version)"
	run "$PM2" update
	assert_success
	n=$(grep -c '^line ' viewer.out)
	wait_until 10 grew $((n + 100))
	kill -0 "$VIEWER" # still streaming: the update did not end it
	kill "$VIEWER"
	wait "$VIEWER" || true
	# consecutive numbers: nothing lost, nothing repeated, no line cut
	awk '/^line / { n = $2 + 0; if (prev && n != prev + 1) { print "after " prev ": " $0; bad = 1 }; prev = n }
	     !/^line [0-9]+$/ { print "odd line: " $0; bad = 1 }
	     END { exit bad }' viewer.out
}

@test "the web interface keeps its listening socket across the update: no probe refused" {
	PORT=18689
	make_sleeper quiet
	"$PM2" start quiet.sh >/dev/null
	PM2_API_PORT=$PORT "$PM2" web >/dev/null
	wait_until 10 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"
	inode() { ss -ltnHe "sport = :$PORT" | grep -o 'ino:[0-9]*'; }
	before=$(inode)
	[ -n "$before" ]
	(
		fails=0 ok=0
		while [ ! -e stop ]; do
			if curl -fsS -m 5 -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
				ok=$((ok + 1))
			else
				fails=$((fails + 1))
			fi
		done
		echo "$ok $fails" >probes
	) &
	PROBES=$!
	sleep 0.5
	replace_binary "$(new_version)"
	run "$PM2" update
	assert_success
	sleep 0.5
	touch stop
	wait "$PROBES"
	echo "probes ok/failed: $(cat probes)"
	[ "$(cut -d' ' -f2 probes)" = 0 ]
	[ "$(cut -d' ' -f1 probes)" -gt 10 ]
	# the very socket the old binary listened on
	[ "$(inode)" = "$before" ]
	[ "$(daemon_version)" = "$(new_version)" ]
}

@test "a line half written before the update is finished after it" {
	cat >half.sh <<'SH'
#!/bin/sh
printf 'first half '
sleep 1.5
printf 'second half\n'
sleep 100
SH
	chmod +x half.sh
	"$PM2" start half.sh >/dev/null
	sleep 0.5
	"$PM2" update >/dev/null
	wait_until 5 grep -q "second half" "$PM2_HOME/logs/half-out.log"
	[ "$(cat "$PM2_HOME/logs/half-out.log")" = "first half second half" ]
}

@test "timers and policy carry over: a pending restart still happens" {
	printf '#!/bin/sh\necho run\nexit 1\n' >crash.sh
	chmod +x crash.sh
	"$PM2" start crash.sh --restart-delay 1500 >/dev/null
	wait_until 5 is_status crash "waiting restart"
	"$PM2" update >/dev/null
	is_status crash "waiting restart"
	restarted() { [ "$(restarts_of crash)" -ge 1 ]; }
	wait_until 10 restarted
}

@test "a binary on disk that does not run is refused, and nothing changes" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	printf '#!/bin/sh\nexit 1\n' >"$WORK/bin/pm2.new"
	chmod +x "$WORK/bin/pm2.new"
	cp "$WORK/bin/pm2" "$WORK/keep"
	mv "$WORK/bin/pm2.new" "$WORK/bin/pm2"
	run "$WORK/keep" update
	assert_failure 1
	assert_output --partial "not updating: $WORK/bin/pm2 does not run"
	PM2=$WORK/keep
	[ "$(pid_of s)" = "$pid" ]
	run "$PM2" ping
	assert_success
}

@test "update as PID 1: the runtime stays PID 1 and keeps its app" {
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs root for PID namespaces"
	ln -s pm2 "$WORK/bin/pm2-runtime"
	make_sleeper s
	unshare --pid --fork --mount-proc "$WORK/bin/pm2-runtime" s.sh >"$WORK/stdout" 2>&1 &
	upid=$!
	wait_until 10 started s "$WORK/stdout"
	pid=$(pid_of s)
	NEW=$(new_version)
	replace_binary "$NEW"
	run "$PM2" update
	assert_success
	assert_output --partial "(pid 1)"
	[ "$(pid_of s)" = "$pid" ]
	[ "$(daemon_version)" = "$NEW" ]
	init=$(pgrep -P "$upid")
	kill -TERM "$init"
	wait "$upid" || { echo "runtime exited $?"; cat "$WORK/stdout"; false; }
	grep -q "got SIGINT" "$WORK/stdout" || { cat "$WORK/stdout"; false; }
}

@test "update with no daemon running is harmless" {
	run "$PM2" update
	assert_success
	assert_output --partial "nothing to update"
}

@test "update with a Node cluster app under load: no failed request, same pids, no lost line" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$BATS_TEST_DIRNAME/../../examples/cluster/web.js" .
	printf '#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo "line $i"; sleep 0.005; done\n' >talk.sh
	chmod +x talk.sh
	make_sleeper quiet
	HOST=127.0.0.1 PORT=18690 "$PM2" start web.js -i 2 >/dev/null
	"$PM2" start talk.sh >/dev/null
	"$PM2" start quiet.sh >/dev/null
	web_online() { [ "$(jl '[.[] | select(.name=="web" and .pm2_env.status=="online")] | length')" = 2 ]; }
	wait_until 15 web_online
	[ "$(jl '.[] | select(.name=="web") | .pm2_env.exec_mode' | sort -u)" = cluster_mode ]
	before=$(jl -c '[.[] | [.pm_id, .name, .pid, .pm2_env.restart_time]]')
	python3 "$FIXTURES/load.py" 18690 60 4 --until "$WORK/load.stop" >"$WORK/load.json" &
	load=$!
	sleep 1
	NEW=$(new_version)
	replace_binary "$NEW"
	run "$PM2" update
	assert_success
	assert_output --partial "-> $NEW"
	[ "$(jl -c '[.[] | [.pm_id, .name, .pid, .pm2_env.restart_time]]')" = "$before" ]
	sleep 1
	# the Node workers still talk to the new daemon: a rolling reload
	# (cluster protocol over the carried IPC channels) still drops nothing
	run "$PM2" reload web
	assert_success
	sleep 1
	touch "$WORK/load.stop"
	wait "$load"
	echo "load: $(cat "$WORK/load.json")"
	[ "$(jq .failed "$WORK/load.json")" = 0 ]
	[ "$(jq .ok "$WORK/load.json")" -gt 100 ]
	[ "$(daemon_version)" = "$NEW" ]
	"$PM2" stop talk >/dev/null
	n=$(wc -l <"$PM2_HOME/logs/talk-out.log")
	[ "$n" -gt 100 ]
	seq 1 "$n" | diff - <(awk '{print $2}' "$PM2_HOME/logs/talk-out.log")
}
