#!/usr/bin/env bats
# App output reaches its log files, none of it lost.

load helpers

@test "stdout goes to <name>-out.log and stderr to <name>-error.log" {
	printf '#!/bin/sh\necho to-out\necho to-err >&2\nsleep 100\n' >talk.sh
	chmod +x talk.sh
	"$PM2" start talk.sh >/dev/null
	wait_until 5 grep -q to-out "$PM2_HOME/logs/talk-out.log"
	wait_until 5 grep -q to-err "$PM2_HOME/logs/talk-error.log"
	! grep -q to-err "$PM2_HOME/logs/talk-out.log" || false
}

@test "a burst written just before exit is all there, the last line without newline too" {
	printf '#!/bin/sh\nseq 1 20000\nprintf "no newline at end"\n' >burst.sh
	chmod +x burst.sh
	"$PM2" start burst.sh --no-autorestart >/dev/null
	wait_until 10 is_status burst stopped
	log="$PM2_HOME/logs/burst-out.log"
	complete() { [ "$(tail -c 17 "$log")" = "no newline at end" ]; }
	wait_until 5 complete
	[ "$(head -n 20000 "$log" | md5sum)" = "$(seq 1 20000 | md5sum)" ]
}

@test "output of an app's background children is kept after the app restarts" {
	cat >bg.sh <<'SH'
#!/bin/sh
( sleep 0.5; echo "late line from the grandchild" ) &
echo "parent exits"
SH
	chmod +x bg.sh
	"$PM2" start bg.sh --no-autorestart >/dev/null
	wait_until 5 grep -q "late line from the grandchild" "$PM2_HOME/logs/bg-out.log"
}

@test "several instances of a fork app share one log file by default" {
	"$PM2" start "$FIXTURES/echo-env.sh" -i 2 --name two >/dev/null
	both() { [ "$(grep -c name=two "$PM2_HOME/logs/two-out.log")" = 2 ]; }
	wait_until 5 both
	[ "$(jl '.[1].pm2_env.pm_out_log_path')" = "$PM2_HOME/logs/two-out.log" ]
}
