#!/usr/bin/env bats
# Bad input: a clear one-line error, exit code 1, running apps untouched.

load helpers

@test "an unknown command is an error" {
	run "$PM2" frobnicate
	assert_failure 1
	assert_line --index 0 "[PM2][ERROR] Command not found: frobnicate"
}

@test "no command prints the usage and fails, as PM2 does" {
	run "$PM2"
	assert_failure 1
	assert_output --partial "usage: pm2 [options] <command>"
	run "$PM2" --help
	assert_success
}

@test "an unknown option is an error naming it" {
	run "$PM2" start x.js --bogus
	assert_failure 1
	assert_output "error: unknown option \`--bogus'"
	run "$PM2" start x.js --name
	assert_failure 1
	assert_output --partial "argument missing"
}

@test "commands that need a target say so" {
	for cmd in stop restart delete reset describe; do
		run "$PM2" $cmd
		assert_failure 1
		assert_output --partial "[PM2][ERROR]"
	done
}

@test "bad values on the command line name the key" {
	run "$PM2" start "$FIXTURES/echo-env.sh" -i two
	assert_failure 1
	assert_output --partial '"instances" must be a number or "max", got "two"'
	run "$PM2" start "$FIXTURES/echo-env.sh" --kill-signal SIGNOPE
	assert_failure 1
	assert_output --partial '"kill_signal" must be a signal name'
	run "$PM2" start "$FIXTURES/echo-env.sh" --name "../../etc/x"
	assert_failure 1
	assert_output --partial '"name" must not contain "/"'
}

@test "errors leave running apps untouched" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	"$PM2" start nope.js 2>/dev/null || true
	"$PM2" stop nope 2>/dev/null || true
	"$PM2" frobnicate >/dev/null 2>&1 || true
	echo '{"apps":[{"script":"s.sh","instances":"x"}]}' >bad.json
	"$PM2" start bad.json 2>/dev/null || true
	is_status s online
	[ "$(pid_of s)" = "$pid" ]
	[ "$(restarts_of s)" = 0 ]
}

@test "a request the daemon does not understand is refused, the daemon lives on" {
	"$PM2" ping >/dev/null
	run python3 - "$PM2_HOME/rpc.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
for req in [b'{"cmd":"nope"}\n', b'not json\n', b'{"cmd":"start","apps":"x"}\n', b'{"cmd":"stop","targets":[{}]}\n']:
    s.sendall(req)
    print(s.makefile().readline().strip())
PY
	assert_success
	assert_line --index 0 '{"ok":false,"error":"unknown request \"nope\""}'
	assert_line --index 1 '{"ok":false,"error":"request is not a JSON object"}'
	assert_line --index 2 '{"ok":false,"error":"no app to start"}'
	assert_line --index 3 '{"ok":false,"error":"a target must be a string or a number"}'
	run "$PM2" ping
	assert_success
}
