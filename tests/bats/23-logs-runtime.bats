#!/usr/bin/env bats
# Logs in the foreground (pm2-runtime, pm2 start --no-daemon): app output
# on our stdout/stderr in PM2-runtime's formats, files only when asked.

load helpers
load logs_helpers

RUNTIME() { echo "$(dirname "$PM2")/pm2-runtime"; }

teardown() {
	[ -n "${RT:-}" ] && kill -9 "$RT" 2>/dev/null
	common_teardown
}

speaker() { # prints to both streams, the last line without a newline
	printf '#!/bin/sh\necho "hello out"\necho "hello err" >&2\nprintf "last words"\n' >"$WORK/speak.sh"
	chmod +x "$WORK/speak.sh"
}

@test "pm2-runtime: lines as the app wrote them, out on stdout, err on stderr, no files" {
	speaker
	"$(RUNTIME)" speak.sh --no-autorestart >out.txt 2>err.txt
	run cat out.txt
	assert_output "hello out
last words"
	grep -qx "hello err" err.txt
	! grep -q "hello err" out.txt || false
	[ -z "$(ls "$PM2_HOME/logs")" ]
}

@test "pm2-runtime --formatted: PM2's id|name prefix; --json; --format" {
	speaker
	"$(RUNTIME)" speak.sh --no-autorestart --formatted >out.txt 2>err.txt
	grep -qx "0|speak  | hello out" out.txt
	grep -qx "0|speak  | last words" out.txt
	grep -qx "0|speak  | hello err" err.txt
	"$(RUNTIME)" speak.sh --no-autorestart --json >out.txt 2>/dev/null
	run jq -r '[.type, .process_id, .app_name, .message] | join("|")' out.txt
	assert_success
	assert_line "out|0|speak|hello out"
	assert_line "err|0|speak|hello err"
	assert_line "out|0|speak|last words"
	"$(RUNTIME)" speak.sh --no-autorestart --format >out.txt 2>/dev/null
	grep -qE '^timestamp=[0-9-]{10}-[0-9:]{8}[+-][0-9]{4} app=speak id=0 type=out message=hello out$' out.txt
	grep -qE ' app=speak id=0 type=error message=hello err$' out.txt
}

@test "pm2 start --no-daemon prefixes by default; --raw does not" {
	speaker
	"$PM2" start speak.sh --no-daemon --no-autorestart >out.txt 2>/dev/null
	grep -qx "0|speak  | hello out" out.txt
	"$PM2" start speak.sh --no-daemon --no-autorestart --raw >out.txt 2>/dev/null
	grep -qx "hello out" out.txt
}

@test "in the foreground, files are written when asked: --output, --error, out_file" {
	speaker
	"$(RUNTIME)" speak.sh --no-autorestart --output o.log --error e.log >/dev/null 2>&1
	run cat o.log
	assert_output "hello out
last words"
	grep -qx "hello err" e.log
	echo '{"apps":[{"name":"eco","script":"speak.sh","autorestart":false,"out_file":"eco-out.log","log_file":"all.log"}]}' >eco.json
	"$(RUNTIME)" eco.json >/dev/null 2>&1
	grep -qx "hello out" eco-out.log
	grep -qx "hello err" all.log
	[ ! -e "$PM2_HOME/logs/eco-error.log" ]
}

@test "SIGUSR2 to the runtime reopens its log files" {
	make_ticker t 0.05
	"$(RUNTIME)" t.sh --output t.log >/dev/null 2>&1 &
	RT=$!
	wait_until 5 grep -q "tick 3" t.log
	mv t.log t.log.1
	kill -USR2 "$RT"
	wait_until 5 grep -q tick t.log
	kill -0 "$RT"
	is_status t online
	kill -TERM "$RT"
	wait "$RT" || true
	RT=
}

@test "a stdout reader that stalls: the app waits, no line is lost" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	make_counter count.py 400000
	mkfifo out.fifo
	"$(RUNTIME)" count.py --no-autorestart >out.fifo 2>err.txt &
	RT=$!
	exec 7<out.fifo # open the reading end, but do not read yet
	app_pid() { "$PM2" jlist 2>/dev/null | jq -e '.[0].pid | select(. > 0)'; }
	wait_until 10 app_pid
	pid=$(app_pid)
	blocked() { blocked_on_pipe "$pid"; }
	wait_until 10 blocked
	cat <&7 >out.txt
	exec 7<&-
	wait "$RT"
	RT=
	has_all_lines 400000 out.txt
}

@test "the runtime leaves only once a slow reader has taken all the output" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	# More than the stdout pipe holds; the app is done long before the
	# reader wakes up.
	make_counter count.py 40000
	run bash -c "'$(RUNTIME)' count.py --no-autorestart 2>/dev/null | (sleep 2; cat >out.txt)"
	assert_success
	has_all_lines 40000 out.txt
}
