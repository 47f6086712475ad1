#!/usr/bin/env bats
# The web interface with curl: probes, metrics, the JSON API, the token
# rule for actions, and the bounds that keep a client from hurting the
# supervisor. Ports 18700-18749, one per test (tests may run in parallel).

load helpers

setup() {
	common_setup
	PORT=$((18700 + BATS_TEST_NUMBER))
	URL=http://127.0.0.1:$PORT
}

RUNTIME() { echo "$(dirname "$PM2")/pm2-runtime"; }

# http <curl args...>: prints the status code; the body is in $WORK/body.
http() { curl -sS -o "$WORK/body" -w '%{http_code}' "$@"; }
body() { cat "$WORK/body"; }
web_up() { wait_until 10 curl -fsS -o /dev/null "${1:-$URL}/healthz"; }

# The value of one sample in /metrics: metric <name> [label filter].
metric() {
	curl -fsS "$URL/metrics" | grep "^$1[{ ]" | grep -F -- "${2:-}" | awk '{print $NF}' | head -1
}

@test "pm2 web serves /healthz on 127.0.0.1, on PM2_API_PORT" {
	PM2_API_PORT=$PORT run "$PM2" web
	assert_success
	assert_output --partial "Web interface listening on http://127.0.0.1:$PORT"
	assert_output --partial "Read-only"
	[ "$(http "$URL/healthz")" = 200 ]
	[ "$(body)" = ok ]
	ss -ltnH "sport = :$PORT" | grep -q "127.0.0.1:$PORT"
	! ss -ltnH "sport = :$PORT" | grep -q "0.0.0.0:$PORT" || false
}

@test "pm2 start --web turns the interface on for the background daemon" {
	make_sleeper a
	run "$PM2" start a.sh --web $PORT
	assert_success
	assert_output --partial "Web interface listening on http://127.0.0.1:$PORT"
	[ "$(http "$URL/readyz")" = 200 ]
}

@test "/readyz is 200 only when every app, or ?app=, is online; 503 says why" {
	make_sleeper a
	make_sleeper b
	"$PM2" start a.sh -s
	"$PM2" start b.sh -s
	"$PM2" web $PORT >/dev/null
	[ "$(http "$URL/readyz")" = 200 ]
	[ "$(body)" = "ready: 2/2 processes online" ]
	"$PM2" stop b -s
	[ "$(http "$URL/readyz")" = 503 ]
	[ "$(body)" = "not ready: b (id 1) is stopped" ]
	[ "$(http "$URL/readyz?app=a")" = 200 ]
	[ "$(http "$URL/readyz?app=b")" = 503 ]
	[ "$(http "$URL/readyz?app=nope")" = 503 ]
	[ "$(body)" = 'not ready: no process found for "nope"' ]
	# HEAD works for probes that use it.
	[ "$(curl -sS -o /dev/null -w '%{http_code}' -I "$URL/readyz?app=a")" = 200 ]
}

@test "/readyz is 503 with no app, and for an app that crash-looped to errored" {
	"$PM2" web $PORT >/dev/null
	[ "$(http "$URL/readyz")" = 503 ]
	[ "$(body)" = "not ready: no process is running" ]
	"$PM2" start "$FIXTURES/crash.sh" --name crash --max-restarts 2 -s
	wait_until 10 is_status crash errored
	[ "$(http "$URL/readyz")" = 503 ]
	[ "$(body)" = "not ready: crash (id 0) is errored" ]
	# Liveness stays green: the supervisor itself is fine.
	[ "$(http "$URL/healthz")" = 200 ]
}

