#!/usr/bin/env bats
# Users, groups, capabilities, the control socket, hostile input.

load helpers

status_field() { # pid field
	awk -v f="$2:" '$1 == f {print $2; exit}' /proc/$1/status
}

setup() {
	common_setup
	[ "$(id -u)" = 0 ] || skip "needs root"
	# a python3 that other users may run (not a per-user shim)
	PY3=/usr/bin/python3
	[ -x "$PY3" ] || skip "needs /usr/bin/python3"
	printf '#!/bin/sh\necho "user=$USER home=$HOME id=$(id -u):$(id -g) groups=$(id -G)"\nwhile :; do sleep 1; done\n' >who.sh
	chmod 755 who.sh "$WORK"
}

@test "uid/user and gid by name: the app runs as that user, with HOME and USER" {
	"$PM2" start who.sh --user nobody --gid nogroup >/dev/null
	pid=$(pid_of who)
	[ "$(status_field $pid Uid)" = 65534 ]
	[ "$(status_field $pid Gid)" = 65534 ]
	wait_until 5 grep -q "user=nobody" "$PM2_HOME/logs/who-out.log"
	grep -q "id=65534:65534" "$PM2_HOME/logs/who-out.log"
	home=$(getent passwd nobody | cut -d: -f6)
	grep -q "home=$home" "$PM2_HOME/logs/who-out.log"
	[ "$(jl '.[0].pm2_env.username')" = nobody ]
	run "$PM2" ls
	assert_output --regexp "│ nobody +│"
}

@test "numeric uid and gid work too" {
	"$PM2" start who.sh --uid 65534 --gid 65534 >/dev/null
	pid=$(pid_of who)
	[ "$(status_field $pid Uid)" = 65534 ]
	[ "$(status_field $pid Gid)" = 65534 ]
}

@test "supplementary groups come from /etc/group, and nothing else of root's" {
	userdel -f pm2test-user 2>/dev/null || true
	groupdel pm2test-extra 2>/dev/null || true
	groupadd pm2test-extra
	useradd -M -N -g nogroup -G pm2test-extra -s /bin/sh pm2test-user
	extra=$(getent group pm2test-extra | cut -d: -f3)
	"$PM2" start who.sh --user pm2test-user >/dev/null
	pid=$(pid_of who)
	groups=" $(awk '$1 == "Groups:" {$1=""; print}' /proc/$pid/status) "
	"$PM2" delete all >/dev/null
	userdel -f pm2test-user
	groupdel pm2test-extra
	echo "groups:$groups extra gid $extra"
	[[ "$groups" == *" $extra "* ]]
	[[ "$groups" == *" 65534 "* ]]
	[[ "$groups" != *" 0 "* ]]
}

@test "an unknown user or group is a clear error and nothing starts" {
	run "$PM2" start who.sh --user no-such-user-here
	assert_failure 1
	assert_output --partial 'user "no-such-user-here" does not exist'
	run "$PM2" start who.sh --gid no-such-group-here
	assert_failure 1
	assert_output --partial 'group "no-such-group-here" does not exist'
	run "$PM2" jlist
	assert_output "[]"
}

@test "capabilities: a non-root app keeps exactly those, ambient, and can bind a low port" {
	cat >bind.py <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("bound", sys.argv[1], flush=True)
time.sleep(100)
PY
	port=$((600 + RANDOM % 300))
	cat >eco.json <<JSON
{"apps":[{"name":"low","script":"bind.py","interpreter":"$PY3","args":["$port"],"user":"nobody",
  "capabilities":["CAP_NET_BIND_SERVICE"],"no_new_privs":true,"autorestart":false}]}
JSON
	"$PM2" start eco.json >/dev/null
	wait_until 5 grep -q "bound $port" "$PM2_HOME/logs/low-out.log"
	pid=$(pid_of low)
	[ "$(status_field $pid Uid)" = 65534 ]
	[ "$(status_field $pid CapAmb)" = 0000000000000400 ]
	[ "$(status_field $pid CapBnd)" = 0000000000000400 ]
	[ "$(status_field $pid CapEff)" = 0000000000000400 ]
	[ "$(status_field $pid NoNewPrivs)" = 1 ]
}

