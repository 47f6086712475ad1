#!/usr/bin/env bats
# pm2 logs (tail, then stream), pm2 flush, pm2 reloadLogs and SIGUSR2.

load helpers
load logs_helpers

teardown() {
	[ -n "${VIEWER:-}" ] && kill "$VIEWER" 2>/dev/null
	common_teardown
}

# An app that prints "out N" for N in 1..20 and "err N" for 1..3, then waits.
make_printer() {
	cat >"$WORK/printer.sh" <<'SH'
#!/bin/sh
for i in $(seq 1 20); do echo "out $i"; done
for i in 1 2 3; do echo "err $i" >&2; done
exec sleep 100
SH
	chmod +x "$WORK/printer.sh"
}

printed_all() { grep -q "err 3" "$PM2_HOME/logs/printer-error.log" && grep -q "out 20" "$PM2_HOME/logs/printer-out.log"; }

@test "logs --nostream: the last lines of each file with PM2's header and prefix" {
	make_printer
	"$PM2" start printer.sh >/dev/null
	wait_until 5 printed_all
	run "$PM2" logs printer --nostream --lines 2
	assert_success
	assert_line --index 0 "[TAILING] Tailing last 2 lines for [printer] process (change the value with --lines option)"
	assert_line "$PM2_HOME/logs/printer-out.log last 2 lines:"
	assert_line "$PM2_HOME/logs/printer-error.log last 2 lines:"
	assert_line "0|printer  | out 19"
	assert_line "0|printer  | out 20"
	assert_line "0|printer  | err 2"
	assert_line "0|printer  | err 3"
	refute_line "0|printer  | out 18"
	refute_line "0|printer  | err 1"
}

@test "logs --nostream defaults to 15 lines; all includes PM2's own log" {
	make_printer
	"$PM2" start printer.sh >/dev/null
	wait_until 5 printed_all
	run "$PM2" logs --nostream
	assert_success
	assert_line --index 0 --partial "Tailing last 15 lines for [all] processes"
	assert_line "$PM2_HOME/pm2.log last 15 lines:"
	assert_line --partial "PM2        | "
	[ "$(grep -c '^0|printer  | out' <<<"$output")" -eq 15 ]
	assert_line "0|printer  | out 6"
	refute_line "0|printer  | out 5"
}

@test "logs --raw: no prefix, error lines on stderr; --out and --err pick one" {
	make_printer
	"$PM2" start printer.sh >/dev/null
	wait_until 5 printed_all
	"$PM2" logs printer --nostream --raw --lines 1 >out.txt 2>err.txt
	grep -qx "out 20" out.txt
	grep -qx "err 3" err.txt
	! grep -q "err 3" out.txt || false
	run "$PM2" logs printer --nostream --lines 1 --err
	refute_output --partial "out 20"
	assert_output --partial "0|printer  | err 3"
	run "$PM2" logs printer --nostream --lines 1 --out
	assert_output --partial "0|printer  | out 20"
	refute_output --partial "err 3"
}

@test "logs streams new lines; the tail and the stream neither miss nor repeat one" {
	make_ticker t 0.01
	"$PM2" start t.sh >/dev/null
	wait_until 5 grep -q "tick 30" "$PM2_HOME/logs/t-out.log"
	"$PM2" logs t --lines 100000 >view.txt &
	VIEWER=$!
	enough() { grep -q "| tick 300$" view.txt; }
	wait_until 20 enough
	kill "$VIEWER"
	# every tick from 1 to the last one shown, once, in order
	grep -o 'tick [0-9]*$' view.txt | cut -d' ' -f2 >ticks.txt
	last=$(tail -1 ticks.txt)
	has_all_lines "$last" ticks.txt
	grep -q "^0|t | tick 300$" view.txt
}

