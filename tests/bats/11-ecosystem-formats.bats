#!/usr/bin/env bats
# Ecosystem files as PM2 users write them: ecosystem.config.js (and .cjs,
# .mjs) evaluated by node, JSON with comments, YAML, stdin, the default
# file, `pm2 ecosystem`, and startOrRestart / startOrReload.

load helpers

need_node() { command -v node >/dev/null || skip "node is not installed"; }

@test "ecosystem.config.js is evaluated by node: its env, its output, paths from its folder" {
	need_node
	mkdir conf
	cp "$FIXTURES/echo-env.sh" conf/
	cat >conf/ecosystem.config.js <<'JS'
const path = require('path');
console.log('reading the config');
module.exports = {
  apps: [{
    name: 'api-' + 'js',
    script: 'echo-env.sh',
    instances: 1 + 1,
    env: { NODE_ENV: 'development', FROM: process.env.FROM_CLI },
    env_production: { NODE_ENV: 'production' },
  }],
};
JS
	FROM_CLI=cli-value run "$PM2" start conf/ecosystem.config.js --env production
	assert_success
	assert_line --index 0 "reading the config"
	[ "$(jl 'length')" = 2 ]
	[ "$(jl '.[0].name')" = api-js ]
	[ "$(jl '.[0].pm2_env.pm_exec_path')" = "$WORK/conf/echo-env.sh" ]
	[ "$(jl '.[0].pm2_env.env.FROM')" = cli-value ]
	wait_until 5 grep -q "NODE_ENV=production" "$PM2_HOME/logs/api-js-out.log"
}

@test ".config.cjs and .config.mjs (export default) are read too" {
	need_node
	cp "$FIXTURES/echo-env.sh" .
	echo "module.exports = { apps: [{ name: 'cjs', script: 'echo-env.sh' }] }" >a.config.cjs
	echo "export default { apps: [{ name: 'esm', script: 'echo-env.sh' }] }" >b.config.mjs
	"$PM2" start a.config.cjs >/dev/null
	"$PM2" start b.config.mjs >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "cjs,esm"
}

@test "a JavaScript config that throws names the file and line; a bad key is checked like JSON" {
	need_node
	printf "const port = 3000;\nmodule.exports = { apps: [{ script: nope }] };\n" >ecosystem.config.js
	run "$PM2" start ecosystem.config.js
	assert_failure 1
	assert_output "[PM2][ERROR] ecosystem.config.js:2:37: ReferenceError: nope is not defined"
	echo "module.exports = { apps: [{ script: 'x.sh', instances: 'two' }] }" >ecosystem.config.js
	run "$PM2" start ecosystem.config.js
	assert_failure 1
	assert_output --partial 'ecosystem.config.js: "instances" must be a number or "max", got "two"'
	run "$PM2" jlist
	assert_output "[]"
}

@test "without node on PATH a JavaScript config is a clear error that suggests JSON" {
	mkdir nobin
	echo "module.exports = { apps: [] }" >ecosystem.config.js
	PATH=$WORK/nobin run "$PM2" start ecosystem.config.js
	assert_failure 1
	assert_output "[PM2][ERROR] ecosystem.config.js: reading a JavaScript ecosystem file needs node, and node is not on PATH; write the file as JSON (ecosystem.json) or YAML instead"
}

@test "JSON files may carry comments, as PM2's do, and errors keep their place" {
	cp "$FIXTURES/echo-env.sh" .
	cat >eco.json <<'JSON'
{
  // the web tier
  "apps": [
    /* first app */ { "name": "commented", "script": "echo-env.sh", "env": { "URL": "http://x//y" } }
  ]
}
JSON
	run "$PM2" start eco.json
	assert_success
	[ "$(jl '.[0].pm2_env.env.URL')" = "http://x//y" ]
	printf '{\n  // note\n  "apps": [{ /* c */ "script": "echo-env.sh",\n    "kill_timeout": "soon" }]\n}\n' >bad.json
	run "$PM2" start bad.json
	assert_failure 1
	assert_output '[PM2][ERROR] bad.json:4:5: "kill_timeout" must be a duration in ms (or "2s", "1m"), got "soon"'
}

@test "YAML files: block and flow style, env blocks with --env" {
	cp "$FIXTURES/echo-env.sh" .
	cat >ecosystem.yml <<'YAML'
# two apps
apps:
  - name: web
    script: echo-env.sh
    args: [alpha, "beta"]
    env:
      NODE_ENV: development
      PORT: 8080
    env_production:
      NODE_ENV: production
  - name: worker   # a second one
    script: ./echo-env.sh
    autorestart: false
YAML
	run "$PM2" start ecosystem.yml --env production
	assert_success
	run jl '[.[].name] | join(",")'
	assert_output "web,worker"
	[ "$(jl '.[0].pm2_env.env.PORT')" = 8080 ]
	[ "$(jl '.[1].pm2_env.autorestart')" = false ]
	wait_until 5 grep -q "NODE_ENV=production args=alpha beta" "$PM2_HOME/logs/web-out.log"
}

@test "YAML mistakes name the line and column" {
	printf 'apps:\n  - name: a\n    script: a.sh\n   instances: 2\n' >indent.yaml
	run "$PM2" start indent.yaml
	assert_failure 1
	assert_output "[PM2][ERROR] indent.yaml:4:4: bad indentation of a mapping entry"
	printf 'apps:\n  - name: a\n    script: a.sh\n    max_restarts: many\n' >typed.yml
	run "$PM2" start typed.yml
	assert_failure 1
	assert_output '[PM2][ERROR] typed.yml:4:5: "max_restarts" must be a whole number >= 0, got "many"'
	printf 'apps:\n  - name: a\n    script: a.sh\n    colour: blue\n' >warn.yml
	cp "$FIXTURES/echo-env.sh" a.sh
	run "$PM2" start warn.yml
	assert_success
	assert_output --partial '[PM2][WARN] warn.yml:4:5: unknown key "colour" ignored'
}

