#!/usr/bin/env bats
# --watch restarts on file changes; cron_restart restarts on a schedule.

load helpers

setup() {
	common_setup
	mkdir -p app/lib app/node_modules/dep app/.git
	cp "$FIXTURES/echo-env.sh" app/server.sh
}

restarted() { [ "$(restarts_of server)" -ge "${1:-1}" ]; }

@test "--watch restarts the app after a change, once per burst" {
	"$PM2" start app/server.sh --watch --watch-delay 300 >/dev/null
	run "$PM2" ls
	assert_output --partial "enabled"
	[ "$(jl '.[0].pm2_env.watch')" = true ]
	wait_until 5 grep -q "watching" "$PM2_HOME/pm2.log"
	for i in 1 2 3 4 5; do echo "v$i" >app/lib/code.txt; done
	wait_until 10 restarted 1
	grep -q "Change detected on path $WORK/app/lib/code.txt for app server - restarting" "$PM2_HOME/pm2.log"
	sleep 1
	[ "$(restarts_of server)" = 1 ]
}

@test "node_modules, .git, ignore_watch and the app's own logs do not trigger restarts" {
	cat >app/eco.json <<JSON
{"apps":[{"name":"server","script":"server.sh","watch":true,"watch_delay":200,
  "ignore_watch":["*.tmp","cache"],"out_file":"out.log"}]}
JSON
	mkdir -p app/cache
	"$PM2" start app/eco.json >/dev/null
	wait_until 5 grep -q "watching" "$PM2_HOME/pm2.log"
	echo x >app/node_modules/dep/index.js
	echo x >app/.git/HEAD
	echo x >app/scratch.tmp
	echo x >app/cache/entry
	sleep 1
	[ "$(restarts_of server)" = 0 ]
	echo x >app/real.txt
	wait_until 10 restarted 1
}

@test "a folder created after the start is watched too" {
	"$PM2" start app/server.sh --watch --watch-delay 200 >/dev/null
	wait_until 5 grep -q "watching" "$PM2_HOME/pm2.log"
	mkdir -p app/new/deeper
	wait_until 10 restarted 1
	wait_until 5 is_status server online
	sleep 0.5
	n=$(restarts_of server)
	echo hi >app/new/deeper/file.txt
	wait_until 10 restarted $((n + 1))
}

@test "--watch=<path> watches only that path" {
	"$PM2" start server.sh --watch=lib --cwd app --watch-delay 200 >/dev/null
	wait_until 5 grep -q "watching" "$PM2_HOME/pm2.log"
	echo x >app/other.txt
	sleep 0.8
	[ "$(restarts_of server)" = 0 ]
	echo x >app/lib/file.txt
	wait_until 10 restarted 1
}

@test "pm2 stop ends watching" {
	"$PM2" start app/server.sh --watch --watch-delay 200 >/dev/null
	"$PM2" stop server >/dev/null
	run "$PM2" ls
	assert_output --partial "disabled"
	echo x >app/lib/after-stop.txt
	sleep 0.8
	is_status server stopped
	[ "$(restarts_of server)" = 0 ]
}

@test "cron_restart restarts a running app on schedule (6 fields: seconds)" {
	"$PM2" start app/server.sh --cron "*/1 * * * * *" >/dev/null
	wait_until 10 restarted 2
	grep -q "App \[server:0\] cron restart" "$PM2_HOME/pm2.log"
	is_status server online
}

@test "cron_restart leaves a stopped app stopped" {
	"$PM2" start app/server.sh --cron "*/1 * * * * *" >/dev/null
	"$PM2" stop server >/dev/null
	sleep 1.5
	is_status server stopped
}

@test "an invalid cron expression fails the start with a clear error" {
	run "$PM2" start app/server.sh --cron "61 * * * *"
	assert_failure 1
	assert_output --partial '"cron_restart" is not a valid cron expression (minute "61" is out of range 0-59)'
	echo '{"apps":[{"name":"c","script":"server.sh","cron_restart":"* * *"}]}' >app/eco.json
	run "$PM2" start app/eco.json
	assert_failure 1
	assert_output --partial 'eco.json:1:43: "cron_restart" is not a valid cron expression (expected 5 or 6 fields'
	run "$PM2" jlist
	assert_output "[]"
}
