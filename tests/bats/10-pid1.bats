#!/usr/bin/env bats
# The foreground runtime as PID 1 of a fresh PID namespace, as in a
# container: reaping, signals, exit codes, and the CLI from "docker exec".

load helpers

RUNTIME() { echo "$(dirname "$PM2")/pm2-runtime"; }

setup() {
	common_setup
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs root for PID namespaces"
}

teardown() {
	[ -n "${UPID:-}" ] && kill -9 "$UPID" 2>/dev/null
	[ -n "${INIT:-}" ] && kill -9 "$INIT" 2>/dev/null
	common_teardown
}

# Start the runtime as PID 1 in the background; sets UPID (unshare) and
# INIT (our PID 1 as the host sees it).
start_pid1() {
	unshare --pid --fork --mount-proc "$@" >"$WORK/stdout" 2>"$WORK/stderr" &
	UPID=$!
	wait_until 10 pgrep -P "$UPID" >/dev/null
	INIT=$(pgrep -P "$UPID")
	# (not `pm2 ping` alone: it would start a daemon of its own if it
	# came before the runtime's socket)
	socket_up() { [ -S "$PM2_HOME/rpc.sock" ]; }
	wait_until 10 socket_up
	wait_until 10 "$PM2" ping >/dev/null
}

# Wait for the runtime to end; sets RC.
wait_pid1() { # seconds
	wait_exit "$UPID" "$1" || return 1
	UPID=
}

@test "pm2-runtime is PID 1 of its namespace and the app is its child" {
	cat >who.sh <<'SH'
#!/bin/sh
echo "app pid $$ parent $PPID"
sleep 100
SH
	chmod +x who.sh
	start_pid1 "$(RUNTIME)" who.sh
	wait_until 5 grep -q "app pid" "$WORK/stdout"
	grep -q "parent 1$" "$WORK/stdout"
	[ "$(jl '.[0].pm2_env.status')" = online ]
}

@test "exit codes: the only app's own code, or 128+n when a signal killed it" {
	printf '#!/bin/sh\nkill -%s $$\n' KILL >selfkill.sh
	printf '#!/bin/sh\nkill -%s $$\n' TERM >selfterm.sh
	chmod +x selfkill.sh selfterm.sh
	for code in 0 1 42; do
		run unshare --pid --fork --mount-proc "$(RUNTIME)" "$FIXTURES/crash.sh" --no-autorestart -- $code
		[ "$status" -eq "$code" ] || { echo "code $code gave $status: $output"; false; }
	done
	run unshare --pid --fork --mount-proc "$(RUNTIME)" selfkill.sh --no-autorestart
	assert_equal "$status" 137
	run unshare --pid --fork --mount-proc "$(RUNTIME)" selfterm.sh --no-autorestart
	assert_equal "$status" 143
}

@test "an app that crash-loops to errored ends the runtime with its code" {
	run unshare --pid --fork --mount-proc "$(RUNTIME)" "$FIXTURES/crash.sh" --max-restarts 3 -- 5
	assert_equal "$status" 5
	[ "$(grep -c 'crash run' <<<"$output")" -eq 3 ]
}

@test "--no-auto-exit keeps serving after every app is down" {
	start_pid1 "$(RUNTIME)" "$FIXTURES/crash.sh" --no-autorestart --no-auto-exit -- 3
	wait_until 5 is_status crash stopped
	"$PM2" ping >/dev/null
	kill -0 "$INIT"
	kill -TERM "$INIT"
	wait_pid1 10
	assert_equal "$RC" 0
}

