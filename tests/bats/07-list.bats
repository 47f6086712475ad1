#!/usr/bin/env bats
# ls, jlist, prettylist, describe: PM2's shapes.

load helpers

@test "ls prints PM2's table, columns and widths included" {
	make_sleeper api
	make_sleeper worker
	"$PM2" start api.sh >/dev/null
	"$PM2" start worker.sh >/dev/null
	"$PM2" stop all >/dev/null
	run "$PM2" ls
	assert_success
	user=$(id -un)
	expected=$(cat <<TABLE
┌────┬───────────┬─────────────┬─────────┬─────────┬──────────┬────────┬──────┬───────────┬──────────┬──────────┬──────────┬──────────┐
│ id │ name      │ namespace   │ version │ mode    │ pid      │ uptime │ ↺    │ status    │ cpu      │ mem      │ user     │ watching │
├────┼───────────┼─────────────┼─────────┼─────────┼──────────┼────────┼──────┼───────────┼──────────┼──────────┼──────────┼──────────┤
│ 0  │ api       │ default     │ N/A     │ fork    │ 0        │ 0      │ 0    │ stopped   │ 0%       │ 0b       │ $(printf '%-8s' "$user") │ disabled │
│ 1  │ worker    │ default     │ N/A     │ fork    │ 0        │ 0      │ 0    │ stopped   │ 0%       │ 0b       │ $(printf '%-8s' "$user") │ disabled │
└────┴───────────┴─────────────┴─────────┴─────────┴──────────┴────────┴──────┴───────────┴──────────┴──────────┴──────────┴──────────┘
TABLE
)
	assert_output "$expected"
}

@test "an empty list is a header and a bottom rule" {
	"$PM2" ping >/dev/null
	run "$PM2" ls
	assert_success
	assert_line --index 1 --partial "│ id │ name      │ namespace"
	assert_line --index 2 --partial "└────┴───────────┴"
}

@test "every list alias works" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	for cmd in ls list l ps status; do
		run "$PM2" $cmd
		assert_success
		assert_output --partial "│ s "
		assert_output --partial "online"
	done
}

@test "online apps show pid, uptime, cpu and memory" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	pid=$(pid_of s)
	wait_until 5 started s
	run "$PM2" ls
	assert_output --regexp "│ 0  │ s    │ default     │ N/A     │ fork    │ $pid +│ [0-9]+s +│ 0    │ online    │ [0-9.]+% +│ [0-9.]+(kb|mb) +│"
}

@test "colours: on with FORCE_COLOR, off with --no-color or NO_COLOR" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	unset NO_COLOR
	FORCE_COLOR=1 run "$PM2" ls
	assert_output --partial $'\e[32m\e[1monline\e[0m'
	FORCE_COLOR=1 run "$PM2" ls --no-color
	refute_output --partial $'\e['
	FORCE_COLOR=1 NO_COLOR=1 run "$PM2" ls
	refute_output --partial $'\e['
	# not a terminal: no colours by default
	run "$PM2" ls
	refute_output --partial $'\e['
}

@test "ls --sort orders by a field, ascending or descending" {
	for n in b c a; do make_sleeper $n; "$PM2" start $n.sh >/dev/null; done
	names() { "$PM2" ls "$@" | awk -F'│' 'NR>3 && NF>3 {gsub(/ /,"",$3); print $3}' | tr '\n' ' '; }
	[ "$(names)" = "a b c " ]
	[ "$(names --sort name:desc)" = "c b a " ]
	[ "$(names --sort id)" = "b c a " ]
	[ "$(names --sort id:desc)" = "a c b " ]
}

@test "a long name is cut with an ellipsis at 40 columns" {
	long=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ
	make_sleeper s
	"$PM2" start s.sh --name $long >/dev/null
	run "$PM2" ls
	assert_output --partial "│ abcdefghijklmnopqrstuvwxyz0123456789A… │"
}

