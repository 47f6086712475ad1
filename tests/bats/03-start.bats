#!/usr/bin/env bats
# pm2 start: scripts, interpreters, commands, names, args and environment.

load helpers

@test "start a shell script: online, named after the file, output in its log" {
	run "$PM2" start "$FIXTURES/echo-env.sh"
	assert_success
	assert_output --partial "Starting $FIXTURES/echo-env.sh in fork_mode (1 instance)"
	assert_output --partial "Done."
	assert_output --partial "echo-env"
	is_status echo-env online
	wait_until 5 grep -q "pm_id=0 name=echo-env" "$PM2_HOME/logs/echo-env-out.log"
}

@test "interpreter by extension: .js runs with node, .py with python3, .sh with bash" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$FIXTURES/app.js" web.js
	cp "$FIXTURES/app.py" worker.py
	printf 'echo "bash $BASH_VERSION"\nsleep 100\n' >plain.sh
	"$PM2" start web.js >/dev/null
	"$PM2" start worker.py >/dev/null
	"$PM2" start plain.sh >/dev/null
	run jl '.[] | [.name, .pm2_env.exec_interpreter] | join(" ")'
	assert_line "web node"
	assert_line "worker python3"
	assert_line "plain bash"
	wait_until 5 grep -q "node app .* up" "$PM2_HOME/logs/web-out.log"
	wait_until 5 grep -q "python app .* up" "$PM2_HOME/logs/worker-out.log"
	wait_until 5 grep -q "python to stderr" "$PM2_HOME/logs/worker-error.log"
	wait_until 5 grep -q "^bash " "$PM2_HOME/logs/plain-out.log"
}

@test "--interpreter and --interpreter-args choose how the script runs" {
	printf 'print("hi from", __import__("sys").argv[1:])\nimport time\ntime.sleep(100)\n' >tool.txt
	"$PM2" start tool.txt --interpreter python3 --interpreter-args "-u -B" -- one two >/dev/null
	run jl '.[0].pm2_env | [.exec_interpreter, (.node_args|join(",")), (.args|join(","))] | join(" ")'
	assert_output "python3 -u,-B one,two"
	wait_until 5 grep -q "hi from \['one', 'two'\]" "$PM2_HOME/logs/tool-out.log"
}

@test "a binary on PATH runs directly: pm2 start sleep" {
	"$PM2" start sleep -- 100 >/dev/null
	is_status sleep online
	[ "$(jl '.[0].pm2_env.exec_interpreter')" = none ]
	[ "$(jl '.[0].pm2_env.pm_exec_path')" = "$(command -v sleep)" ]
	pid=$(pid_of sleep)
	[ "$(cat /proc/$pid/comm)" = sleep ]
}

@test "a command with spaces runs through the shell" {
	run "$PM2" start "sleep 100"
	assert_success
	is_status "sleep 100" online
	pid=$(pid_of "sleep 100")
	grep -q "sleep" /proc/$pid/cmdline
}

@test "--name and arguments after --" {
	"$PM2" start "$FIXTURES/echo-env.sh" --name web -- alpha beta >/dev/null
	is_status web online
	wait_until 5 grep -q "args=alpha beta" "$PM2_HOME/logs/web-out.log"
	[ "$(jl '.[0].pm2_env.args | join(" ")')" = "alpha beta" ]
}

@test "the CLI's environment is captured: NODE_ENV=production pm2 start" {
	NODE_ENV=production "$PM2" start "$FIXTURES/echo-env.sh" >/dev/null
	wait_until 5 grep -q "NODE_ENV=production" "$PM2_HOME/logs/echo-env-out.log"
	[ "$(jl '.[0].pm2_env.env.NODE_ENV')" = production ]
}

@test "each instance gets pm_id, name and NODE_APP_INSTANCE" {
	"$PM2" start "$FIXTURES/echo-env.sh" -i 3 --name many >/dev/null
	[ "$(jl 'length')" = 3 ]
	three_lines() { [ "$(grep -c 'name=many' "$PM2_HOME/logs/many-out.log")" -ge 3 ]; }
	wait_until 5 three_lines
	for i in 0 1 2; do
		grep -q "pm_id=$i name=many NODE_APP_INSTANCE=$i" "$PM2_HOME/logs/many-out.log"
	done
}

@test "starting a name that exists restarts it instead of adding one" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid1=$(pid_of s)
	"$PM2" start s.sh >/dev/null
	[ "$(jl 'length')" = 1 ]
	pid2=$(pid_of s)
	[ "$pid1" != "$pid2" ]
	[ "$(restarts_of s)" = 1 ]
	is_status s online
}

@test "starting by id restarts that process" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid1=$(pid_of s)
	run "$PM2" restart 0
	assert_success
	[ "$(pid_of s)" != "$pid1" ]
}

@test "a missing script is a clear error and nothing starts" {
	run "$PM2" start nope.js
	assert_failure 1
	assert_output --partial "Script not found: $WORK/nope.js"
	run "$PM2" jlist
	assert_output "[]"
}

@test "an interpreter missing from PATH is a clear error" {
	echo 'puts 1' >x.rb
	PATH=/usr/bin:/bin run "$PM2" start x.rb --interpreter no-such-ruby
	assert_failure 1
	assert_output --partial "Interpreter no-such-ruby is NOT AVAILABLE in PATH"
}

@test "an app that cannot be executed is errored, with the reason in its error log" {
	printf 'not a program' >bad.bin
	chmod +x bad.bin
	"$PM2" start ./bad.bin --max-restarts 2 >/dev/null
	wait_until 10 is_status bad errored
	grep -q "pm2: cannot execute" "$PM2_HOME/logs/bad-error.log"
}

@test "the app runs in its own session and process group, with a clean signal mask" {
	# the daemon is started by a shell that ignores signals: apps must not
	# inherit that (nohup, CI runners and init scripts do it)
	python3 "$FIXTURES/ignoring.py" 1,10,12,13,15,32,33,34 "$PM2" start sleep --name s -- 100 >/dev/null
	grep -q '^SigIgn:\s*0000000000000000' /proc/$(cat "$PM2_HOME/pm2.pid")/status
	pid=$(pid_of s)
	[ "$(ps -o sid= -p $pid | tr -d ' ')" = "$pid" ]
	[ "$(ps -o pgid= -p $pid | tr -d ' ')" = "$pid" ]
	grep -q '^SigBlk:\s*0000000000000000' /proc/$pid/status
	grep -q '^SigIgn:\s*0000000000000000' /proc/$pid/status
	# nothing of the daemon's leaks in: no socket, epoll, signalfd or log
	run ls -l /proc/$pid/fd/
	refute_output --partial "socket:"
	refute_output --partial "anon_inode"
	refute_output --partial "pm2.log"
	refute_output --partial "pm2.lock"
}

@test "pid files are written in PM2_HOME/pids" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	[ "$(cat "$PM2_HOME/pids/s-0.pid")" = "$(pid_of s)" ]
}
