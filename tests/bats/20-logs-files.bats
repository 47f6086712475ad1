#!/usr/bin/env bats
# Log files: PM2's keys and names, whole lines, PM2's line formats, and
# nothing lost when an app writes fast or the disk fills up.

load helpers
load logs_helpers

talker() { # file: prints one line on stdout and one on stderr, then waits
	printf '#!/bin/sh\necho "to out"\necho "to err" >&2\nexec sleep 100\n' >"$WORK/$1"
	chmod +x "$WORK/$1"
}

@test "-o, -e and -l put the logs where asked, creating missing folders" {
	talker t.sh
	"$PM2" start t.sh -o logs/a/out.txt -e logs/b/err.txt -l logs/c/all.log >/dev/null
	wait_until 5 grep -q "to out" logs/a/out.txt
	wait_until 5 grep -q "to err" logs/b/err.txt
	wait_until 5 grep -q "to err" logs/c/all.log
	grep -q "to out" logs/c/all.log
	! grep -q "to err" logs/a/out.txt || false
	[ "$(jl '.[0].pm2_env.pm_out_log_path')" = "$WORK/logs/a/out.txt" ]
	[ "$(jl '.[0].pm2_env.pm_err_log_path')" = "$WORK/logs/b/err.txt" ]
	[ "$(jl '.[0].pm2_env.pm_log_path')" = "$WORK/logs/c/all.log" ]
	[ ! -e "$PM2_HOME/logs/t-out.log" ]
}

@test "ecosystem aliases: output, error, log: true means <name>.log" {
	talker t.sh
	cat >eco.json <<'JSON'
{"apps": [
  {"name": "one", "script": "t.sh", "output": "o1.log", "error": "e1.log", "log": true},
  {"name": "two", "script": "t.sh", "out": "o2.log", "err": "e2.log", "log_file": "all2.log"}
]}
JSON
	"$PM2" start eco.json >/dev/null
	wait_until 5 grep -q "to out" o1.log
	wait_until 5 grep -q "to err" e1.log
	wait_until 5 grep -q "to err" "$PM2_HOME/logs/one.log"
	wait_until 5 grep -q "to out" o2.log
	wait_until 5 grep -q "to err" e2.log
	wait_until 5 grep -q "to out" all2.log
}

@test "NULL and /dev/null turn one log off, the other still works" {
	talker t.sh
	"$PM2" start t.sh --name quiet -o NULL >/dev/null
	"$PM2" start t.sh --name mute -e /dev/null >/dev/null
	wait_until 5 grep -q "to err" "$PM2_HOME/logs/quiet-error.log"
	wait_until 5 grep -q "to out" "$PM2_HOME/logs/mute-out.log"
	[ ! -e "$PM2_HOME/logs/quiet-out.log" ]
	[ ! -e "$PM2_HOME/logs/mute-error.log" ]
	[ "$(jl '.[] | select(.name=="quiet") | .pm2_env.pm_out_log_path')" = /dev/null ]
}

@test "default names: PM2's <name>-out.log with odd characters as '-'" {
	talker t.sh
	"$PM2" start t.sh --name "my_app v2" >/dev/null
	wait_until 5 grep -q "to out" "$PM2_HOME/logs/my-app-v2-out.log"
	wait_until 5 grep -q "to err" "$PM2_HOME/logs/my-app-v2-error.log"
}

@test "merge_logs false: each instance gets -<pm_id> before .log" {
	printf '#!/bin/sh\necho "I am $pm_id"\nexec sleep 100\n' >id.sh
	chmod +x id.sh
	echo '{"apps":[{"name":"w","script":"id.sh","instances":2,"merge_logs":false,"out_file":"w.log"}]}' >eco.json
	"$PM2" start eco.json >/dev/null
	wait_until 5 grep -q "I am 0" w-0.log
	wait_until 5 grep -q "I am 1" w-1.log
	[ ! -e w.log ]
	[ -e "$PM2_HOME/logs/w-error-1.log" ]
	[ "$(jl '.[1].pm2_env.pm_out_log_path')" = "$WORK/w-1.log" ]
}

@test "a line written in two pieces stays one line in a file others write too" {
	# Two instances share one file; each writes half a line, pauses while
	# the other writes, then ends it.
	cat >halves.sh <<'SH'
#!/bin/sh
for i in 1 2 3 4 5; do
	printf "A$pm_id-$i-first-half "
	sleep 0.05
	echo "second-half"
done
exec sleep 100
SH
	chmod +x halves.sh
	"$PM2" start halves.sh -i 2 >/dev/null
	log="$PM2_HOME/logs/halves-out.log"
	ten() { [ "$(wc -l <"$log")" -eq 10 ]; }
	wait_until 10 ten
	run grep -vcE '^A[01]-[1-5]-first-half second-half$' "$log"
	assert_output 0
}

