#!/usr/bin/env bats
# max_memory_restart: an app whose process tree grows past the limit is
# restarted, and the restart is counted.

load helpers

@test "an app over max_memory_restart is restarted, its children counted" {
	# the memory is held by a child: PM2 would only see the parent
	cat >hog.sh <<'SH'
#!/bin/sh
echo "run $$"
python3 -c 'import time; b = bytearray(48 * 1024 * 1024); b[::4096] = b"x" * len(b[::4096]); time.sleep(100)' &
wait
SH
	chmod +x hog.sh
	run "$PM2" start hog.sh --max-memory-restart 20M
	assert_success
	[ "$(jl '.[0].pm2_env.max_memory_restart')" = 20971520 ]
	restarted() { [ "$(restarts_of hog)" -ge 1 ]; }
	wait_until 20 restarted
	grep -q "App \[hog:0\] uses [0-9]* bytes, over max_memory_restart 20971520: restarting" "$PM2_HOME/pm2.log"
}

@test "an app under its limit is left alone, and sizes take K, M and G" {
	make_sleeper small
	"$PM2" start small.sh --max-memory-restart 1G >/dev/null
	[ "$(jl '.[0].pm2_env.max_memory_restart')" = 1073741824 ]
	sleep 4
	[ "$(restarts_of small)" = 0 ]
	run "$PM2" start small.sh --name bad --max-memory-restart lots
	assert_failure 1
	assert_output --partial '"max_memory_restart" must be a size in bytes'
}

@test "with no memory limit the daemon does not wake up to measure" {
	make_sleeper quiet
	"$PM2" start quiet.sh >/dev/null
	dpid=$(cat "$PM2_HOME/pm2.pid")
	sw() { awk '/^voluntary_ctxt_switches/ {print $2}' /proc/$dpid/status; }
	s0=$(sw)
	sleep 3.5
	s1=$(sw)
	echo "wake-ups: $s0 -> $s1"
	[ $((s1 - s0)) -le 1 ]
}