@test "logs targets: id, name, namespace, /regex/; an unknown one is an error" {
	make_ticker api
	make_ticker worker
	"$PM2" start api.sh --namespace web >/dev/null
	"$PM2" start worker.sh >/dev/null
	wait_until 5 grep -q "tick 2" "$PM2_HOME/logs/worker-out.log"
	for target in 1 worker '/^w.rk/' '/er$|zzz/'; do
		run "$PM2" logs "$target" --nostream --lines 1
		assert_output --partial "1|worker   | tick"
		refute_output --partial "api"
	done
	run "$PM2" logs web --nostream --lines 1
	assert_output --partial "0|api      | tick"
	refute_output --partial "worker"
	run "$PM2" logs nope --nostream
	assert_failure 1
	assert_output --partial "Process or Namespace nope not found"
	run "$PM2" logs '/(a|b)/' --nostream
	assert_failure 1
	assert_output --partial "groups and {n} repeats are not supported"
	run "$PM2" logs --lines lots
	assert_failure 1
	assert_output --partial '--lines must be a number, got "lots"'
}

@test "logs --json and --format stream one record per line; --timestamp dates each line" {
	make_ticker t 0.05
	"$PM2" start t.sh >/dev/null
	timeout 1 "$PM2" logs t --json >json.txt || true
	run jq -r '[.type, .process_id, .app_name, (.message | test("^tick [0-9]+$"))] | join(" ")' json.txt
	assert_success
	assert_line "out 0 t true"
	refute_output --partial "TAILING"
	timeout 1 "$PM2" logs t --format >kv.txt || true
	grep -qE '^timestamp=[0-9-]{10}-[0-9:]{8}[+-][0-9]{4} app=t id=0 type=out message=tick [0-9]+$' kv.txt
	timeout 1 "$PM2" logs t --lines 0 --timestamp "YYYY HH:mm" >ts.txt || true
	grep -qE '^[0-9]{4} [0-9]{2}:[0-9]{2} 0\|t \| tick [0-9]+$' ts.txt
	refute_output --partial "TAILING"
}

@test "logs --highlight marks the text when colours are on" {
	make_printer
	"$PM2" start printer.sh >/dev/null
	wait_until 5 printed_all
	run env -u NO_COLOR FORCE_COLOR=1 "$PM2" logs printer --nostream --lines 1 --out --highlight "out 2"
	assert_output --partial $'\e[100mout 2\e[0m0'
}

@test "a line written in two pieces reaches the stream as one line" {
	cat >halves.sh <<'SH'
#!/bin/sh
trap 'printf "first half, "; sleep 0.3; echo "second half"' USR1
while :; do sleep 0.05; done
SH
	chmod +x halves.sh
	"$PM2" start halves.sh >/dev/null
	"$PM2" logs halves --lines 0 >view.txt &
	VIEWER=$!
	sleep 0.3
	"$PM2" sendSignal SIGUSR1 halves >/dev/null
	wait_until 5 grep -q "second half" view.txt
	grep -qx "0|halves  | first half, second half" view.txt
}

@test "logs of everything include PM2's own lines as they happen" {
	make_ticker t
	"$PM2" start t.sh >/dev/null
	"$PM2" logs --lines 0 >view.txt &
	VIEWER=$!
	sleep 0.3
	make_ticker u
	"$PM2" start u.sh >/dev/null
	wait_until 5 grep -qE "^PM2 +\| .*App \[u:1\] online" view.txt
}

@test "a viewer that stops reading never slows the app" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	cat >flood.py <<'PY'
import os
line = b"x" * 99 + b"\n"
for i in range(600000):  # 60 MB
    os.write(1, line)