@test "/metrics is Prometheus text with each instance's figures" {
	cat >talk.sh <<'SH'
#!/bin/sh
echo "twelve bytes"
echo "err" >&2
exec sleep 100
SH
	chmod +x talk.sh
	"$PM2" start talk.sh -s
	"$PM2" web $PORT >/dev/null
	wait_until 5 grep -q twelve "$PM2_HOME/logs/talk-out.log"
	"$PM2" restart talk -s
	wait_until 5 eval '[ "$(wc -l <"$PM2_HOME/logs/talk-out.log")" -eq 2 ]'
	curl -fsS "$URL/metrics" >metrics.txt
	# An independent parser reads it, and the names follow the conventions.
	/usr/bin/python3 - metrics.txt <<'PY'
import re, sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert len(fams) >= 10, fams
for f in fams:
    assert re.fullmatch(r"pm2_[a-z0-9_]+", f.name), f.name
    assert f.documentation, f.name
    for s in f.samples:
        if f.type == "counter":
            assert s.name.endswith("_total"), s.name
PY
	filter='name="talk",namespace="default",pm_id="0"'
	[ "$(metric pm2_up "$filter")" = 1 ]
	[ "$(metric pm2_restarts_total "$filter")" = 1 ]
	[ "$(metric pm2_memory_bytes "$filter")" -gt 0 ]
	# Log bytes count what the app wrote, across restarts: the log's size.
	size=$(stat -c %s "$PM2_HOME/logs/talk-out.log")
	[ "$(metric pm2_log_bytes_total "${filter},stream=\"out\"")" = "$size" ]
	[ "$(metric pm2_log_bytes_total "${filter},stream=\"err\"")" = 8 ]
	[ "$(metric pm2_supervisor_memory_bytes)" -gt 0 ]
	"$PM2" stop talk -s
	[ "$(metric pm2_up "$filter")" = 0 ]
	[ "$(metric pm2_uptime_seconds "$filter")" = 0 ]
}

@test "/metrics shows the last exit code and counts reaped zombies" {
	# The app leaves an orphan behind; the supervisor (a subreaper) reaps it.
	printf '#!/bin/sh\nsleep 0.3 &\nexit 3\n' >orphan.sh
	chmod +x orphan.sh
	"$PM2" web $PORT >/dev/null
	[ "$(metric pm2_zombies_reaped_total)" = 0 ]
	! curl -fsS "$URL/metrics" | grep -q '^pm2_last_exit_code{' || false
	"$PM2" start orphan.sh --no-autorestart -s
	wait_until 10 is_status orphan stopped
	[ "$(metric pm2_last_exit_code 'name="orphan"')" = 3 ]
	wait_until 10 eval '[ "$(metric pm2_zombies_reaped_total)" = 1 ]'
}

@test "/api/processes is the same JSON as pm2 jlist" {
	make_sleeper a
	"$PM2" start a.sh -i 2 -s
	"$PM2" web $PORT >/dev/null
	[ "$(http "$URL/api/processes")" = 200 ]
	# monit (CPU, memory) is sampled at each look; the rest must match.
	diff <(jq -S 'map(del(.monit))' "$WORK/body") <("$PM2" jlist | jq -S 'map(del(.monit))')
	[ "$(jq length "$WORK/body")" = 2 ]
	[ "$(jq -r '.[0].monit | has("cpu") and has("memory")' "$WORK/body")" = true ]
}

@test "actions: refused unless a token is configured and sent" {
	make_sleeper a
	"$PM2" start a.sh -s
	"$PM2" web $PORT >/dev/null
	[ "$(http -X POST "$URL/api/processes/a/restart")" = 403 ]
	body | grep -q -- "--web-token"
	[ "$(restarts_of a)" = 0 ]

	# The same address again: the server stays, the token is set.
	run "$PM2" web $PORT --web-token s3cret
	assert_success
	assert_output --partial "need the token"
	[ "$(http -X POST "$URL/api/processes/a/restart")" = 401 ]
	[ "$(http -X POST -H 'Authorization: Bearer wrong' "$URL/api/processes/a/restart")" = 401 ]
	[ "$(http -X POST -H 'Authorization: Bearer s3cre' "$URL/api/processes/a/restart")" = 401 ]
	[ "$(http "$URL/api/processes/a/restart")" = 405 ]
	[ "$(restarts_of a)" = 0 ]

	auth='Authorization: Bearer s3cret'
	[ "$(http -X POST -H "$auth" "$URL/api/processes/a/restart")" = 202 ]
	[ "$(jq -c .ids "$WORK/body")" = "[0]" ]
	wait_until 10 eval '[ "$(restarts_of a)" = 1 ]'
	wait_until 10 is_status a online
	[ "$(http -X POST -H "$auth" "$URL/api/processes/0/reload")" = 202 ]
	wait_until 10 eval '[ "$(restarts_of a)" = 2 ]'
	[ "$(http -X POST -H "$auth" "$URL/api/processes/a/stop")" = 202 ]
	wait_until 10 is_status a stopped
	[ "$(http -X POST -H "$auth" "$URL/api/processes/nope/restart")" = 404 ]
	[ "$(http -X POST -H "$auth" "$URL/api/processes/a/delete")" = 404 ]
	[ "$(proc_count)" = 1 ]
	grep -q "web: restart a" "$PM2_HOME/pm2.log"
}