@test "pm2 start - reads the apps as JSON from stdin" {
	cp "$FIXTURES/echo-env.sh" .
	run "$PM2" start - <<<'{"apps":[{"name":"piped","script":"echo-env.sh"}]} // from a pipe'
	assert_success
	is_status piped online
	[ "$(jl '.[0].pm2_env.pm_exec_path')" = "$WORK/echo-env.sh" ]
	run "$PM2" start - <<<'{"apps":[{"name":"x","script":"echo-env.sh","instances":"two"}]}'
	assert_failure 1
	assert_output '[PM2][ERROR] stdin:1:45: "instances" must be a number or "max", got "two"'
}

@test "pm2 start with no argument uses ecosystem.config.js, then .cjs, then .json" {
	cp "$FIXTURES/echo-env.sh" .
	run "$PM2" start
	assert_failure 1
	assert_output --partial "no ecosystem file here"
	echo '{"apps":[{"name":"from-json","script":"echo-env.sh"}]}' >ecosystem.json
	"$PM2" start >/dev/null
	[ "$(jl '[.[].name] | join(",")')" = from-json ]
	command -v node >/dev/null || return 0
	echo "module.exports = { apps: [{ name: 'from-cjs', script: 'echo-env.sh' }] }" >ecosystem.config.cjs
	"$PM2" start >/dev/null
	echo "module.exports = { apps: [{ name: 'from-js', script: 'echo-env.sh' }] }" >ecosystem.config.js
	"$PM2" start >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "from-json,from-cjs,from-js"
}

@test "pm2 ecosystem / init writes a sample file, and never overwrites one unasked" {
	run "$PM2" init
	assert_success
	assert_output "File $WORK/ecosystem.config.js generated"
	if command -v node >/dev/null; then
		run node -e 'const c = require(process.argv[1]); console.log(c.apps[0].script, Object.keys(c.deploy))' "$WORK/ecosystem.config.js"
		assert_output "index.js [ 'production' ]"
	fi
	run "$PM2" ecosystem
	assert_failure 1
	assert_output --partial "ecosystem.config.js already exists (use --force to overwrite it)"
	"$PM2" ecosystem simple --force >/dev/null
	grep -q "app1" ecosystem.config.js
	cp "$FIXTURES/echo-env.sh" index.js
	"$PM2" ecosystem json >/dev/null
	"$PM2" ecosystem yaml >/dev/null
	"$PM2" start ecosystem.json --interpreter sh >/dev/null
	is_status app online
	"$PM2" delete all >/dev/null
	"$PM2" start ecosystem.yml --interpreter sh --env production >/dev/null
	wait_until 5 grep -q "NODE_ENV=production" "$PM2_HOME/logs/app-out.log"
	if command -v node >/dev/null; then
		run node -e 'const c = require(process.argv[1]); console.log(c.apps[0].script, c.deploy)' "$WORK/ecosystem.config.js"
		assert_output "./app.js undefined"
	fi
}

@test "startOrRestart starts what is missing and restarts what runs, with the file's new env" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"a","script":"echo-env.sh","env":{"V":"1"}}]}' >eco.json
	"$PM2" start eco.json >/dev/null
	pid=$(pid_of a)
	echo '{"apps":[{"name":"a","script":"echo-env.sh","env":{"V":"2"}},{"name":"b","script":"echo-env.sh"}]}' >eco.json
	run "$PM2" startOrRestart eco.json
	assert_success
	assert_line "[PM2] Applying action restartProcessId on app [a](ids: [ 0 ])"
	assert_line "[PM2] [a](0) ✓"
	assert_line "[PM2][WARN] Applications b not running, starting..."
	assert_line "[PM2] App [b] launched (1 instances)"
	is_status a online
	is_status b online
	[ "$(pid_of a)" != "$pid" ]
	[ "$(restarts_of a)" = 1 ]
	[ "$(jl '.[] | select(.name=="a") | .pm2_env.env.V')" = 2 ]
}

@test "startOrReload and startOrGracefulReload do the same, as a reload" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"r","script":"echo-env.sh"}]}' >eco.json
	run "$PM2" startOrReload eco.json
	assert_success
	assert_line "[PM2] App [r] launched (1 instances)"
	run "$PM2" startOrGracefulReload eco.json
	assert_success
	assert_line "[PM2] Applying action reloadProcessId on app [r](ids: [ 0 ])"
	is_status r online
	[ "$(restarts_of r)" = 1 ]
}

@test "pm2 start <file> again restarts its apps with the file's new settings, as PM2 does" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"s","script":"echo-env.sh","env":{"V":"old"}}]}' >eco.json
	"$PM2" start eco.json >/dev/null
	echo '{"apps":[{"name":"s","script":"echo-env.sh","env":{"V":"new"}}]}' >eco.json
	run "$PM2" start eco.json
	assert_success
	assert_line "[PM2] Applying action restartProcessId on app [s](ids: [ 0 ])"
	[ "$(jl 'length')" = 1 ]
	[ "$(jl '.[0].pm2_env.env.V')" = new ]
}
