#!/usr/bin/env bats
# stop, restart, delete, reset: targets, ids, signals and timeouts.

load helpers

@test "stop sends SIGINT to the app and marks it stopped" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	wait_until 5 started s
	run "$PM2" stop s
	assert_success
	assert_output --partial "[PM2] Applying action stopProcessId on app [s](ids: [ 0 ])"
	assert_output --partial "[PM2] [s](0) ✓"
	is_status s stopped
	[ "$(pid_of s)" = 0 ]
	! kill -0 "$pid" 2>/dev/null || false
	grep -q "got SIGINT" "$PM2_HOME/logs/s-out.log"
	[ ! -f "$PM2_HOME/pids/s-0.pid" ]
}

@test "the stop signal reaches the whole process group" {
	cat >tree.sh <<'SH'
#!/bin/sh
sleep 1000 &
echo "child $!"
wait
SH
	chmod +x tree.sh
	"$PM2" start tree.sh >/dev/null
	wait_until 5 grep -q child "$PM2_HOME/logs/tree-out.log"
	child=$(awk '/child/ {print $2}' "$PM2_HOME/logs/tree-out.log")
	kill -0 "$child"
	"$PM2" stop tree >/dev/null
	# (a background job of a script ignores SIGINT: the group's SIGKILL
	# after the leader's exit ends it; then the daemon reaps it)
	child_gone() { ! kill -0 "$child" 2>/dev/null; }
	wait_until 5 child_gone
}

@test "an app that ignores SIGINT is killed after kill_timeout" {
	"$PM2" start "$FIXTURES/stubborn.sh" --kill-timeout 300 >/dev/null
	pid=$(pid_of stubborn)
	wait_until 5 started stubborn
	start=$(date +%s%N)
	"$PM2" stop stubborn >/dev/null
	end=$(date +%s%N)
	is_status stubborn stopped
	! kill -0 "$pid" 2>/dev/null || false
	# it waited for the timeout, not less
	[ $(( (end - start) / 1000000 )) -ge 250 ]
	grep -q "did not stop within 300 ms, sending SIGKILL" "$PM2_HOME/pm2.log"
}

@test "kill_signal chooses another stop signal" {
	cat >term.sh <<'SH'
#!/bin/sh
trap 'echo "got TERM"; exit 0' TERM
trap '' INT
echo started
while :; do sleep 0.1; done
SH
	chmod +x term.sh
	"$PM2" start term.sh --kill-signal SIGTERM --kill-timeout 5000 >/dev/null
	wait_until 5 started term
	"$PM2" stop term >/dev/null
	grep -q "got TERM" "$PM2_HOME/logs/term-out.log"
	[ "$(jl '.[0].pm2_env.exit_code')" = 0 ]
}

@test "restart replaces the process and counts it" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	run "$PM2" restart s
	assert_success
	assert_output --partial "restartProcessId"
	[ "$(pid_of s)" != "$pid" ]
	[ "$(restarts_of s)" = 1 ]
	is_status s online
	"$PM2" stop s >/dev/null
	"$PM2" restart s >/dev/null
	is_status s online
}

@test "several targets at once, by name and by id" {
	for n in a b c; do make_sleeper $n; "$PM2" start $n.sh >/dev/null; done
	run "$PM2" stop a 2
	assert_success
	assert_output --partial "ids: [ 0, 2 ]"
	is_status a stopped
	is_status b online
	is_status c stopped
	"$PM2" delete a c >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "b"
}

@test "all targets every app; pm_ids start again at 0 once the list is empty" {
	make_sleeper a
	make_sleeper b
	"$PM2" start a.sh >/dev/null
	"$PM2" start b.sh >/dev/null
	"$PM2" stop all >/dev/null
	is_status a stopped
	is_status b stopped
	"$PM2" delete b >/dev/null
	make_sleeper c
	"$PM2" start c.sh >/dev/null
	[ "$(jl '.[] | select(.name=="c") | .pm_id')" = 2 ]
	"$PM2" delete all >/dev/null
	run "$PM2" jlist
	assert_output "[]"
	"$PM2" start a.sh >/dev/null
	[ "$(jl '.[0].pm_id')" = 0 ]
}

@test "an unknown target is an error and changes nothing" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	for cmd in stop restart delete reset; do
		run "$PM2" $cmd s nope
		assert_failure 1
		assert_output --partial "[PM2][ERROR] Process or Namespace nope not found"
	done
	is_status s online
	[ "$(pid_of s)" = "$pid" ]
	run "$PM2" stop 42
	assert_failure 1
	assert_output --partial "Process or Namespace 42 not found"
}

@test "reset zeroes the restart counters" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	"$PM2" restart s >/dev/null
	"$PM2" restart s >/dev/null
	[ "$(restarts_of s)" = 2 ]
	run "$PM2" reset s
	assert_success
	assert_output --partial "Resetting meta for process id 0"
	[ "$(restarts_of s)" = 0 ]
	[ "$(jl '.[0].pm2_env.unstable_restarts')" = 0 ]
}

@test "delete removes the process and stops it" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	"$PM2" delete s >/dev/null
	! kill -0 "$pid" 2>/dev/null || false
	run "$PM2" jlist
	assert_output "[]"
	run "$PM2" delete s
	assert_failure 1
}

@test "a stop of many apps waits for all of them, in parallel" {
	for n in a b c d; do "$PM2" start "$FIXTURES/stubborn.sh" --name $n --kill-timeout 1000 >/dev/null; done
	for n in a b c d; do wait_until 5 started $n; done
	start=$(date +%s%N)
	"$PM2" stop all >/dev/null
	end=$(date +%s%N)
	for n in a b c d; do is_status $n stopped; done
	# four 1 s timeouts run side by side, not one after another
	[ $(( (end - start) / 1000000 )) -lt 3500 ]
}
