#!/usr/bin/env bats
# Cluster mode: one listening socket held by the daemon and shared by every
# worker, in Node (its cluster protocol) and in any language (fd 3, systemd
# socket activation); readiness; scale; -i max. Ports 18200-18249.

load helpers

EXAMPLES=$BATS_TEST_DIRNAME/../../examples/cluster
WEBC=$BATS_TEST_DIRNAME/../../build/examples/web-c
# The Node example listens where HOST says: loopback only in tests.
export HOST=127.0.0.1

# The bodies ("pid N") that N requests to a port got back.
answers() { # port count
	for _ in $(seq "$2"); do
		curl -s --max-time 3 "http://127.0.0.1:$1/"
	done | sort -u
}

# Requests until both pids have answered (bounded).
both_answer() { # port pid1 pid2
	local got
	got=$(answers "$1" 10)
	grep -qx "pid $2" <<<"$got" && grep -qx "pid $3" <<<"$got"
}

# The socket inode behind a process's fd.
sock_of() { readlink "/proc/$1/fd/$2"; }

# Start an app with wait_ready whose readiness waits for the test to write
# to the FIFO "go": it must stay launching, and `pm2 start` must not answer,
# until then; then it is online.
launching_until_go() { # script name log-line-pattern
	mkfifo go
	GO=$WORK/go "$PM2" start "$1" --name "$2" --wait-ready --listen-timeout 60000 \
		>start.out 2>&1 &
	local starter=$!
	wait_until 10 grep -q "$3" "$PM2_HOME/logs/$2-out.log"
	is_status "$2" launching
	kill -0 "$starter"
	echo go >go
	wait_until 10 is_status "$2" online
	wait "$starter"
}

env_of() { # pid var
	tr '\0' '\n' <"/proc/$1/environ" | sed -n "s/^$2=//p"
}

@test "-i 2: two Node workers answer on one port, shown as cluster" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$EXAMPLES/web.js" .
	PORT=18200 run "$PM2" start web.js -i 2
	assert_success
	assert_output --partial "Starting $WORK/web.js in cluster_mode (2 instances)"
	assert_output --partial "│ cluster │"
	[ "$(jl '[.[] | select(.pm2_env.exec_mode == "cluster_mode" and .pm2_env.status == "online")] | length')" = 2 ]
	run jl '[.[].pm2_env.NODE_APP_INSTANCE] | sort | join(",")'
	assert_output "0,1"
	p0=$(jl '.[0].pid')
	p1=$(jl '.[1].pid')
	wait_until 20 both_answer 18200 "$p0" "$p1"
	# Real cluster workers: server.listen() asked the daemon for the socket
	# over Node's IPC channel, as it asks Node's own primary.
	[ -n "$(env_of "$p0" NODE_UNIQUE_ID)" ]
	[ "$(env_of "$p0" NODE_CHANNEL_FD)" = 3 ]
	grep -q "App \[web\] listening on 127.0.0.1:18200 for its workers" "$PM2_HOME/pm2.log"
}

@test "a Python app in cluster mode gets the one socket as fd 3 with LISTEN_PID set to itself" {
	cp "$EXAMPLES/web.py" .
	run "$PM2" start web.py -i 2 --listen 127.0.0.1:18201 --wait-ready
	assert_success
	assert_output --partial "in cluster_mode (2 instances)"
	p0=$(jl '.[0].pid')
	p1=$(jl '.[1].pid')
	[ "$(env_of "$p0" LISTEN_FDS)" = 1 ]
	[ "$(env_of "$p0" LISTEN_PID)" = "$p0" ]
	[ "$(env_of "$p1" LISTEN_PID)" = "$p1" ]
	[ "$(env_of "$p0" LISTEN_FDNAMES)" = web ]
	# The same socket, not two sockets on one port.
	[ "$(sock_of "$p0" 3)" = "$(sock_of "$p1" 3)" ]
	wait_until 20 both_answer 18201 "$p0" "$p1"
}