@test "jlist is PM2's JSON shape" {
	make_sleeper s
	NODE_ENV=test "$PM2" start s.sh >/dev/null
	wait_until 5 started s
	run "$PM2" jlist
	assert_success
	echo "$output" | jq -e 'type == "array" and length == 1'
	p=$(echo "$output" | jq '.[0]')
	echo "$p" | jq -e '.pid > 0 and .name == "s" and .pm_id == 0'
	echo "$p" | jq -e '.monit.memory > 0 and (.monit.cpu | type) == "number"'
	echo "$p" | jq -e '.pm2_env | .status == "online" and .restart_time == 0 and .unstable_restarts == 0'
	echo "$p" | jq -e '.pm2_env | .exec_mode == "fork_mode" and .pm_exec_path == "'"$WORK"'/s.sh" and .pm_cwd == "'"$WORK"'"'
	echo "$p" | jq -e '.pm2_env | (.pm_uptime > 1600000000000) and (.created_at > 1600000000000)'
	echo "$p" | jq -e '.pm2_env | .pm_out_log_path == "'"$PM2_HOME"'/logs/s-out.log" and .pm_err_log_path == "'"$PM2_HOME"'/logs/s-error.log" and .pm_pid_path == "'"$PM2_HOME"'/pids/s-0.pid"'
	echo "$p" | jq -e '.pm2_env | .env.NODE_ENV == "test" and .namespace == "default" and .exec_interpreter == "bash" and .instances == 1'
}

@test "version comes from the nearest package.json, read again at each start" {
	mkdir -p svc/src/deep broken/lib
	printf '{"name": "svc", "version": "1.2.3"}' >svc/package.json
	# a package.json that does not parse is passed over, as PM2 does
	printf '{"version": ' >svc/src/package.json
	make_sleeper app && mv app.sh svc/src/deep/app.sh
	printf '\xef\xbb\xbf{"version": "0.9.0-beta.1"}' >broken/package.json
	make_sleeper lib && mv lib.sh broken/lib/lib.sh
	make_sleeper bare
	"$PM2" start svc/src/deep/app.sh >/dev/null
	"$PM2" start broken/lib/lib.sh >/dev/null
	"$PM2" start bare.sh >/dev/null
	[ "$(jl '.[] | select(.name=="app") | .pm2_env.version')" = 1.2.3 ]
	[ "$(jl '.[] | select(.name=="lib") | .pm2_env.version')" = 0.9.0-beta.1 ]
	[ "$(jl '.[] | select(.name=="bare") | .pm2_env.version')" = N/A ]
	run "$PM2" ls
	assert_line --regexp '│ 0 +│ app +│ default +│ 1\.2\.3 +│ fork'
	run "$PM2" describe app
	assert_line --regexp '│ version +│ 1\.2\.3 +│'
	printf '{"version": "1.3.0"}' >svc/package.json
	[ "$(jl '.[] | select(.name=="app") | .pm2_env.version')" = 1.2.3 ]
	"$PM2" restart app >/dev/null
	[ "$(jl '.[] | select(.name=="app") | .pm2_env.version')" = 1.3.0 ]
}

@test "prettylist is jlist, indented one key per line" {
	make_sleeper s
	"$PM2" start s.sh >/dev/null
	run "$PM2" prettylist
	assert_success
	[ "$(echo "$output" | jq -c '.[0].name')" = '"s"' ]
	assert_line --regexp '^		"name":	"s",$'
}

@test "describe shows PM2's rows for an app, by name or id" {
	make_sleeper s
	"$PM2" start s.sh -- one two >/dev/null
	for target in s 0; do
		run "$PM2" describe $target
		assert_success
		assert_line --index 0 " Describing process with id 0 - name s "
		assert_output --regexp "│ status +│ online +│"
		assert_output --regexp "│ script path +│ $WORK/s.sh +│"
		assert_output --regexp "│ script args +│ one two +│"
		assert_output --regexp "│ out log path +│ $PM2_HOME/logs/s-out.log +│"
		assert_output --regexp "│ exec mode +│ fork_mode +│"
		assert_output --regexp "│ restarts +│ 0 +│"
	done
	for alias in info show; do
		run "$PM2" $alias s
		assert_success
	done
	run "$PM2" describe nope
	assert_failure 1
}
