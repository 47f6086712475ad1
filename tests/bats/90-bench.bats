#!/usr/bin/env bats
# The benchmark harness (bench/): its measuring tool, its report, and a
# small run of every figure against this project alone.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BT=$ROOT/build/bench/benchtool

setup_file() {
	make -s -C "$ROOT" build/bench/benchtool >/dev/null
}

@test "benchtool gen writes exactly what seq writes" {
	for n in 1 9 10 99 100 999 1000 12345 100000; do
		cmp <("$BT" gen $n) <(seq 1 $n) || { echo "differs at $n"; false; }
	done
}

@test "benchtool start times a command until the app it started is up" {
	"$PM2" ping >/dev/null
	run "$BT" start --fifo "$WORK/f" -- "$PM2" start "$BT" --name one -- app --fifo "$WORK/f"
	assert_success
	read -r app_us cli_us <<<"$output"
	[ "$app_us" -gt 0 ] && [ "$cli_us" -gt 0 ]
	[ "$(status_of one)" = online ]
}

@test "benchtool crash reports one restart latency per crash" {
	"$PM2" ping >/dev/null
	run "$BT" crash --fifo "$WORK/f" --count 3 --gap-ms 50 -- \
		"$PM2" start "$BT" --name c --restart-delay 0 -- app --fifo "$WORK/f"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for l in "${lines[@]}"; do [ "$l" -gt 0 ]; done
	[ "$(restarts_of c)" -eq 3 ]
}

@test "benchtool load counts answered and failed requests on loopback" {
	command -v node >/dev/null || skip "node is not installed"
	PORT=18590 node "$ROOT/bench/apps/http.js" "$WORK" &
	wait_until 10 sh -c "\"$BT\" load --port 18590 --conns 1 --max 1 --ms 300 | grep -q '^1 0 '"
	run "$BT" load --port 18590 --conns 4 --ms 300
	kill %1
	read -r ok failed _ <<<"$output"
	[ "$ok" -gt 0 ] && [ "$failed" -eq 0 ]
	wait_until 10 sh -c "\"$BT\" load --port 18590 --conns 1 --ms 100 | grep -q '^0 [1-9]'"
}

@test "benchtool pid1 never signals pid -1 when its command dies early" {
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs PID namespaces"
	# In a namespace of its own, so a regression could only hit the
	# sleep beside it: kill(-1) spares nothing else there. The sleep
	# must die of our SIGTERM (143), not of a stray SIGKILL (137).
	run unshare --pid --fork --mount-proc sh -c "
		sleep 30 & s=\$!
		\"$BT\" pid1 --fifo \"$WORK/f\" --timeout-ms 5000 -- sh -c 'exit 3'
		echo rc=\$?
		kill -TERM \$s; wait \$s; echo sleep=\$?"
	assert_output --partial "rc=1"
	assert_output --partial "sleep=143"
}

@test "report: median, spread, ratio against the peer, and the target" {
	printf 'rss_idle\tpm2c\t0.3\nrss_idle\tpm2c\t0.1\nrss_idle\tpm2c\t0.2\n' >r.tsv
	printf 'rss_idle\tpm2\t50\nrss_idle\tpm2\t60\n' >>r.tsv
	printf 'cli_ls\tpm2c\t2\ncli_ls\tpm2\t100\n' >>r.tsv
	printf 'pid1_reap\tpm2c\t12\npid1_reap\tpm2\ttimeout:10000\n' >>r.tsv
	printf 'cluster_rps2\tpm2c\tskip\tnot yet\n' >>r.tsv
	run bash "$ROOT/bench/report.sh" r.tsv /dev/null
	assert_success
	assert_line --regexp '^daemon RSS, idle \[MB\] +0\.20 \(0\.10-0\.30\) +PM2 7 +55\.0 \(50\.0-60\.0\) +275x +<0\.5 +yes$'
	assert_line --regexp '^CLI ls, 10 apps \[ms\] +2\.00 +PM2 7 +100 +50x +<1\.5 +NO$'
	assert_line --regexp '^  same \[ms\] +12\.0 +PM2 7 +>10000 +inf'
	assert_line --regexp '^req/s, -i 2 cluster mode \[req/s\] +skipped'
	assert_line "  cluster_rps2 (pm2c): not yet"
}

@test "a quick bench of this project alone measures every figure it can" {
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs PID namespaces"
	export BENCH_PEERS="" BENCH_QUICK=1 BENCH_OUT=$WORK/out PM2C=$PM2
	export BENCH_RUNS=1 BENCH_SAMPLES=2 BENCH_ORPHANS=100 BENCH_SCALE=20
	export BENCH_IDLE_S=1 BENCH_LOG_LINES=100000 BENCH_LOAD_MS=200
	run bash "$ROOT/bench/run.sh"
	assert_success
	for row in "daemon RSS, idle" "daemon RSS, 100 apps" "CLI ls, 10 apps" \
		"CLI jlist, 10 apps" "CLI ping, 10 apps" "start -> app runs" \
		"start ecosystem of 20 -> all run" "crash -> restarted" \
		"log throughput stdout -> file" "PID 1 RSS, one app" \
		"PID 1 reaps 100 orphans" "PID 1 SIGTERM -> exit" "idle CPU in 60 s" \
		"idle wake-ups in 60 s" "ls, 20 instances" "daemon RSS, 20 instances" \
		"size on disk"; do
		assert_line --regexp "^$row.*\] +[0-9]"
	done
	assert_line --regexp '^  zombies left \[n\] +0 '
	# the ceiling is measured with the app, so its ratio is a number
	assert_line --regexp '^  same, vs gen \| cat > file \[MB/s\] +[0-9.]+ .*[0-9.]+x'
	assert_line --regexp '^req/s, -i 2 cluster mode \[req/s\] +(skipped|[0-9])'
	[ -s "$WORK/out/results.tsv" ] && [ -s "$WORK/out/table.txt" ]
}