@test "--time puts PM2's timestamp before each line, once per line" {
	printf '#!/bin/sh\necho one\nprintf "two, "\nsleep 0.2\necho "in two pieces"\necho bad >&2\nexec sleep 100\n' >t.sh
	chmod +x t.sh
	"$PM2" start t.sh --time >/dev/null
	log="$PM2_HOME/logs/t-out.log"
	wait_until 5 grep -q "in two pieces" "$log"
	run cat "$log"
	assert_line --index 0 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}: one$'
	assert_line --index 1 --regexp '^[0-9-]{10}T[0-9:]{8}: two, in two pieces$'
	wait_until 5 grep -qE '^[0-9-]{10}T[0-9:]{8}: bad$' "$PM2_HOME/logs/t-error.log"
	[ "$(jl '.[0].pm2_env.log_date_format')" = "YYYY-MM-DDTHH:mm:ss" ]
}

@test "log_date_format takes PM2's tokens, in the combined log too" {
	talker t.sh
	echo '{"apps":[{"name":"d","script":"t.sh","log_date_format":"YYYY-MM-DD HH:mm:ss Z","log_file":true}]}' >eco.json
	TZ=UTC "$PM2" start eco.json >/dev/null
	wait_until 5 grep -q "to err" "$PM2_HOME/logs/d.log"
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2}: to out$' "$PM2_HOME/logs/d-out.log"
	grep -qE ': to err$' "$PM2_HOME/logs/d.log"
	grep -qE ': to out$' "$PM2_HOME/logs/d.log"
}

@test "log_type json: one object per line with PM2's keys" {
	printf '#!/bin/sh\necho "say \\"hi\\""\nprintf "half "\nsleep 0.2\necho line\necho oops >&2\nexec sleep 100\n' >j.sh
	chmod +x j.sh
	"$PM2" start j.sh --log-type json >/dev/null
	out="$PM2_HOME/logs/j-out.log"
	wait_until 5 grep -q "half line" "$out"
	run jq -r '[.message, .type, .process_id, .app_name] | join("|")' "$out"
	assert_success
	assert_line --index 0 'say "hi"|out|0|j'
	assert_line --index 1 'half line|out|0|j'
	[ "$(jq -r .timestamp <"$out" | head -1 | grep -cE '^[0-9-]{10}T[0-9:.]{12}Z$')" = 1 ]
	wait_until 5 grep -q oops "$PM2_HOME/logs/j-error.log"
	[ "$(jq -r .type "$PM2_HOME/logs/j-error.log")" = err ]
}

@test "disable_logs: no file is written" {
	talker t.sh
	"$PM2" start t.sh --disable-logs >/dev/null
	is_status t online
	sleep 0.3
	[ ! -s "$PM2_HOME/logs/t-out.log" ]
	[ ! -s "$PM2_HOME/logs/t-error.log" ]
}

@test "200 000 lines written as fast as possible: each one exactly once, in order" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	make_counter count.py 200000
	"$PM2" start count.py --no-autorestart -l all.log >/dev/null
	wait_until 60 is_status count stopped
	log="$PM2_HOME/logs/count-out.log"
	done_writing() { [ "$(file_size "$log")" -ge "$(seq 1 200000 | wc -c)" ]; }
	wait_until 10 done_writing
	has_all_lines 200000 "$log"
	has_all_lines 200000 all.log
}

@test "an unwritable log file is a warning, the app runs and its other log works" {
	talker t.sh
	"$PM2" start t.sh -o /proc/nope/out.log >/dev/null
	is_status t online
	wait_until 5 grep -q "to err" "$PM2_HOME/logs/t-error.log"
	grep -q "cannot open log /proc/nope/out.log" "$PM2_HOME/pm2.log"
	run "$PM2" ping
	assert_success
}

@test "a full disk: the app waits on its pipe, nothing is lost, writing resumes" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	unshare -m true 2>/dev/null || skip "needs mount namespaces (root)"
	# More than the pipe (256 KB) and the held chunks can take, so the app
	# must wait for the disk.
	make_counter count.py 400000
	# In a private mount namespace: a 4 MB tmpfs, 3.9 MB of it taken.
	cat >scenario.sh <<SH
set -e
mkdir -p small
mount -t tmpfs -o size=4m tmpfs small
head -c 3900k /dev/zero >small/filler
"$PM2" start count.py --no-autorestart -o small/out.log >/dev/null
full() { grep -q "No space left on device" "$PM2_HOME/pm2.log"; }
for i in \$(seq 100); do full && break; sleep 0.1; done
full
pid=\$("$PM2" jlist | jq .[0].pid)
# the app is alive and blocked writing to its pipe, not dropping lines
for i in \$(seq 100); do [[ "\$(cat /proc/\$pid/wchan)" == *pipe_write ]] && break; sleep 0.1; done
cat /proc/\$pid/wchan >wchan.txt 2>&1
rm small/filler
for i in \$(seq 100); do [ "\$(stat -c %s small/out.log)" -ge $(seq 1 400000 | wc -c) ] && break; sleep 0.1; done
cp small/out.log result.log
"$PM2" kill >/dev/null
SH
	run unshare -m bash scenario.sh
	assert_success
	[[ "$(cat wchan.txt)" == *pipe_write ]] # (anon_)pipe_write: blocked in write(2)
	has_all_lines 400000 result.log
	grep -q "writing to $WORK/small/out.log again" "$PM2_HOME/pm2.log"
}