PY
	mkfifo view.fifo
	sleep 600 <view.fifo &
	STALLED=$!
	"$PM2" ping >/dev/null
	"$PM2" logs --lines 0 >view.fifo 2>/dev/null &
	VIEWER=$!
	sleep 0.5
	"$PM2" start flood.py --no-autorestart >/dev/null
	wait_until 60 is_status flood stopped
	complete() { [ "$(file_size "$PM2_HOME/logs/flood-out.log")" -eq 60000000 ]; }
	wait_until 10 complete
	# what the stalled viewer was sent is bounded (4 MB), not 60 MB
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$PM2_HOME/pm2.pid")/status")
	echo "daemon RSS: $rss kB"
	[ "$rss" -lt 48000 ] || [[ "$PM2" == */asan/* && "$rss" -lt 200000 ]]
	kill "$STALLED"
}

@test "flush <name>: its files are emptied, the app writes on at the new end" {
	make_ticker t 0.05
	make_ticker other 0.05
	"$PM2" start t.sh >/dev/null
	"$PM2" start other.sh >/dev/null
	wait_until 5 grep -q "tick 5" "$PM2_HOME/logs/t-out.log"
	run "$PM2" flush t
	assert_success
	assert_line "[PM2] Flushing:"
	assert_line "[PM2] $PM2_HOME/logs/t-out.log"
	assert_line "[PM2] $PM2_HOME/logs/t-error.log"
	assert_line "[PM2] Logs flushed"
	wait_until 5 grep -q tick "$PM2_HOME/logs/t-out.log"
	# no hole of NUL bytes where the old content was: appends restart at 0
	[ "$(head -c 4 "$PM2_HOME/logs/t-out.log")" = tick ]
	! grep -q "tick 1$" "$PM2_HOME/logs/t-out.log" || false
	grep -q "tick 1$" "$PM2_HOME/logs/other-out.log"
	run "$PM2" flush nope
	assert_failure 1
}

@test "flush without a name: every app's logs and PM2's own" {
	make_ticker t 0.05
	"$PM2" start t.sh >/dev/null
	wait_until 5 grep -q "tick 3" "$PM2_HOME/logs/t-out.log"
	run "$PM2" flush
	assert_success
	assert_line "[PM2] Flushing $PM2_HOME/pm2.log"
	assert_line "[PM2] $PM2_HOME/logs/t-out.log"
	! grep -q "online" "$PM2_HOME/pm2.log" || false
	! grep -q "tick 1$" "$PM2_HOME/logs/t-out.log" || false
}

moved_and_reopened() { # how: reloadLogs | usr2
	make_ticker t 0.05
	"$PM2" start t.sh >/dev/null
	log="$PM2_HOME/logs/t-out.log"
	wait_until 5 grep -q "tick 3" "$log"
	mv "$log" "$log.1"
	if [ "$1" = usr2 ]; then
		kill -USR2 "$(cat "$PM2_HOME/pm2.pid")"
	else
		run "$PM2" reloadLogs
		assert_success
		assert_output "Reloading all logs...
All logs reloaded"
	fi
	wait_until 5 grep -q tick "$log"
	size=$(file_size "$log.1")
	first_new=$(head -1 "$log" | cut -d' ' -f2)
	last_old=$(tail -1 "$log.1" | cut -d' ' -f2)
	[ "$first_new" -eq $((last_old + 1)) ]
	sleep 0.3
	[ "$(file_size "$log.1")" -eq "$size" ]
}

@test "reloadLogs: a log moved away stops growing, new lines go to a new file" {
	moved_and_reopened reloadLogs
}

@test "SIGUSR2 to the daemon reopens the logs too" {
	moved_and_reopened usr2
	is_status t online
}

@test "reloadLogs recreates a deleted log file" {
	make_ticker t 0.05
	"$PM2" start t.sh >/dev/null
	wait_until 5 grep -q "tick 2" "$PM2_HOME/logs/t-out.log"
	rm -rf "$PM2_HOME/logs"
	"$PM2" reloadLogs >/dev/null
	wait_until 5 grep -q tick "$PM2_HOME/logs/t-out.log"
}

@test "logs ends when the daemon goes away" {
	make_ticker t
	"$PM2" start t.sh >/dev/null
	"$PM2" logs --lines 0 >view.txt &
	VIEWER=$!
	sleep 0.3
	"$PM2" kill >/dev/null
	gone() { ! kill -0 "$VIEWER" 2>/dev/null; }
	wait_until 5 gone
	wait "$VIEWER"
	VIEWER=
}

@test "a log deleted by hand comes back when the app restarts" {
	make_ticker t 0.05
	"$PM2" start t.sh >/dev/null
	wait_until 5 grep -q "tick 2" "$PM2_HOME/logs/t-out.log"
	rm "$PM2_HOME/logs/t-out.log"
	"$PM2" restart t >/dev/null
	wait_until 5 grep -q "tick 1$" "$PM2_HOME/logs/t-out.log"
}
