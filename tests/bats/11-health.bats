#!/usr/bin/env bats
# Health checks for container probes: `pm2 ping` (liveness) and
# `pm2 ready [app...]` (readiness: every app, or the named ones, online).

load helpers

@test "ready with no daemon fails, says so, and starts none" {
	run "$PM2" ready
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: no PM2 daemon answers on $PM2_HOME/rpc.sock"
	[ ! -S "$PM2_HOME/rpc.sock" ]
	[ ! -f "$PM2_HOME/pm2.pid" ]
}

@test "ready with a daemon but no app fails" {
	"$PM2" ping >/dev/null
	run "$PM2" ready
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: no process is running"
}

@test "ready succeeds when every instance is online" {
	make_sleeper a
	make_sleeper b
	"$PM2" start a.sh -i 2 -s
	"$PM2" start b.sh -s
	wait_until 5 is_status b online
	run "$PM2" ready
	assert_success
	assert_output "[PM2] ready: 3/3 processes online"
}

@test "ready fails naming each instance that is not online" {
	make_sleeper up
	"$PM2" start up.sh -s
	"$PM2" start "$FIXTURES/crash.sh" --name down --no-autorestart -s -- 3
	wait_until 5 is_status down stopped
	run "$PM2" ready
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: down (id 1) is stopped"
	# an app stopped on purpose is not ready either
	"$PM2" stop up -s
	run "$PM2" ready
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: up (id 0) is stopped, down (id 1) is stopped"
}

@test "ready for named apps, ids and namespaces ignores the others" {
	make_sleeper web
	"$PM2" start web.sh --namespace front -s
	"$PM2" start "$FIXTURES/crash.sh" --name job --namespace batch --no-autorestart -s -- 0
	wait_until 5 is_status job stopped
	for target in web 0 front all; do
		run "$PM2" ready "$target"
		if [ "$target" = all ]; then
			assert_failure 1
			assert_output --partial "job (id 1) is stopped"
		else
			assert_success
			assert_output "[PM2] ready: 1/1 process online"
		fi
	done
	run "$PM2" ready web batch
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: job (id 1) is stopped"
}

@test "ready fails for a name that matches no process" {
	make_sleeper web
	"$PM2" start web.sh -s
	run "$PM2" ready web nope
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: no process found for \"nope\" (try \`pm2 ls\`)"
}

@test "ready follows an app into errored and back online" {
	cat >flaky.sh <<'SH'
#!/bin/sh
[ -f "$WORK/healthy" ] || exit 2
trap 'exit 0' INT
while :; do sleep 0.1; done
SH
	chmod +x flaky.sh
	"$PM2" start flaky.sh --max-restarts 2 --restart-delay 50 -s
	wait_until 10 is_status flaky errored
	run "$PM2" ready flaky
	assert_failure 1
	assert_output "[PM2][ERROR] not ready: flaky (id 0) is errored"
	touch "$WORK/healthy"
	"$PM2" restart flaky -s
	wait_until 5 is_status flaky online
	run "$PM2" ready flaky
	assert_success
}

@test "ping is the liveness check: pong and exit 0 while the daemon answers" {
	"$PM2" ping >/dev/null
	run "$PM2" ping
	assert_success
	assert_output "{ msg: 'pong' }"
}

@test "help lists ping and ready as the probes" {
	run "$PM2" --help
	assert_output --partial "ping                       is the daemon alive? (liveness probe)"
	assert_output --partial "ready [id|name|namespace]  are all (or these) apps online? (readiness probe)"
}
