#!/usr/bin/env bats
# What happens when an app dies on its own: PM2's restart policy.

load helpers

# An app that lives $1 seconds, then exits with code $2.
make_mortal() {
	cat >mortal.sh <<SH
#!/bin/sh
echo "run \$\$"
sleep $1
exit $2
SH
	chmod +x mortal.sh
}

runs() { grep -c '^run ' "$PM2_HOME/logs/mortal-out.log" 2>/dev/null || echo 0; }

@test "a crashed app is restarted and restart_time counts it" {
	make_mortal 0.3 1
	"$PM2" start mortal.sh >/dev/null
	three_runs() { [ "$(runs)" -ge 3 ]; }
	wait_until 10 three_runs
	[ "$(restarts_of mortal)" -ge 2 ]
	[ "$(jl '.[0].pm2_env.exit_code')" = 1 ]
}

@test "--no-autorestart leaves a dead app stopped" {
	make_mortal 0 3
	"$PM2" start mortal.sh --no-autorestart >/dev/null
	wait_until 5 is_status mortal stopped
	[ "$(restarts_of mortal)" = 0 ]
	[ "$(jl '.[0].pm2_env.exit_code')" = 3 ]
	[ "$(jl '.[0].pm2_env.autorestart')" = false ]
}

@test "an app that keeps dying before min_uptime becomes errored after max_restarts" {
	make_mortal 0 1
	"$PM2" start mortal.sh --max-restarts 5 >/dev/null
	wait_until 10 is_status mortal errored
	# the first run plus max_restarts - 1 restarts: PM2's count
	[ "$(runs)" = 5 ]
	[ "$(restarts_of mortal)" = 4 ]
	grep -q "too many unstable restarts" "$PM2_HOME/pm2.log"
}

@test "runs longer than min_uptime are stable and never lead to errored" {
	make_mortal 0.3 1
	"$PM2" start mortal.sh --max-restarts 2 --min-uptime 100 >/dev/null
	five_runs() { [ "$(runs)" -ge 5 ]; }
	wait_until 10 five_runs
	[ "$(status_of mortal)" != errored ]
}

@test "restart_delay waits between a crash and the restart" {
	make_mortal 0 1
	"$PM2" start mortal.sh --restart-delay 800 >/dev/null
	wait_until 5 is_status mortal "waiting restart"
	[ "$(runs)" = 1 ]
	two_runs() { [ "$(runs)" -ge 2 ]; }
	wait_until 5 two_runs
}

@test "exp_backoff_restart_delay grows the delay 1.5x per crash" {
	make_mortal 0 1
	"$PM2" start mortal.sh --exp-backoff-restart-delay 100 --max-restarts 100 >/dev/null
	four_runs() { [ "$(runs)" -ge 4 ]; }
	wait_until 10 four_runs
	grep -q "restart in 100ms" "$PM2_HOME/pm2.log"
	grep -q "restart in 150ms" "$PM2_HOME/pm2.log"
	grep -q "restart in 225ms" "$PM2_HOME/pm2.log"
}

@test "stop_exit_codes: an exit with one of them is not restarted" {
	make_mortal 0 7
	"$PM2" start mortal.sh --stop-exit-codes 7 >/dev/null
	wait_until 5 is_status mortal stopped
	[ "$(restarts_of mortal)" = 0 ]
	[ "$(runs)" = 1 ]
}

@test "an app killed by a signal is restarted; exit_code says 128+n" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	kill -9 "$pid"
	new_pid() { p=$(pid_of s); [ "$p" != 0 ] && [ "$p" != "$pid" ]; }
	wait_until 5 new_pid
	[ "$(jl '.[0].pm2_env.exit_code')" = 137 ]
	[ "$(restarts_of s)" = 1 ]
}

@test "a crash loop costs the daemon nothing between tries" {
	make_mortal 0 1
	"$PM2" start mortal.sh --restart-delay 2000 --max-restarts 1000 >/dev/null
	wait_until 5 is_status mortal "waiting restart"
	dpid=$(cat "$PM2_HOME/pm2.pid")
	ticks() { awk '{print $14 + $15}' /proc/$dpid/stat; }
	switches() { awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$dpid/status; }
	t0=$(ticks)
	s0=$(switches)
	sleep 1.5
	t1=$(ticks)
	s1=$(switches)
	echo "cpu ticks: $t0 -> $t1, wakeups: $s0 -> $s1"
	[ $((t1 - t0)) -le 1 ]
	[ $((s1 - s0)) -le 2 ]
}
