#!/usr/bin/env bats
# Everyday operations: signals, save/resurrect, startup, env, pid, id.

load helpers

make_trapper() { # name: an app that reports the signals it gets
	cat >"$1.sh" <<'SH'
#!/bin/sh
for s in USR1 USR2 HUP; do trap "echo got $s" $s; done
trap 'exit 0' INT
echo started
while :; do sleep 0.1; done
SH
	chmod +x "$1.sh"
}

@test "sendSignal by name with or without SIG, or by number, to every instance" {
	make_trapper t
	"$PM2" start t.sh -i 2 >/dev/null
	both_started() { [ "$(grep -c ^started "$PM2_HOME/logs/t-out.log")" -ge 2 ]; }
	wait_until 5 both_started
	run "$PM2" sendSignal SIGUSR2 t
	assert_success
	assert_output "[PM2] successfully sent signal SIGUSR2 to process name t"
	two() { [ "$(grep -c "got $1" "$PM2_HOME/logs/t-out.log")" -ge 2 ]; }
	wait_until 5 two USR2
	"$PM2" sendSignal USR1 t >/dev/null
	wait_until 5 two USR1
	run "$PM2" sendSignal 1 0
	assert_success
	assert_output --partial "to process id 0"
	wait_until 5 grep -q "got HUP" "$PM2_HOME/logs/t-out.log"
}

@test "sendSignal with a bad signal or target fails clearly" {
	make_trapper t
	"$PM2" start t.sh >/dev/null
	run "$PM2" sendSignal SIGNOPE t
	assert_failure 1
	assert_output "[PM2][ERROR] Invalid signal: SIGNOPE"
	run "$PM2" sendSignal 999 t
	assert_failure 1
	run "$PM2" sendSignal SIGUSR1 nope
	assert_failure 1
	assert_output --partial "Process or Namespace nope not found"
	run "$PM2" sendSignal SIGUSR1
	assert_failure 1
	is_status t online
}

@test "save writes dump.pm2 atomically and keeps the previous one as .bak" {
	make_sleeper a
	make_sleeper b
	"$PM2" start a.sh >/dev/null
	run "$PM2" save
	assert_success
	assert_output --partial "Successfully saved in $PM2_HOME/dump.pm2"
	[ "$(jq -r '.[].name' "$PM2_HOME/dump.pm2")" = a ]
	[ "$(stat -c %a "$PM2_HOME/dump.pm2")" = 600 ]
	"$PM2" start b.sh >/dev/null
	"$PM2" save >/dev/null
	[ "$(jq -r '[.[].name] | join(",")' "$PM2_HOME/dump.pm2")" = "a,b" ]
	[ "$(jq -r '[.[].name] | join(",")' "$PM2_HOME/dump.pm2.bak")" = "a" ]
	[ ! -e "$PM2_HOME/dump.pm2.tmp" ]
}

@test "an empty list is not saved without --force" {
	"$PM2" ping >/dev/null
	run "$PM2" save
	assert_success
	assert_output --partial "PM2 is not managing any process, skipping save"
	[ ! -e "$PM2_HOME/dump.pm2" ]
	run "$PM2" save --force
	assert_success
	[ "$(cat "$PM2_HOME/dump.pm2" | jq length)" = 0 ]
}

@test "resurrect brings back the saved apps, instances, args and env" {
	"$PM2" start "$FIXTURES/echo-env.sh" --name web -i 2 -- x y >/dev/null
	MY_VAR=kept "$PM2" start "$FIXTURES/echo-env.sh" --name job >/dev/null
	"$PM2" save >/dev/null
	"$PM2" kill >/dev/null
	run "$PM2" resurrect
	assert_success
	assert_output --partial "Restoring processes located in $PM2_HOME/dump.pm2"
	run jl '[.[] | .name] | sort | join(",")'
	assert_output "job,web,web"
	is_status web online
	[ "$(jl '.[] | select(.name=="job") | .pm2_env.env.MY_VAR')" = kept ]
	[ "$(jl '[.[] | select(.name=="web")][0].pm2_env.args | join(" ")')" = "x y" ]
	# a second resurrect does not duplicate what runs
	"$PM2" resurrect >/dev/null
	[ "$(jl length)" = 3 ]
}

@test "resurrect falls back to dump.pm2.bak when the dump is broken" {
	make_sleeper a
	"$PM2" start a.sh >/dev/null
	"$PM2" save >/dev/null
	"$PM2" save >/dev/null
	"$PM2" kill >/dev/null
	echo '{ broken' >"$PM2_HOME/dump.pm2"
	run "$PM2" resurrect
	assert_success
	assert_output --partial "using $PM2_HOME/dump.pm2.bak"
	is_status a online
}

