#!/usr/bin/env bats
# CPU and memory of an app's whole process tree, sampled only when someone
# looks; `ls` in its layouts (full, condensed, mini), -m and --watch.

load helpers
load screen

mem_of() { jl ".[] | select(.name==\"$1\") | .monit.memory" | head -1; }
cpu_of() { jl ".[] | select(.name==\"$1\") | .monit.cpu" | head -1; }
# Resident memory of one process, in bytes.
rss_of_pid() { echo $(($(awk '/^VmRSS:/ {print $2}' "/proc/$1/status") * 1024)); }
mem_at_least() { [ "$(mem_of "$1")" -ge "$2" ]; }

@test "an app with a memory-hungry child shows the child's memory in ls" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	"$PM2" start "$FIXTURES/hungry-child.sh" --name hungry -- 64 >/dev/null
	wait_until 20 mem_at_least hungry $((60 << 20))
	# The top pid is a small shell: PM2 would show only its memory.
	pid=$(pid_of hungry)
	[ "$(rss_of_pid "$pid")" -lt $((20 << 20)) ]
	run "$PM2" ls
	assert_success
	row=$(grep -F ' hungry ' <<<"$output")
	mb=$(grep -oE '[0-9.]+mb' <<<"$row" | head -1 | cut -d. -f1)
	[ "$mb" -ge 60 ]
}

@test "a double-forked child reparented to the daemon still counts for its app" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	"$PM2" start "$FIXTURES/hungry-child.sh" --name forker -- 48 orphan >/dev/null
	wait_until 20 mem_at_least forker $((44 << 20))
	# The hog's parent is the daemon now, not the app.
	daemon=$(cat "$PM2_HOME/pm2.pid")
	hog=$(pgrep -f "b'x' \* \(48" | head -1)
	[ -n "$hog" ]
	[ "$(awk '{print $4}' "/proc/$hog/stat")" = "$daemon" ]
}

@test "CPU counts the whole tree: a sleeping app with a busy child is busy" {
	"$PM2" start "$FIXTURES/spin-child.sh" --name spin >/dev/null
	busy() {
		"$PM2" jlist >/dev/null
		sleep 1
		[ "$(cpu_of spin | cut -d. -f1)" -ge 10 ]
	}
	wait_until 20 busy
	# The app's own process is idle.
	pid=$(pid_of spin)
	ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 1
	ticks2=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	[ $((ticks2 - ticks1)) -lt 10 ]
}

@test "a stopped app shows no CPU and no memory" {
	"$PM2" start sleep --name nap -- 1000 >/dev/null
	"$PM2" stop nap >/dev/null
	[ "$(mem_of nap)" = 0 ]
	[ "$(cpu_of nap)" = 0 ]
}


@test "an idle daemon does not wake up to sample: no timer when nobody looks" {
	"$PM2" start sleep --name nap -- 1000 >/dev/null
	"$PM2" ls >/dev/null
	# Let it finish with the ls connection first.
	wait_until 10 daemon_settled
	before=$(daemon_switches)
	sleep 3
	after=$(daemon_switches)
	[ "$before" = "$after" ]
}

@test "ls -m prints PM2's minimal list" {
	"$PM2" start sleep --name nap -- 1000 >/dev/null
	run "$PM2" ls -m
	assert_success
	pid=$(pid_of nap)
	assert_line --index 0 "+--- nap"
	assert_line --index 1 "namespace : default"
	assert_line --index 2 "version : N/A"
	assert_line --index 3 "pid : $pid"
	assert_line --index 4 "pm2 id : 0"
	assert_line --index 5 "status : online"
	assert_line --index 6 "mode : fork"
	assert_line --index 7 "restarted : 0"
	assert_line --index 8 --regexp '^uptime : [0-9]+[smhDMY]$'
	assert_line --index 9 --regexp '^memory usage : [0-9.]+[kmg]?b $'
	assert_line --index 10 "error log : $PM2_HOME/logs/nap-error.log"
	assert_line --index 11 "watching : no"
	assert_line --index 12 "PID file : $PM2_HOME/pids/nap-0.pid"
}

# The table `ls` prints in a terminal of the given width.
ls_at() { # columns
	tmux_start "ls$1" "$1" 20 "'$PM2' ls; echo LS-DONE; sleep 30"
	wait_until 10 screen_has "ls$1" LS-DONE
	screen_of "ls$1" >"$WORK/ls.$1"
	tmux_stop "ls$1"
}

ls_header() { sed -n '2s/│/ /gp' "$WORK/ls.$1" | tr -s ' '; }

@test "ls fits the terminal as PM2 does: full, condensed, mini" {
	"$PM2" start sleep --name a-rather-long-app-name -- 1000 >/dev/null
	for w in 200 100 70; do ls_at $w; done
	[ "$(ls_header 200)" = " id name namespace version mode pid uptime ↺ status cpu mem user watching " ]
	[ "$(ls_header 100)" = " id name mode ↺ status cpu memory " ]
	[ "$(ls_header 70)" = " id name status cpu mem " ]
	# Each layout is no wider than its terminal.
	for w in 100 70; do
		[ "$(head -1 "$WORK/ls.$w" | LC_ALL=C.UTF-8 grep -o . | wc -l)" -le $w ]
	done
	# Names are cut to the column with an ellipsis, as cli-tableau does.
	grep -q "a-rather-long-app…" "$WORK/ls.100"
	grep -q "a-rather-long…" "$WORK/ls.70"
	# Not a terminal: the full table.
	run "$PM2" ls
	assert_line --index 1 --partial "namespace"
}

@test "ls --watch refreshes the table until interrupted" {
	"$PM2" start sleep --name first -- 1000 >/dev/null
	"$PM2" ls --watch >"$WORK/watch.out" 2>&1 &
	watcher=$!
	wait_until 10 grep -q "first" "$WORK/watch.out"
	"$PM2" start sleep --name second -- 1000 >/dev/null
	wait_until 10 grep -q "second" "$WORK/watch.out"
	kill "$watcher"
	wait "$watcher" || true
	[ "$(grep -c 'Last refresh:  [0-9-]*T[0-9:]*[+-][0-9][0-9]:[0-9][0-9]$' "$WORK/watch.out")" -ge 2 ]
	grep -q $'\033\[2J' "$WORK/watch.out"
}