proc_count() { jl length; }

@test "the token can come from PM2_WEB_TOKEN, and apps do not inherit it" {
	cat >env.sh <<'SH'
#!/bin/sh
echo "token=${PM2_WEB_TOKEN:-none}"
exec sleep 100
SH
	chmod +x env.sh
	export PM2_WEB_TOKEN=from-env
	"$PM2" start env.sh -s
	run "$PM2" web $PORT
	assert_output --partial "need the token"
	wait_until 5 grep -q "token=" "$PM2_HOME/logs/env-out.log"
	grep -q "token=none" "$PM2_HOME/logs/env-out.log"
	[ "$(jl '.[0].pm2_env.env.PM2_WEB_TOKEN // "absent"')" = absent ]
	[ "$(http -X POST -H 'Authorization: Bearer from-env' "$URL/api/processes/env/restart")" = 202 ]
}

@test "on loopback, only a loopback Host is answered (DNS rebinding)" {
	"$PM2" web $PORT >/dev/null
	[ "$(http -H "Host: attacker.example:$PORT" "$URL/api/processes")" = 403 ]
	[ "$(http -H "Host: localhost:$PORT" "$URL/api/processes")" = 200 ]
	[ "$(http -H "Host: 127.0.0.1" "$URL/api/processes")" = 200 ]
}

@test "the page, 404 and 405; keep-alive serves two requests on one connection" {
	"$PM2" web $PORT >/dev/null
	[ "$(http "$URL/")" = 200 ]
	grep -q "<table" "$WORK/body"
	# Self-contained: no script, style or image from elsewhere.
	! grep -Eq '(src|href)="(https?:)?//' "$WORK/body" || false
	curl -sSI "$URL/" | grep -qi "^content-security-policy: default-src 'none'"
	[ "$(http "$URL/nope")" = 404 ]
	[ "$(http -X POST "$URL/metrics")" = 405 ]
	run curl -sSv "$URL/healthz" "$URL/healthz"
	assert_output --partial "Re-using existing connection"
	# HTTP/1.0 without keep-alive: the server closes after the answer.
	curl -sSi --http1.0 "$URL/healthz" | grep -q "^Connection: close"
}

@test "pm2-runtime --web serves the foreground supervisor" {
	make_sleeper a
	"$(RUNTIME)" a.sh --web $PORT >"$WORK/out" 2>&1 &
	RPID=$!
	web_up
	wait_until 10 eval '[ "$(http "$URL/readyz")" = 200 ]'
	grep -q "web interface on http://127.0.0.1:$PORT (actions off)" "$WORK/out"
	kill -TERM $RPID
	wait $RPID || true
	! curl -fsS "$URL/healthz" 2>/dev/null || false
}

@test "start --no-daemon --web takes an address and a token; a taken port fails early" {
	make_sleeper a
	"$PM2" start a.sh --no-daemon --web "127.0.0.1:$PORT" --web-token tk >"$WORK/out" 2>&1 &
	RPID=$!
	web_up
	[ "$(http -X POST -H 'Authorization: Bearer tk' "$URL/api/processes/a/restart")" = 202 ]
	# A second runtime on the same port stops before starting any app.
	PM2_HOME=$WORK/home2 run "$(RUNTIME)" a.sh --web $PORT
	assert_failure 1
	assert_output --partial "cannot listen on 127.0.0.1:$PORT"
	[ ! -e "$WORK/home2/logs/a-out.log" ]
	kill -TERM $RPID
	wait $RPID || true
}

