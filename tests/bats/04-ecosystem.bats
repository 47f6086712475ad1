#!/usr/bin/env bats
# Ecosystem JSON files as PM2 users write them.

load helpers

@test "an apps array starts every app, with paths relative to the file" {
	mkdir -p conf
	cp "$FIXTURES/echo-env.sh" conf/
	cat >conf/ecosystem.json <<'JSON'
{
  "apps": [
    { "name": "one", "script": "echo-env.sh", "args": ["a", "b"] },
    { "name": "two", "script": "./echo-env.sh", "instances": 2 }
  ],
  "deploy": { "production": { "user": "deploy", "host": "example.org" } }
}
JSON
	run "$PM2" start conf/ecosystem.json
	assert_success
	[ "$(jl 'length')" = 3 ]
	run jl '.[] | .name' 
	assert_output "one
two
two"
	[ "$(jl '.[0].pm2_env.pm_exec_path')" = "$WORK/conf/echo-env.sh" ]
	[ "$(jl '.[0].pm2_env.pm_cwd')" = "$WORK/conf" ]
	wait_until 5 grep -q "args=a b" "$PM2_HOME/logs/one-out.log"
}

@test "a bare app object and a bare array are accepted" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{ "name": "solo", "script": "echo-env.sh" }' >solo.json
	echo '[{ "name": "first", "script": "echo-env.sh" }, { "name": "second", "script": "echo-env.sh" }]' >list.json
	"$PM2" start solo.json >/dev/null
	"$PM2" start list.json >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "solo,first,second"
}

@test "env blocks: env, then env_<name> with --env <name>" {
	cp "$FIXTURES/echo-env.sh" .
	cat >eco.json <<'JSON'
{ "apps": [{
  "name": "api", "script": "echo-env.sh",
  "env": { "NODE_ENV": "development", "PORT": 3000, "DEBUG": true },
  "env_production": { "NODE_ENV": "production" }
}]}
JSON
	"$PM2" start eco.json --env production >/dev/null
	wait_until 5 grep -q "NODE_ENV=production" "$PM2_HOME/logs/api-out.log"
	[ "$(jl '.[0].pm2_env.env.PORT')" = 3000 ]
	[ "$(jl '.[0].pm2_env.env.DEBUG')" = true ]
	"$PM2" delete all >/dev/null
	"$PM2" start eco.json >/dev/null
	[ "$(jl '.[0].pm2_env.env.NODE_ENV')" = development ]
}

@test "--only starts the named apps" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"a","script":"echo-env.sh"},{"name":"b","script":"echo-env.sh"},{"name":"c","script":"echo-env.sh"}]}' >eco.json
	"$PM2" start eco.json --only a,c >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "a,c"
	run "$PM2" start eco.json --only zzz
	assert_failure 1
	assert_output --partial "no app to start matching --only zzz"
}

@test "PM2's aliases and value forms are understood" {
	cp "$FIXTURES/echo-env.sh" .
	cat >eco.json <<'JSON'
{ "apps": [{
  "name": "al", "exec": "echo-env.sh",
  "output": "out/al.log", "err": "out/al.err",
  "combine_logs": true, "min_uptime": "2s", "kill_timeout": "3000",
  "max_restarts": "4", "restart_delay": 250, "autorestart": "true",
  "stop_exit_codes": 3, "interpreter": "sh"
}]}
JSON
	"$PM2" start eco.json >/dev/null
	run jl '.[0].pm2_env | [.min_uptime, .kill_timeout, .max_restarts, .restart_delay, .autorestart, (.stop_exit_codes|tostring), .merge_logs, .exec_interpreter] | map(tostring) | join(" ")'
	assert_output "2000 3000 4 250 true [3] true sh"
	[ "$(jl '.[0].pm2_env.pm_out_log_path')" = "$WORK/out/al.log" ]
	wait_until 5 grep -q "name=al" out/al.log
	[ -f out/al.err ]
}

@test "unknown keys warn with their place and are ignored" {
	cp "$FIXTURES/echo-env.sh" .
	printf '{\n  "apps": [{\n    "name": "w",\n    "script": "echo-env.sh",\n    "colour": "blue"\n  }]\n}\n' >eco.json
	run "$PM2" start eco.json
	assert_success
	assert_output --partial '[PM2][WARN] eco.json:5:5: unknown key "colour" ignored'
	is_status w online
}

@test "malformed JSON names the file, line and column" {
	printf '{\n  "apps": [\n    { "name": "x", "script": "a.sh", }\n  ]\n}\n' >bad.json
	run "$PM2" start bad.json
	assert_failure 1
	assert_output --partial "[PM2][ERROR] bad.json:3:"
	assert_output --partial "invalid JSON"
}

@test "an ill-typed key names the file, line, column and key" {
	printf '{\n  "apps": [{\n    "name": "x",\n    "script": "a.sh",\n    "instances": "two"\n  }]\n}\n' >typed.json
	run "$PM2" start typed.json
	assert_failure 1
	assert_output '[PM2][ERROR] typed.json:5:5: "instances" must be a number or "max", got "two"'
	printf '{"apps":[{"name":"x","script":"a.sh","env":{"A":[1]}}]}' >env.json
	run "$PM2" start env.json
	assert_failure 1
	assert_output --partial 'env.json:1:45: "env": variable "A" must be a string, number or boolean'
}

@test "an app without a script, or apps that are not a list, are errors" {
	echo '{"apps":[{"name":"noscript"}]}' >a.json
	run "$PM2" start a.json
	assert_failure 1
	assert_output --partial 'a.json:1:10: app has no "script"'
	echo '{"apps": 42}' >b.json
	run "$PM2" start b.json
	assert_failure 1
	assert_output --partial 'b.json:1:2: "apps" must be a list of apps'
	echo '{"name": "x"}' >c.json
	run "$PM2" start c.json
	assert_failure 1
	assert_output --partial 'no "apps" in this file'
}

@test "a bad app in a file starts none of them" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"good","script":"echo-env.sh"},{"name":"bad","script":"echo-env.sh","max_restarts":"lots"}]}' >eco.json
	run "$PM2" start eco.json
	assert_failure 1
	assert_output --partial '"max_restarts" must be a whole number'
	run "$PM2" jlist
	assert_output "[]"
}

@test "stop, restart and delete accept the ecosystem file" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"a","script":"echo-env.sh"},{"name":"b","script":"echo-env.sh"}]}' >eco.json
	make_sleeper other
	"$PM2" start eco.json >/dev/null
	"$PM2" start other.sh >/dev/null
	"$PM2" stop eco.json >/dev/null
	is_status a stopped
	is_status b stopped
	is_status other online
	"$PM2" restart eco.json >/dev/null
	is_status a online
	"$PM2" delete eco.json >/dev/null
	run jl '[.[].name] | join(",")'
	assert_output "other"
}

@test "an absurdly nested or oversized file is refused" {
	python3 -c 'print("[" * 200 + "]" * 200)' >deep.json
	run "$PM2" start deep.json
	assert_failure 1
	assert_output --partial "deep.json: nested deeper than"
	head -c 5000000 /dev/zero | tr '\0' ' ' >huge.json
	run "$PM2" start huge.json
	assert_failure 1
	assert_output --partial "huge.json: file is larger than"
}
