#!/usr/bin/env bats
# The daemon: started on demand, one per PM2_HOME, stopped by kill.

load helpers

@test "ping starts the daemon and answers pong" {
	[ ! -S "$PM2_HOME/rpc.sock" ]
	run "$PM2" ping
	assert_success
	assert_output --partial "Spawning PM2 daemon with pm2_home=$PM2_HOME"
	assert_output --partial "{ msg: 'pong' }"
	[ -S "$PM2_HOME/rpc.sock" ]
	[ -d "$PM2_HOME/logs" ]
	[ -d "$PM2_HOME/pids" ]
	[ -s "$PM2_HOME/pm2.log" ]
	pid=$(cat "$PM2_HOME/pm2.pid")
	kill -0 "$pid"
	# a second ping talks to the same daemon
	run "$PM2" ping
	assert_success
	refute_output --partial "Spawning"
	[ "$(cat "$PM2_HOME/pm2.pid")" = "$pid" ]
}

@test "the daemon is detached: another session, no terminal, not our child" {
	"$PM2" ping >/dev/null
	pid=$(cat "$PM2_HOME/pm2.pid")
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	[ "$(ps -o tty= -p "$pid" | tr -d ' ')" = "?" ]
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != "$$" ]
	# stdio goes to pm2.log, not to the terminal that started it
	[ "$(readlink /proc/$pid/fd/1)" = "$PM2_HOME/pm2.log" ]
}

@test "the control socket is private to its owner" {
	"$PM2" ping >/dev/null
	run stat -c %a "$PM2_HOME/rpc.sock"
	assert_output "600"
	run stat -c %a "$PM2_HOME"
	assert_output "700"
}

@test "kill stops every app and the daemon" {
	make_sleeper a
	make_sleeper b
	"$PM2" start a.sh >/dev/null
	"$PM2" start b.sh >/dev/null
	pa=$(pid_of a)
	pb=$(pid_of b)
	wait_until 5 started a
	dpid=$(cat "$PM2_HOME/pm2.pid")
	run "$PM2" kill
	assert_success
	assert_output --partial "All Applications Stopped"
	assert_output --partial "PM2 Daemon Stopped"
	# the apps are gone when kill returns; the daemon is on its way out
	# (it answered, then closes): give it a moment to be reaped
	! kill -0 "$pa" 2>/dev/null || false
	! kill -0 "$pb" 2>/dev/null || false
	daemon_gone() { ! kill -0 "$dpid" 2>/dev/null; }
	wait_until 5 daemon_gone
	[ ! -S "$PM2_HOME/rpc.sock" ]
	grep -q "got SIGINT" "$PM2_HOME/logs/a-out.log"
}

@test "kill without a daemon is harmless" {
	run "$PM2" kill
	assert_success
	[ ! -S "$PM2_HOME/rpc.sock" ]
}

@test "a second daemon on the same PM2_HOME is refused" {
	"$PM2" ping >/dev/null
	run "$PM2" __daemon -1
	assert_failure 1
	assert_output --partial "already running for PM2_HOME $PM2_HOME"
	run "$PM2" ping
	assert_success
}

@test "a stale socket file does not stop the daemon from starting" {
	"$PM2" ping >/dev/null
	dpid=$(cat "$PM2_HOME/pm2.pid")
	kill -9 "$dpid"
	gone() { ! kill -0 "$dpid" 2>/dev/null; }
	wait_until 5 gone
	[ -S "$PM2_HOME/rpc.sock" ]
	run "$PM2" ping
	assert_success
	assert_output --partial "pong"
}

@test "the daemon reaps orphans its apps leave behind" {
	cat >orphans.sh <<'SH'
#!/bin/sh
# Leave 50 short-lived grandchildren behind, then live on.
for i in $(seq 50); do (sleep 1 &) ; done
while :; do sleep 1; done
SH
	chmod +x orphans.sh
	"$PM2" start orphans.sh >/dev/null
	dpid=$(cat "$PM2_HOME/pm2.pid")
	zombies() { ps -o stat= --ppid "$dpid" | grep -c Z || true; }
	only_the_app_left() { [ "$(ps -o pid= --ppid "$dpid" | wc -l)" -le 1 ]; }
	# the orphans are reparented to the daemon (a subreaper), then reaped
	orphans_arrived() { [ "$(ps -o pid= --ppid "$dpid" | wc -l)" -gt 1 ]; }
	wait_until 5 orphans_arrived
	wait_until 10 only_the_app_left
	[ "$(zombies)" -eq 0 ]
}

@test "the daemon log records what happened" {
	"$PM2" start "$FIXTURES/crash.sh" --no-autorestart >/dev/null
	wait_until 5 is_status crash stopped
	grep -q "App \[crash:0\] exited with code \[1\]" "$PM2_HOME/pm2.log"
}