@test "SIGTERM stops a graceful app and exits 0 within a couple of seconds" {
	make_sleeper grace
	start_pid1 "$(RUNTIME)" grace.sh
	wait_until 5 started grace "$WORK/stdout"
	t0=$(date +%s%N)
	kill -TERM "$INIT"
	wait_pid1 10
	t1=$(date +%s%N)
	assert_equal "$RC" 0
	grep -q "got SIGINT" "$WORK/stdout"
	echo "stop took $(( (t1 - t0) / 1000000 )) ms"
	[ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
}

@test "started with TERM and CHLD ignored, it still stops on SIGTERM and knows exit codes" {
	# an ignored signal is dropped when sent: the runtime must undo what a
	# careless parent (nohup, a CI runner, an init script) left ignored
	run timeout -s KILL 30 unshare --pid --fork --mount-proc python3 "$FIXTURES/ignoring.py" 15,17 \
		"$(RUNTIME)" "$FIXTURES/crash.sh" --no-autorestart -- 42
	assert_equal "$status" 42
	make_sleeper grace
	start_pid1 python3 "$FIXTURES/ignoring.py" 1,15,17 "$(RUNTIME)" grace.sh
	wait_until 5 started grace "$WORK/stdout"
	grep -q '^SigIgn:\s*0000000000000000' /proc/$INIT/status
	kill -TERM "$INIT"
	wait_pid1 10
	assert_equal "$RC" 0
	grep -q "got SIGINT" "$WORK/stdout"
}

@test "SIGINT and SIGQUIT also mean a graceful stop" {
	for sig in INT QUIT; do
		make_sleeper g
		start_pid1 "$(RUNTIME)" g.sh
		wait_until 5 started g "$WORK/stdout"
		kill -$sig "$INIT"
		wait_pid1 10
		assert_equal "$RC" 0
		grep -q "got SIGINT" "$WORK/stdout"
	done
}

@test "an app that ignores SIGINT and SIGTERM is killed after kill_timeout" {
	start_pid1 "$(RUNTIME)" "$FIXTURES/stubborn.sh" --kill-timeout 700
	wait_until 5 started stubborn "$WORK/stdout"
	t0=$(date +%s%N)
	kill -TERM "$INIT"
	wait_pid1 10
	t1=$(date +%s%N)
	assert_equal "$RC" 0
	ms=$(( (t1 - t0) / 1000000 ))
	echo "stop took $ms ms"
	[ "$ms" -ge 600 ]
	[ "$ms" -lt 5000 ]
}

@test "1000 orphans left behind by an app leave no zombie" {
	cat >orphans.sh <<'SH'
#!/bin/sh
i=0
while [ $i -lt 1000 ]; do
	( sleep 0.3 & )
	i=$((i + 1))
done
echo "made 1000 orphans"
sleep 1000
SH
	chmod +x orphans.sh
	start_pid1 "$(RUNTIME)" orphans.sh
	wait_until 30 grep -q "made 1000 orphans" "$WORK/stdout"
	only_app_left() { [ "$(ps -o pid= --ppid "$INIT" | wc -l)" -eq 1 ]; }
	wait_until 20 only_app_left
	zombies=$(ps -eo stat=,ppid= | awk -v p="$INIT" '$2 == p && $1 ~ /^Z/' | wc -l)
	assert_equal "$zombies" 0
}

@test "the CLI inspects and signals the apps of a running PID 1" {
	cat >usr.sh <<'SH'
#!/bin/sh
trap 'echo "app got USR2"' USR2
trap 'exit 0' INT
echo started
while :; do sleep 0.1; done
SH
	chmod +x usr.sh
	start_pid1 "$(RUNTIME)" usr.sh --name web
	wait_until 5 started web "$WORK/stdout"
	run "$PM2" ls
	assert_output --partial "│ web "
	assert_output --partial "online"
	run "$PM2" sendSignal SIGUSR2 web
	assert_success
	assert_output --partial "successfully sent signal SIGUSR2 to process name web"
	wait_until 5 grep -q "app got USR2" "$WORK/stdout"
	"$PM2" restart web >/dev/null
	is_status web online
	[ "$(restarts_of web)" = 1 ]
	kill -TERM "$INIT"
	wait_pid1 10
	assert_equal "$RC" 0
}

@test "app output appears on the supervisor's stdout and stderr" {
	printf '#!/bin/sh\necho "line on stdout"\necho "line on stderr" >&2\nsleep 100\n' >out.sh
	chmod +x out.sh
	start_pid1 "$(RUNTIME)" out.sh
	wait_until 5 grep -q "line on stdout" "$WORK/stdout"
	wait_until 5 grep -q "line on stderr" "$WORK/stderr"
	! grep -q "line on stderr" "$WORK/stdout" || false
}

@test "both spellings: pm2 start --no-daemon and pm2-runtime" {
	run unshare --pid --fork --mount-proc "$PM2" start "$FIXTURES/crash.sh" --no-daemon --no-autorestart -- 7
	assert_equal "$status" 7
	run unshare --pid --fork --mount-proc "$(RUNTIME)" start "$FIXTURES/crash.sh" --no-autorestart -- 8
	assert_equal "$status" 8
}

@test "TTIN, TTOU and TSTP never stop the supervisor; HUP, USR1, WINCH reach the app" {
	cat >hup.sh <<'SH'
#!/bin/sh
trap 'echo "app got HUP"' HUP
trap 'echo "app got USR1"' USR1
trap 'echo "app got WINCH"' WINCH
trap 'exit 0' INT
echo started
while :; do sleep 0.1; done
SH
	chmod +x hup.sh
	start_pid1 "$(RUNTIME)" hup.sh
	wait_until 5 started hup "$WORK/stdout"
	kill -TTIN "$INIT"
	kill -TTOU "$INIT"
	kill -TSTP "$INIT"
	kill -HUP "$INIT"
	kill -USR1 "$INIT"
	kill -WINCH "$INIT"
	wait_until 5 grep -q "app got HUP" "$WORK/stdout"
	wait_until 5 grep -q "app got USR1" "$WORK/stdout"
	wait_until 5 grep -q "app got WINCH" "$WORK/stdout"
	run "$PM2" ping
	assert_success
	[ "$(ps -o stat= -p "$INIT" | cut -c1)" != T ]
}

@test "children start clean: no socket-activation or notify variables meant for us" {
	printf '#!/bin/sh\nenv | sort\nsleep 100\n' >env.sh
	chmod +x env.sh
	LISTEN_FDS=1 LISTEN_PID=1 LISTEN_FDNAMES=x NOTIFY_SOCKET=/run/x NODE_CHANNEL_FD=3 KEEP_ME=yes \
		start_pid1 "$(RUNTIME)" env.sh
	wait_until 5 grep -q "KEEP_ME=yes" "$WORK/stdout"
	! grep -qE "^(LISTEN_FDS|LISTEN_PID|LISTEN_FDNAMES|NOTIFY_SOCKET|NODE_CHANNEL_FD)=" "$WORK/stdout" || false
}

@test "startup errors exit non-zero before anything starts" {
	run unshare --pid --fork --mount-proc "$(RUNTIME)" missing.sh
	assert_failure 1
	assert_output --partial "Script not found"
	echo '{"apps":[{"name":"a","script":"x.sh","kill_timeout":"soon"}]}' >bad.json
	run unshare --pid --fork --mount-proc "$(RUNTIME)" bad.json
	assert_failure 1
	assert_output --partial 'bad.json:1:'
	assert_output --partial '"kill_timeout" must be a duration'
}
