#!/usr/bin/env bats
# The examples users start from: examples/ecosystem.json (`make run`),
# container/ecosystem.json (the node image and the Kubernetes ConfigMap),
# and the Kubernetes, compose and Dockerfile examples that ship them.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# Ports for this file's apps (the examples' own 8000/8001 rewritten).
WEB_PORT=18610
API_PORT=18611
BOX_PORT=18612

setup() {
	common_setup
	command -v node >/dev/null || skip "needs node"
	command -v python3 >/dev/null || skip "needs python3"
}

teardown() {
	[ -n "${UPID:-}" ] && kill -9 "$UPID" 2>/dev/null
	common_teardown
}

# examples/ in this test's folder, on this file's ports.
copy_examples() {
	cp -r "$ROOT/examples" "$WORK/ex"
	rm -rf "$WORK/ex/logs"
	jq --arg web $WEB_PORT --arg api $API_PORT '
		(.apps[] | select(.name == "web") | .env.PORT) = $web
		| (.apps[] | select(.name == "api") | .env.PORT) = $api' \
		"$ROOT/examples/ecosystem.json" >"$WORK/ex/ecosystem.json"
}

# YAML documents as JSON, one a line (python3-yaml comes with yamllint).
yaml_json() {
	/usr/bin/python3 -c 'import json, sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])): print(json.dumps(d))' "$1"
}

@test "make run's ecosystem under pm2-runtime: node, python and shell apps online; SIGTERM stops all, exit 0" {
	unshare --pid --fork true 2>/dev/null || skip "needs root for PID namespaces"
	copy_examples
	unshare --pid --fork --mount-proc "$(dirname "$PM2")/pm2-runtime" "$WORK/ex/ecosystem.json" \
		>stdout 2>stderr &
	UPID=$!
	wait_until 20 "$PM2" ready examples >/dev/null 2>&1
	run "$PM2" ready examples
	assert_output "[PM2] ready: 5/5 processes online"
	# online is "started"; answering takes the interpreters a moment more
	wait_until 20 curl -sf "http://127.0.0.1:$WEB_PORT/" -o /dev/null
	wait_until 20 curl -sf "http://127.0.0.1:$API_PORT/" -o /dev/null
	run curl -sf "http://127.0.0.1:$WEB_PORT/"
	assert_output --partial "hello from node"
	run curl -sf "http://127.0.0.1:$API_PORT/"
	assert_output --partial "hello from python"
	# env blocks and log options
	[ "$(jl '[.[] | select(.name=="web")][0].pm2_env.env.NODE_ENV')" = development ]
	wait_until 10 grep -q "ticker: hello, tick 1 (instance 1)" "$WORK/ex/logs/ticker.log"
	grep -q "ticker: hello, tick 1 (instance 0)" "$WORK/ex/logs/ticker.log"
	grep -q "node: listening on 127.0.0.1:$WEB_PORT" "$WORK/ex/logs/web-out.log"
	grep -q "python: listening on 127.0.0.1:$API_PORT" "$WORK/ex/logs/api-out.log"
	# the runtime mirrors the apps' output for `docker logs`
	grep -q "node: listening" stdout
	kill -TERM "$(pgrep -P "$UPID")"
	wait_exit "$UPID" 15
	UPID=
	assert_equal "$RC" 0
	grep -q "ticker: stopping" "$WORK/ex/logs/ticker.log"
	! curl -sf "http://127.0.0.1:$WEB_PORT/" 2>/dev/null || false
}

@test "--env production switches the examples' env blocks" {
	copy_examples
	"$PM2" start "$WORK/ex/ecosystem.json" --env production -s
	[ "$(jl '[.[] | select(.name=="web")][0].pm2_env.env.NODE_ENV')" = production ]
	wait_until 10 grep -q "ticker: good day, tick 1" "$WORK/ex/logs/ticker.log"
}

@test "the api example reopens its access log on sendSignal SIGUSR2 (log rotation)" {
	copy_examples
	"$PM2" start "$WORK/ex/ecosystem.json" --only api -s
	wait_until 10 curl -sf "http://127.0.0.1:$API_PORT/before" -o /dev/null
	log=$WORK/ex/logs/api-access.log
	wait_until 5 grep -q "GET /before" "$log"
	mv "$log" "$log.1"
	curl -sf "http://127.0.0.1:$API_PORT/still-old" -o /dev/null
	run "$PM2" sendSignal SIGUSR2 api
	assert_success
	wait_until 5 [ -f "$log" ]
	curl -sf "http://127.0.0.1:$API_PORT/after" -o /dev/null
	wait_until 5 grep -q "GET /after" "$log"
	grep -q "GET /still-old" "$log.1"
	! grep -q "GET /after" "$log.1" || false
	! grep -q "GET /before" "$log" || false
}

@test "container/ecosystem.json (the image's and the ConfigMap's) starts and serves" {
	mkdir app
	cp "$ROOT/examples/hello.js" "$ROOT/examples/ticker.sh" app/
	jq --arg cwd "$WORK/app" --arg port $BOX_PORT '
		.apps[].cwd = $cwd
		| (.apps[] | select(.name == "web") | .env) += { HOST: "127.0.0.1", PORT: $port }' \
		"$ROOT/container/ecosystem.json" >app/ecosystem.json
	"$PM2" start app/ecosystem.json -s
	run "$PM2" ready
	assert_success
	wait_until 20 curl -sf "http://127.0.0.1:$BOX_PORT/" -o /dev/null
	run curl -sf "http://127.0.0.1:$BOX_PORT/"
	assert_output --partial "hello from node"
	# output goes to the container's log only: no file grows in the pod
	[ "$(jl '[.[].pm2_env.pm_out_log_path] | unique | .[]')" = /dev/null ]
}

