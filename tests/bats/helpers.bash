# Shared setup for the end-to-end tests: every test gets its own PM2_HOME
# and working folder, and leaves no daemon or app behind.

bats_load_library bats-support
bats_load_library bats-assert

: "${PM2_BIN:=$BATS_TEST_DIRNAME/../../build/pm2}"
FIXTURES=$BATS_TEST_DIRNAME/fixtures

common_setup() {
	# Short paths: a unix socket path must fit in 108 bytes.
	export PM2_HOME=$(mktemp -d /tmp/pm2t.XXXXXX)
	export WORK=$(mktemp -d /tmp/pm2w.XXXXXX)
	export NO_COLOR=1
	PM2=$PM2_BIN
	cd "$WORK"
}

common_teardown() {
	"$PM2" kill >/dev/null 2>&1 || true
	# Whatever a failed test left running in this PM2_HOME.
	if [ -f "$PM2_HOME/pm2.pid" ]; then
		kill -9 "$(cat "$PM2_HOME/pm2.pid")" 2>/dev/null || true
	fi
	pkill -9 -f "$WORK" 2>/dev/null || true
	rm -rf "$PM2_HOME" "$WORK"
}

setup() { common_setup; }
teardown() { common_teardown; }

# wait_until <seconds> <command...>: retry until the command succeeds.
wait_until() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

# wait_exit <pid> <seconds>: wait for our child to end; sets RC.
wait_exit() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { echo "still running after $2 s"; return 1; }
		sleep 0.05
	done
	wait "$1"
	RC=$?
}

# jq over `pm2 jlist`
jl() {
	"$PM2" jlist | jq -r "$@"
}

status_of() { jl ".[] | select(.name==\"$1\") | .pm2_env.status" | head -1; }
pid_of() { jl ".[] | select(.name==\"$1\") | .pid" | head -1; }
restarts_of() { jl ".[] | select(.name==\"$1\") | .pm2_env.restart_time" | head -1; }
is_status() { [ "$(status_of "$1")" = "$2" ]; }

# A tiny long-running app in shell. It says "started" once its SIGINT
# handler is in place: wait for that (started <name>) before stopping it
# if the test looks at how it stopped.
make_sleeper() { # name
	cat >"$WORK/$1.sh" <<'SH'
#!/bin/sh
trap 'echo "got SIGINT"; exit 0' INT
echo "started $$"
while :; do sleep 0.1; done
SH
	chmod +x "$WORK/$1.sh"
}

started() { # name [log]
	grep -q "^started" "${2:-$PM2_HOME/logs/$1-out.log}" 2>/dev/null
}