@test "resurrect reads a dump written by PM2 itself" {
	mkdir -p "$PM2_HOME"
	cat >"$PM2_HOME/dump.pm2" <<JSON
[{"name":"legacy","pm_exec_path":"$FIXTURES/echo-env.sh","pm_cwd":"$WORK","exec_interpreter":"none",
  "exec_mode":"fork_mode","instances":1,"status":"online","pm_id":4,"restart_time":3,
  "env":{"PATH":"/usr/bin:/bin","NODE_ENV":"legacy"},"axm_actions":[],"vizion":true}]
JSON
	run "$PM2" resurrect
	assert_success
	is_status legacy online
	wait_until 5 grep -q "NODE_ENV=legacy" "$PM2_HOME/logs/legacy-out.log"
}

@test "cleardump empties the dump" {
	make_sleeper a
	"$PM2" start a.sh >/dev/null
	"$PM2" save >/dev/null
	run "$PM2" cleardump
	assert_success
	[ "$(jq length "$PM2_HOME/dump.pm2")" = 0 ]
	run "$PM2" resurrect
	assert_success
}

@test "resurrect without a dump is an error" {
	run "$PM2" resurrect
	assert_failure 1
	assert_output --partial "No processes saved"
}

@test "startup writes a systemd unit that resurrects, unstartup removes it" {
	export PM2_SYSTEMD_DIR=$WORK/units
	run "$PM2" startup
	assert_success
	unit="$WORK/units/pm2-$(id -un).service"
	[ -f "$unit" ]
	grep -q "^ExecStart=.* resurrect$" "$unit"
	grep -q "^ExecStop=.* kill$" "$unit"
	grep -q "^Environment=PM2_HOME=$PM2_HOME$" "$unit"
	grep -q "^PIDFile=$PM2_HOME/pm2.pid$" "$unit"
	grep -q "^Type=forking$" "$unit"
	# the ExecStart binary is this very binary
	bin=$(sed -n 's/^ExecStart=\(.*\) resurrect$/\1/p' "$unit")
	[ "$(readlink -f "$bin")" = "$(readlink -f "$PM2")" ]
	run "$PM2" unstartup
	assert_success
	[ ! -e "$unit" ]
	run "$PM2" startup upstart
	assert_failure 1
}

@test "restart keeps the env captured at start; --update-env refreshes it" {
	FOO=one "$PM2" start "$FIXTURES/echo-env.sh" --name e >/dev/null
	FOO=two "$PM2" restart e >/dev/null
	[ "$(jl '.[0].pm2_env.env.FOO')" = one ]
	FOO=two "$PM2" restart e --update-env >/dev/null
	[ "$(jl '.[0].pm2_env.env.FOO')" = two ]
	is_status e online
}

@test "starting from an ecosystem file refreshes the env of a running app" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"e","script":"echo-env.sh","env":{"V":"1"}}]}' >eco.json
	"$PM2" start eco.json >/dev/null
	echo '{"apps":[{"name":"e","script":"echo-env.sh","env":{"V":"2"}}]}' >eco.json
	"$PM2" start eco.json >/dev/null
	[ "$(jl '.[0].pm2_env.env.V')" = 2 ]
	[ "$(jl length)" = 1 ]
}

@test "env prints an app's environment" {
	BAR=baz "$PM2" start "$FIXTURES/echo-env.sh" --name e >/dev/null
	run "$PM2" env 0
	assert_success
	assert_line "BAR: baz"
	run "$PM2" env 9
	assert_failure 1
}

@test "pid and id" {
	make_sleeper a
	"$PM2" start a.sh -i 2 >/dev/null
	make_sleeper b
	"$PM2" start b.sh >/dev/null
	run "$PM2" id a
	assert_output "[ 0, 1 ]"
	run "$PM2" id nope
	assert_output "[]"
	run "$PM2" pid b
	assert_output "$(pid_of b)"
	run "$PM2" pid
	[ "${#lines[@]}" -eq 3 ]
}

@test "namespaces: --namespace sets it, a namespace is a target" {
	make_sleeper a
	make_sleeper b
	make_sleeper c
	"$PM2" start a.sh --namespace blue >/dev/null
	"$PM2" start b.sh --namespace blue >/dev/null
	"$PM2" start c.sh >/dev/null
	[ "$(jl '.[] | select(.name=="a") | .pm2_env.namespace')" = blue ]
	"$PM2" stop blue >/dev/null
	is_status a stopped
	is_status b stopped
	is_status c online
}

@test "filter_env keeps the CLI's variables from an app: all of them, or by prefix" {
	cp "$FIXTURES/echo-env.sh" .
	echo '{"apps":[{"name":"a","script":"echo-env.sh","filter_env":["SECRET_","AWS"],"env":{"KEEP":"1"}},
	              {"name":"b","script":"echo-env.sh","filter_env":true,"env":{"KEEP":"1"}}]}' >eco.json
	SECRET_TOKEN=x AWS_KEY=y OTHER=z "$PM2" start eco.json >/dev/null
	run jl '.[] | select(.name=="a") | .pm2_env.env | [has("SECRET_TOKEN"), has("AWS_KEY"), has("OTHER"), has("KEEP")] | map(tostring) | join(",")'
	assert_output "false,false,true,true"
	run jl '.[] | select(.name=="b") | .pm2_env.env | [has("OTHER"), has("PATH"), has("KEEP")] | map(tostring) | join(",")'
	assert_output "false,false,true"
}