@test "Kubernetes and compose files: yamllint clean, objects valid against the API schema" {
	command -v yamllint >/dev/null || skip "yamllint is not installed (apt-get install yamllint)"
	run sh "$ROOT/container/validate.sh" yaml
	assert_success
	command -v npm >/dev/null || skip "npm is not installed: schema check not run"
	run sh "$ROOT/container/validate.sh" schema
	[ "$status" -ne 77 ] || skip "npm could not fetch kubernetes-models: schema check not run"
	assert_success
	assert_line --partial "ConfigMap pm2-app: valid"
	assert_line --partial "Deployment pm2-app: valid"
	# and the check can fail: a probe command as a string is refused
	sed 's/command: \["pm2", "ping"\]/command: "pm2 ping"/' "$ROOT/container/kubernetes.yaml" >bad.yaml
	run node "$ROOT/build/k8s-validate/k8s-schema.mjs" bad.yaml
	assert_failure
	assert_output --partial "livenessProbe/exec/command must be array"
}

@test "the Kubernetes example: ConfigMap ecosystem, grace period, preStop, probes, PM2_HOME agree" {
	command -v yamllint >/dev/null || skip "python3-yaml comes with yamllint"
	yaml_json "$ROOT/container/kubernetes.yaml" >k8s.jsonl
	cm=$(jq -c 'select(.kind == "ConfigMap")' k8s.jsonl)
	spec=$(jq -c 'select(.kind == "Deployment") | .spec.template.spec' k8s.jsonl)
	# the ConfigMap carries container/ecosystem.json, unchanged
	jq -r '.data["ecosystem.json"]' <<<"$cm" >cm-ecosystem.json
	assert_equal "$(jq -S . cm-ecosystem.json)" "$(jq -S . "$ROOT/container/ecosystem.json")"
	# pm2-runtime runs the mounted file, as PID 1 (exec form, no shell)
	c=$(jq -c '.containers[0]' <<<"$spec")
	mount=$(jq -r '.volumeMounts[] | select(.name == "ecosystem") | .mountPath' <<<"$c")
	assert_equal "$(jq -c .command <<<"$c")" "[\"pm2-runtime\",\"$mount/ecosystem.json\"]"
	assert_equal "$(jq -r '.volumes[] | select(.name == "ecosystem") | .configMap.name' <<<"$spec")" \
		"$(jq -r .metadata.name <<<"$cm")"
	# probes and the CLI find the runtime's socket: PM2_HOME is a mounted volume
	home=$(jq -r '.env[] | select(.name == "PM2_HOME") | .value' <<<"$c")
	assert_equal "$(jq -r --arg h "$home" '.volumeMounts[] | select(.mountPath == $h) | .name' <<<"$c")" pm2-home
	assert_equal "$(jq -c .livenessProbe.exec.command <<<"$c")" '["pm2","ping"]'
	assert_equal "$(jq -c '.readinessProbe.exec.command[0:2]' <<<"$c")" '["pm2","ready"]'
	# SIGKILL comes after preStop + the slowest app's kill_timeout
	grace=$(jq -r .terminationGracePeriodSeconds <<<"$spec")
	drain=$(jq -r '.lifecycle.preStop.exec.command | select(.[0] == "sleep") | .[1]' <<<"$c")
	kill_ms=$(jq '[.apps[].kill_timeout // 1600] | max' cm-ecosystem.json)
	echo "grace ${grace}s, preStop ${drain}s, kill_timeout ${kill_ms}ms"
	[ $((drain * 1000 + kill_ms)) -lt $((grace * 1000)) ]
}

@test "compose, Dockerfile and Dockerfile.node: exec-form entrypoints, stop timeouts above kill_timeout, ready as healthcheck" {
	command -v yamllint >/dev/null || skip "python3-yaml comes with yamllint"
	kill_ms=$(jq '[.apps[].kill_timeout // 1600] | max' "$ROOT/container/ecosystem.json")
	svc=$(yaml_json "$ROOT/container/compose.yaml" | jq -c .services.app)
	assert_equal "$(jq -r .stop_signal <<<"$svc")" SIGTERM
	grace=$(jq -r .stop_grace_period <<<"$svc")
	[ "$(( ${grace%s} * 1000 ))" -gt "$kill_ms" ]
	assert_equal "$(jq -c .healthcheck.test <<<"$svc")" '["CMD","pm2","ready"]'
	assert_equal "$(jq -r .init <<<"$svc")" false
	# exec form: JSON arrays, so pm2-runtime itself is PID 1
	for f in "$ROOT/Dockerfile" "$ROOT/container/Dockerfile.node"; do
		ep=$(sed -n 's/^ENTRYPOINT //p' "$f" | tail -1)
		jq -e 'type == "array" and (.[0] | test("pm2-runtime$"))' <<<"$ep" >/dev/null
		grep -qx 'STOPSIGNAL SIGTERM' "$f"
	done
	grep -q 'HEALTHCHECK .*CMD \["pm2", "ready"\]' "$ROOT/container/Dockerfile.node"
	# the node image's copy of the example apps exists
	for f in $(sed -n 's/^COPY \(examples.*\) \.\/$/\1/p' "$ROOT/container/Dockerfile.node"); do
		[ -f "$ROOT/$f" ]
	done
}