@test "listen takes several addresses, a unix socket among them; fork apps get no socket" {
	make_sleeper s
	"$PM2" start s.sh --name plain >/dev/null
	"$PM2" start "$WEBC" --name c -i 1 --wait-ready --listen "127.0.0.1:18202" >/dev/null
	cat >eco.json <<EOF
{ "apps": [{ "name": "multi", "script": "$WEBC", "exec_mode": "cluster",
  "listen": ["[::1]:18203", "unix:$WORK/web.sock"], "wait_ready": true }] }
EOF
	"$PM2" start eco.json >/dev/null
	pid=$(pid_of multi)
	[ "$(env_of "$pid" LISTEN_FDS)" = 2 ]
	[ "$(env_of "$pid" LISTEN_FDNAMES)" = multi:multi ]
	run curl -s --max-time 3 "http://[::1]:18203/"
	assert_output "pid $pid"
	run curl -s --max-time 3 --unix-socket "$WORK/web.sock" http://x/
	assert_output "pid $pid"
	run curl -s --max-time 3 http://127.0.0.1:18202/
	assert_output "pid $(pid_of c)"
	sp=$(pid_of plain)
	[ -z "$(env_of "$sp" LISTEN_FDS)" ]
	[ ! -e "/proc/$sp/fd/3" ]
}

@test "the socket stays open while the app exists, even with no worker running" {
	cp "$EXAMPLES/web.py" .
	"$PM2" start web.py --name py -i 1 --listen 127.0.0.1:18204 --wait-ready >/dev/null
	"$PM2" stop py >/dev/null
	is_status py stopped
	# Nobody serves, yet the connection is accepted by the kernel and waits.
	run python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18204), 3)'
	assert_success
	"$PM2" delete py >/dev/null
	run python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18204), 3)'
	assert_failure
	assert_output --partial "Connection refused"
}

@test "a port in use is a clear error and starts nothing" {
	python3 -c 'import socket,time; s=socket.create_server(("127.0.0.1",18205)); time.sleep(30)' &
	blocker=$!
	wait_until 10 python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18205), 1)'
	cp "$EXAMPLES/web.py" .
	run "$PM2" start web.py -i 2 --listen 127.0.0.1:18205
	kill "$blocker"
	assert_failure 1
	assert_output --partial "web: cannot listen on 127.0.0.1:18205: Address"  # musl and glibc word it differently
	run "$PM2" jlist
	assert_output "[]"
}

@test "a bad listen address in an ecosystem file names the file, line and key" {
	printf '{\n  "apps": [{\n    "name": "x", "script": "s.sh",\n    "listen": ["8080", "example.com:80"]\n  }]\n}\n' >eco.json
	make_sleeper s
	run "$PM2" start eco.json
	assert_failure 1
	assert_output --partial 'eco.json:4:24: "listen": not an IP address'
	assert_output --partial 'got "example.com:80"'
	printf '{ "apps": [{ "script": "s.sh", "port": 70000 }] }\n' >port.json
	run "$PM2" start port.json
	assert_failure 1
	assert_output --partial '"port" must be a port number from 0 to 65535, got 70000'
}

@test "a Node app that listens on 127.0.0.1 gets a loopback socket, never every interface" {
	command -v node >/dev/null || skip "node is not installed"
	cat >lo.js <<'EOF'
require('http').createServer((q, s) => s.end(`pid ${process.pid}\n`))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
EOF
	PORT=18206 "$PM2" start lo.js -i 2 >/dev/null
	[ "$(jl '[.[] | select(.pm2_env.status == "online")] | length')" = 2 ]
	run ss -Hltn "sport = :18206"
	assert_output --partial "127.0.0.1:18206"
	refute_output --partial "*:18206"
	[ "$(echo "$output" | wc -l)" = 1 ]
	wait_until 20 both_answer 18206 "$(jl '.[0].pid')" "$(jl '.[1].pid')"
}

@test "wait_ready: a worker stays launching until READY=1 on NOTIFY_SOCKET" {
	launching_until_go "$FIXTURES/ready-when.py" r "waiting pid"
	grep -q "ready sent" "$PM2_HOME/logs/r-out.log"
	grep -q "App \[r:0\] ready" "$PM2_HOME/pm2.log"
}