@test "pm2 web on IPv6 loopback, moved to another port, then stopped" {
	"$PM2" web "[::1]:$PORT" >/dev/null
	[ "$(http -g "http://[::1]:$PORT/healthz")" = 200 ]
	other=$((PORT + 20))
	run "$PM2" web $other
	assert_output --partial "127.0.0.1:$other"
	[ "$(http "http://127.0.0.1:$other/healthz")" = 200 ]
	! curl -fsS -g "http://[::1]:$PORT/healthz" 2>/dev/null || false
	run "$PM2" web stop
	assert_success
	! curl -fsS "http://127.0.0.1:$other/healthz" 2>/dev/null || false
	run "$PM2" web stop
	assert_failure 1
	assert_output --partial "not running"
}

@test "bad addresses are refused with exit code 1" {
	run "$PM2" web 70000
	assert_failure 1
	assert_output --partial 'bad address "70000"'
	run "$PM2" web example.com:80
	assert_failure 1
	assert_output --partial "IP address or localhost"
	PM2_API_PORT=abc run "$PM2" web
	assert_failure 1
	assert_output --partial "PM2_API_PORT"
	make_sleeper a
	run "$(RUNTIME)" a.sh --web=1.2.3:80
	assert_failure 1
	assert_output --partial "bad address"
}

@test "bounds: a huge head gets 431, connections past the cap get 503" {
	"$PM2" web $PORT >/dev/null
	long=$(head -c 9000 /dev/zero | tr '\0' a)
	[ "$(http -H "X-Long: $long" "$URL/healthz")" = 431 ]
	/usr/bin/python3 - $PORT <<'PY'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
extra = []
for _ in range(6):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    extra.append(s.recv(100))
assert all(r.startswith(b"HTTP/1.1 503") for r in extra), extra
for s in held:
    s.close()
PY
	"$PM2" ping >/dev/null
	wait_until 10 eval '[ "$(http "$URL/healthz")" = 200 ]'
}

@test "a slow client is cut off at the deadline; a client that never reads stalls nothing" {
	cat >ticker.sh <<'SH'
#!/bin/sh
i=0
while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done
SH
	chmod +x ticker.sh
	"$PM2" start ticker.sh -s
	"$PM2" web $PORT >/dev/null
	/usr/bin/python3 - $PORT "$PM2_HOME/logs/ticker-out.log" <<'PY'
import os, socket, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
# A client that pipelines thousands of requests and never reads.
hog = socket.create_connection(("127.0.0.1", port))
hog.setblocking(False)
req = b"GET /api/processes HTTP/1.1\r\nHost: localhost\r\n\r\n" * 2000
try:
    hog.send(req)
except BlockingIOError:
    pass
# A slowloris: one byte a second of a head that never ends.
slow = socket.create_connection(("127.0.0.1", port))
slow.sendall(b"GET / HTTP/1.1\r\n")
start = time.monotonic()
size0 = os.path.getsize(log)
closed_after = None
while time.monotonic() - start < 25:
    try:
        slow.sendall(b"X")
        slow.settimeout(1)
        if slow.recv(100) == b"":
            closed_after = time.monotonic() - start
            break
    except socket.timeout:
        pass
    except OSError:
        closed_after = time.monotonic() - start
        break
    # Meanwhile others are served and logs keep flowing.
    ok = socket.create_connection(("127.0.0.1", port))
    ok.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    ok.settimeout(5)
    assert ok.recv(100).startswith(b"HTTP/1.1 200"), "healthz while loaded"
    ok.close()
assert closed_after is not None and closed_after < 20, closed_after
assert os.path.getsize(log) > size0, "log lines kept arriving"
print("slow client closed after %.1f s" % closed_after)
PY
	"$PM2" ping >/dev/null
	is_status ticker online
}
