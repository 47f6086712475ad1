#!/usr/bin/env bats
# pm2 monit, driven in a tmux of our own: what the screen shows, the keys,
# resizing, and the terminal given back intact on every way out.

load helpers
load screen

teardown() {
	tmux_stop mon
	common_teardown
}

# monit in a terminal of cols x rows; when it ends, its exit code and the
# terminal modes before and after are left for the test.
start_monit() { # cols rows
	tmux_start mon "$1" "$2" \
		"stty -g >stty.before; '$PM2' monit; echo \"monit exited rc=\$?\"; stty -g >stty.after; sleep 120"
	wait_until 15 screen_has mon "Process List"
}

two_talkers() {
	"$PM2" start "$FIXTURES/talker.sh" --name alpha -- A >/dev/null
	"$PM2" start "$FIXTURES/talker.sh" --name beta -- B >/dev/null
}

# The highest tick number of app <label> on screen.
last_tick() { screen_of mon | grep -oE "tick [0-9]+ from $1" | awk '{print $2}' | sort -n | tail -1; }

terminal_restored() {
	[ "$(tmux_get mon alternate_on)" = 0 ]
	[ "$(tmux_get mon cursor_flag)" = 1 ]
	cmp "$WORK/stty.before" "$WORK/stty.after"
}

@test "the screen lists every app with its status, restarts, CPU and memory" {
	two_talkers
	start_monit 120 30
	screen_matches mon 'id +name +status +↺ +cpu +memory'
	for app in alpha beta; do
		wait_until 10 screen_matches mon \
			"$app +online +0 +\[[| ]+\] +[0-9.]+% +\[[| ]+\] +[0-9.]+[kmg]?b"
	done
	# The selected app's metadata.
	screen_matches mon 'App Name +alpha'
	# A long path keeps its end.
	screen_matches mon "Script path +(…[^ ]*)?/fixtures/talker.sh"
	screen_matches mon "Exec cwd +$WORK"
	screen_matches mon 'Interpreter +bash'
	screen_matches mon 'Script args +A'
	screen_matches mon "PID +$(pid_of alpha)"
	screen_matches mon 'Exec mode +fork'
	screen_matches mon 'Uptime +[0-9]+[smh]'
	screen_matches mon 'Restarts +0'
}

@test "moving the selection changes the shown logs, and they stay live" {
	two_talkers
	start_monit 120 30
	wait_until 10 screen_has mon "alpha Logs"
	wait_until 10 screen_has mon "from A"
	# New lines keep coming in.
	first=$(last_tick A)
	newer() { [ "$(last_tick A)" -gt "$first" ]; }
	wait_until 10 newer
	wait_until 10 screen_matches mon 'alpha > warn [0-9]+ from A'

	tmux_keys mon Down
	wait_until 10 screen_has mon "beta Logs"
	wait_until 10 screen_has mon "from B"
	! screen_has mon "from A" || false
	screen_matches mon 'App Name +beta'

	tmux_keys mon k
	wait_until 10 screen_has mon "alpha Logs"
	wait_until 10 screen_has mon "from A"
	! screen_has mon "from B" || false
	tmux_keys mon j
	wait_until 10 screen_has mon "beta Logs"
}

@test "q exits and gives the terminal back as it was" {
	two_talkers
	start_monit 100 30
	[ "$(tmux_get mon alternate_on)" = 1 ]
	[ "$(tmux_get mon cursor_flag)" = 0 ]
	tmux_keys mon q
	wait_until 10 screen_has mon "monit exited rc=0"
	terminal_restored
}

@test "Ctrl-C exits too, the terminal restored" {
	start_monit 100 30
	tmux_keys mon C-c
	wait_until 10 screen_has mon "monit exited rc=0"
	terminal_restored
}