@test "wait_ready in fork mode: a Node app's process.send('ready') ends launching" {
	command -v node >/dev/null || skip "node is not installed"
	launching_until_go "$FIXTURES/ready-when.js" n "waiting pid .* connected=true"
	[ "$(jl '.[0].pm2_env.exec_mode')" = fork_mode ]
}

@test "a worker running as another user gets its socket and can still say READY=1" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
	cp "$EXAMPLES/web.py" .
	chmod 755 "$WORK"
	run "$PM2" start web.py --interpreter /usr/bin/python3 --user nobody -i 1 \
		--listen 127.0.0.1:18209 --wait-ready --listen-timeout 60000
	assert_success
	pid=$(jl '.[0].pid')
	[ "$(awk '$1 == "Uid:" {print $2}' "/proc/$pid/status")" = 65534 ]
	grep -q "App \[web:0\] ready" "$PM2_HOME/pm2.log"
	run curl -s --max-time 3 http://127.0.0.1:18209/
	assert_output "pid $pid"
}

@test "listen_timeout: a worker that never says ready is online after it" {
	mkfifo go
	GO=$WORK/go run "$PM2" start "$FIXTURES/ready-when.py" --name late --wait-ready --listen-timeout 500
	assert_success
	is_status late online
	grep -q "App \[late:0\] did not say it was ready within 500 ms (listen_timeout)" "$PM2_HOME/pm2.log"
}

@test "shutdown_with_message: a Node app is stopped with the \"shutdown\" message" {
	command -v node >/dev/null || skip "node is not installed"
	"$PM2" start "$FIXTURES/shutdown-msg.js" --name m --shutdown-with-message >/dev/null
	wait_until 10 grep -q "up pid" "$PM2_HOME/logs/m-out.log"
	"$PM2" stop m >/dev/null
	grep -q "got shutdown pid" "$PM2_HOME/logs/m-out.log"
	[ "$(jl '.[0].pm2_env.exit_code')" = 0 ]
}

@test "scale up and down: instances 0..N-1, removal from the top, free numbers reused" {
	make_sleeper s
	"$PM2" start s.sh -i 2 >/dev/null
	run "$PM2" scale s 4
	assert_success
	assert_output --partial "Scaling up application"
	run jl '[.[] | select(.pm2_env.status == "online") | .pm2_env.NODE_APP_INSTANCE] | sort | join(",")'
	assert_output "0,1,2,3"
	run "$PM2" scale s -1
	assert_success
	assert_output --partial "Applying action deleteProcessId on app [3](ids: [ 3 ])"
	run jl '[.[].pm2_env.NODE_APP_INSTANCE] | sort | join(",")'
	assert_output "0,1,2"
	"$PM2" scale s 1 >/dev/null
	run jl '[.[] | [.pm_id, .pm2_env.NODE_APP_INSTANCE]] | map(map(tostring) | join(":")) | join(",")'
	assert_output "0:0"
	"$PM2" scale s +2 >/dev/null
	run jl '[.[].pm2_env.NODE_APP_INSTANCE] | sort | join(",")'
	assert_output "0,1,2"
	run "$PM2" scale s 3
	assert_failure 1
	assert_output --partial "Nothing to do"
	run "$PM2" scale nope 2
	assert_failure 1
	assert_output --partial "Application nope not found"
	run "$PM2" scale s two
	assert_failure 1
}

@test "scale a Node cluster app: new workers share the socket" {
	command -v node >/dev/null || skip "node is not installed"
	cp "$EXAMPLES/web.js" .
	PORT=18207 "$PM2" start web.js -i 1 >/dev/null
	"$PM2" scale web 3 >/dev/null
	[ "$(jl '[.[] | select(.pm2_env.status == "online")] | length')" = 3 ]
	got=$(answers 18207 30 | wc -l)
	[ "$got" -ge 2 ]
	"$PM2" scale web 1 >/dev/null
	[ "$(jl 'length')" = 1 ]
	grep -q "App \[web:2\] stopped" "$PM2_HOME/pm2.log"
	run curl -s --max-time 3 http://127.0.0.1:18207/
	assert_output "pid $(jl '.[0].pid')"
}