@test "without capabilities a non-root app cannot bind a low port" {
	printf 'import socket\nsocket.socket().bind(("127.0.0.1", 700))\n' >bind.py
	"$PM2" start bind.py --interpreter "$PY3" --user nobody --no-autorestart >/dev/null
	wait_until 5 is_status bind stopped
	grep -q "PermissionError" "$PM2_HOME/logs/bind-error.log"
}

@test "a bad capability name is a config error with its place" {
	printf '{"apps":[{"name":"c","script":"who.sh",\n  "capabilities":["CAP_NET_BIND_SERVICE","CAP_MAKE_COFFEE"]}]}\n' >eco.json
	run "$PM2" start eco.json
	assert_failure 1
	assert_output --partial 'eco.json:2:42: "capabilities": unknown capability "CAP_MAKE_COFFEE"'
}

@test "a user who is neither root nor the daemon's owner gets a clear error, not a hang" {
	"$PM2" ping >/dev/null
	run timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$PM2" ping
	assert_failure 1
	assert_output --partial "[PM2][ERROR]"
	assert_output --partial "Permission denied"
	# even with the folder opened up, the daemon checks who is calling
	chmod 755 "$PM2_HOME"
	chmod 666 "$PM2_HOME/rpc.sock"
	run timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$PM2" jlist
	assert_failure 1
	assert_output --partial "permission denied"
	chmod 700 "$PM2_HOME"
}

@test "names that could escape the logs folder are refused" {
	for bad in "../../etc/x" "a/b" ".." $'ctl\x01char'; do
		run "$PM2" start who.sh --name "$bad"
		assert_failure 1
		assert_output --partial '"name"'
	done
	run "$PM2" jlist
	assert_output "[]"
	[ -z "$(ls "$PM2_HOME/logs")" ]
}

@test "an oversized request is refused and the daemon lives on" {
	"$PM2" ping >/dev/null
	run python3 - "$PM2_HOME/rpc.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(b'{"cmd":"' + b'x' * (17 * 1024 * 1024))
except OSError:
    pass
s.shutdown(socket.SHUT_WR)
print(s.makefile().readline().strip())
PY
	assert_output '{"ok":false,"error":"request too large"}'
	run "$PM2" ping
	assert_success
}

@test "many idle connections neither block the daemon nor leak its fds" {
	"$PM2" ping >/dev/null
	dpid=$(cat "$PM2_HOME/pm2.pid")
	before=$(ls /proc/$dpid/fd | wc -l)
	python3 - "$PM2_HOME/rpc.sock" "$PM2" <<'PY'
import socket, subprocess, sys
conns = []
for i in range(300):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); conns.append(s)
conns[0].sendall(b'{"cmd":"ping"')   # half a request, never finished
# the CLI still gets through while 300 connections sit idle or refused
out = subprocess.run([sys.argv[2], "ping"], capture_output=True, text=True, timeout=10)
assert "pong" in out.stdout or "too many" in out.stderr, out
for s in conns: s.close()
PY
	settle() { [ "$(ls /proc/$dpid/fd | wc -l)" -le "$before" ]; }
	wait_until 10 settle
	run "$PM2" ping
	assert_success
}

@test "apps get none of the daemon's file descriptors" {
	"$PM2" start who.sh >/dev/null
	pid=$(pid_of who)
	dpid=$(cat "$PM2_HOME/pm2.pid")
	for fd in /proc/$pid/fd/*; do
		target=$(readlink "$fd")
		case "$target" in
		*rpc.sock*|*pm2.log|*pm2.lock|anon_inode:*|socket:*) echo "leaked: $fd -> $target"; false ;;
		esac
	done
}