@test "Escape exits too, but arrow keys (which start with Escape) do not" {
	two_talkers
	start_monit 100 30
	tmux_keys mon Down Up Down
	wait_until 10 screen_has mon "beta Logs"
	screen_has mon "Process List"
	tmux_keys mon Escape
	wait_until 10 screen_has mon "monit exited rc=0"
	terminal_restored
}

@test "SIGTERM restores the terminal, then ends monit by that signal" {
	start_monit 100 30
	shell=$(tmux_get mon pane_pid)
	monit=$(pgrep -P "$shell")
	[ -n "$monit" ]
	kill -TERM "$monit"
	wait_until 10 screen_has mon "monit exited rc=143"
	terminal_restored
}

# Columns of the top line on screen.
top_width() { screen_of mon | head -1 | LC_ALL=C.UTF-8 grep -o . | wc -l; }
top_is() { [ "$(top_width)" = "$1" ] && screen_of mon | head -1 | grep -q '┐$'; }

@test "resizing redraws for the new size; too small gets a message" {
	two_talkers
	start_monit 120 30
	wait_until 10 top_is 120
	tmux_resize mon 80 24
	wait_until 10 top_is 80
	wait_until 10 screen_matches mon 'beta +online'
	tmux_resize mon 40 10
	wait_until 10 screen_has mon "terminal too small"
	screen_has mon "need 60x15, have 40x10"
	! screen_has mon "Process List" || false
	tmux_resize mon 100 30
	wait_until 10 top_is 100
	screen_has mon "alpha Logs"
	tmux_keys mon q
	wait_until 10 screen_has mon "monit exited rc=0"
}

@test "what an app prints cannot take over the screen" {
	cat >"$WORK/noisy.sh" <<'SH'
#!/bin/sh
while :; do
	printf '\033[2J\033[H\033[31mCOLOURED\033[0m \033]0;HIJACKED\007line\n'
	sleep 0.2
done
SH
	chmod +x "$WORK/noisy.sh"
	"$PM2" start "$WORK/noisy.sh" >/dev/null
	start_monit 100 30
	wait_until 10 screen_has mon "noisy > COLOURED line"
	sleep 1
	# Clear-screen and home sequences were dropped: the boards are intact.
	screen_of mon | head -1 | grep -q '^┌ Process List'
	screen_has mon "Metadata"
	! screen_has mon "HIJACKED" || false
	[ "$(tmux_get mon pane_title)" != HIJACKED ]
}

@test "the metadata shows the app's git revision, read from .git" {
	command -v git >/dev/null || skip "git is not installed (only the test needs it)"
	git init -q -b main "$WORK/repo"
	git -C "$WORK/repo" -c user.name=T -c user.email=t@example.com \
		commit -q --allow-empty -m "Release candidate two"
	git -C "$WORK/repo" remote add origin https://example.com/app.git
	"$PM2" start sleep --name nap --cwd "$WORK/repo" -- 1000 >/dev/null
	start_monit 160 40
	wait_until 10 screen_matches mon 'Branch +main'
	screen_matches mon 'Comment +Release candidate two'
	screen_matches mon "Revision +$(git -C "$WORK/repo" rev-parse HEAD)"
	screen_matches mon 'Remote url +https://example.com/app.git'
}

@test "with no app, monit says so" {
	"$PM2" ping >/dev/null
	start_monit 100 30
	wait_until 10 screen_has mon "No process available"
}

@test "monit without a terminal is a clear error" {
	run "$PM2" monit </dev/null
	assert_failure 1
	assert_output --partial "monit needs a terminal"
}

@test "the daemon samples while monit looks, and stops when it quits" {
	"$PM2" start sleep --name nap -- 1000 >/dev/null
	start_monit 100 30
	before=$(daemon_switches)
	sleep 2.5
	[ "$(daemon_switches)" -gt "$before" ]
	tmux_keys mon q
	wait_until 10 screen_has mon "monit exited rc=0"
	wait_until 10 daemon_settled
	before=$(daemon_switches)
	sleep 3
	[ "$(daemon_switches)" = "$before" ]
}