@test "NODE_APP_INSTANCE and increment_var, as PM2 sets them" {
	cat >eco.json <<EOF
{ "apps": [{ "name": "inc", "script": "$FIXTURES/echo-env.sh", "instances": 3,
  "increment_var": "PORT", "env": { "PORT": "18220" } }] }
EOF
	"$PM2" start eco.json >/dev/null
	for i in 0 1 2; do
		pid=$(jl ".[] | select(.pm2_env.NODE_APP_INSTANCE == $i) | .pid")
		[ "$(env_of "$pid" PORT)" = $((18220 + i)) ]
	done
	run jl '[.[].pm2_env.PORT] | join(",")'
	assert_output "18220,18221,18222"
}

@test "-i max counts the CPU quota of the cgroup (faked), -i -1 one less" {
	host=$(nproc)
	[ "$host" -ge 2 ] || skip "needs 2 CPUs to tell a limit from the host"
	mkdir -p cg
	echo "cpu" >cg/cgroup.controllers
	echo "100000 100000" >cg/cpu.max
	export PM2_CGROUP_ROOT=$WORK/cg
	make_sleeper s
	run "$PM2" start s.sh -i max
	assert_success
	assert_output --partial "(1 instance)"
	[ "$(jl 'length')" = 1 ]
	"$PM2" delete all >/dev/null
	echo "max 100000" >cg/cpu.max
	run "$PM2" start s.sh -i max
	assert_output --partial "($host instances)"
	[ "$(jl 'length')" = "$host" ]
	"$PM2" delete all >/dev/null
	run "$PM2" start s.sh -i -1
	[ "$(jl 'length')" = $((host - 1)) ]
}

@test "-i max inside a real CPU-limited cgroup and a CPU affinity mask" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs to tell a limit from the host"
	cg=/sys/fs/cgroup/cpu
	[ -f "$cg/cpu.cfs_quota_us" ] || cg=/sys/fs/cgroup
	mine="$cg/pm2t-$$-$BATS_TEST_NUMBER"
	mkdir "$mine" 2>/dev/null || skip "cannot create a cgroup here"
	if [ -f "$mine/cpu.cfs_quota_us" ]; then
		echo 100000 >"$mine/cpu.cfs_quota_us"
	else
		echo "100000 100000" >"$mine/cpu.max" || { rmdir "$mine"; skip "no cpu controller"; }
	fi
	make_sleeper s
	run sh -c "echo \$\$ >$mine/cgroup.procs && exec $PM2 start s.sh -i max"
	n=$(jl 'length')
	"$PM2" kill >/dev/null
	rmdir "$mine" 2>/dev/null || { sleep 1; rmdir "$mine"; }
	assert_output --partial "(1 instance)"
	[ "$n" = 1 ]
	run taskset -c 0 "$PM2" start s.sh -i max
	assert_output --partial "(1 instance)"
	[ "$(jl 'length')" = 1 ]
}

@test "a Node worker that disconnects itself is let go (exitedAfterDisconnect acknowledged)" {
	command -v node >/dev/null || skip "node is not installed"
	cat >leave.js <<'EOF2'
const cluster = require('cluster');
const fs = require('fs');
const server = require('http').createServer((q, s) => s.end('hi')).listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (fs.existsSync('leave-once')) return;
  fs.writeFileSync('leave-once', `${process.pid}`);
  // Without the supervisor's ack this worker would wait forever.
  cluster.worker.disconnect();
});
cluster.worker.on('disconnect', () => console.log(`disconnected ${process.pid}`));
EOF2
	PORT=18208 "$PM2" start leave.js -i 1 >/dev/null
	first=$(cat leave-once)
	gone() { ! kill -0 "$first" 2>/dev/null; }
	wait_until 10 gone
	grep -q "disconnected $first" "$PM2_HOME/logs/leave-out-0.log"
	wait_until 10 is_status leave online
	[ "$(pid_of leave)" != "$first" ]
}
