#!/usr/bin/env bats
# The built-in pm2-logrotate: install, settings in module_conf.json,
# rotation by size with retain, by cron, gzip, and PM2's own log.

load helpers
load logs_helpers

rotated() { # file stem: the rotated copies of $PM2_HOME/logs/<stem>.log
	ls "$PM2_HOME/logs/" | grep -cE "^$1__[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]+)?\.log(\.gz)?$" || true
}
rotated_at_least() { [ "$(rotated "$1")" -ge "$2" ]; }

@test "install pm2-logrotate writes the module's defaults; get, set, conf, unset" {
	run "$PM2" install pm2-logrotate
	assert_success
	assert_line "Module: pm2-logrotate"
	assert_line '$ pm2 set pm2-logrotate:max_size 10M'
	assert_line '$ pm2 set pm2-logrotate:retain 30'
	assert_line '$ pm2 set pm2-logrotate:compress false'
	assert_line '$ pm2 set pm2-logrotate:dateFormat YYYY-MM-DD_HH-mm-ss'
	assert_line '$ pm2 set pm2-logrotate:workerInterval 30'
	assert_line '$ pm2 set pm2-logrotate:rotateInterval 0 0 * * *'
	assert_line '$ pm2 set pm2-logrotate:rotateModule true'
	assert_line "[PM2][Module] Module successfully installed and launched"
	[ "$(jq -r '."pm2-logrotate".max_size' "$PM2_HOME/module_conf.json")" = 10M ]
	[ "$(jq -c '."module-db-v2"' "$PM2_HOME/module_conf.json")" = '{"pm2-logrotate":{}}' ]
	# PM2's layout: four spaces
	grep -q '^    "pm2-logrotate": {$' "$PM2_HOME/module_conf.json"

	run "$PM2" set pm2-logrotate:max_size 1G
	assert_success
	assert_line "[PM2] Setting changed"
	assert_line '$ pm2 set pm2-logrotate:max_size 1G'
	run "$PM2" get pm2-logrotate:max_size
	assert_output "Value for module pm2-logrotate key max_size: 1G"
	run "$PM2" conf pm2-logrotate:retain 5
	assert_success
	[ "$(jq -r '."pm2-logrotate".retain' "$PM2_HOME/module_conf.json")" = 5 ]
	run "$PM2" conf
	assert_line '$ pm2 set pm2-logrotate:retain 5'
	run "$PM2" unset pm2-logrotate:retain
	assert_success
	[ "$(jq -r '."pm2-logrotate".retain' "$PM2_HOME/module_conf.json")" = null ]
	run "$PM2" get pm2-logrotate:retain
	assert_failure 1
	assert_output --partial "pm2-logrotate:retain is not set"
}

@test "bad settings are refused with the reason; other modules cannot be installed" {
	run "$PM2" set pm2-logrotate:max_size lots
	assert_failure 1
	assert_output --partial 'pm2-logrotate:max_size must be a size like 10M, 512K or 1G, got "lots"'
	run "$PM2" set pm2-logrotate:compress maybe
	assert_failure 1
	assert_output --partial "pm2-logrotate:compress must be true or false"
	run "$PM2" set pm2-logrotate:rotateInterval "0 25 * * *"
	assert_failure 1
	assert_output --partial 'pm2-logrotate:rotateInterval hour "25" is out of range 0-23'
	run "$PM2" set pm2-logrotate:max_size
	assert_failure 1
	run "$PM2" install pm2-server-monit
	assert_failure 1
	assert_output --partial "only the built-in pm2-logrotate can be installed"
	[ ! -e "$PM2_HOME/module_conf.json" ] || ! grep -q lots "$PM2_HOME/module_conf.json"
}

@test "rotation by size keeps the newest files, as many as retain says" {
	make_ticker t 0.002
	"$PM2" install pm2-logrotate >/dev/null
	"$PM2" set pm2-logrotate:max_size 4K >/dev/null
	"$PM2" set pm2-logrotate:retain 3 >/dev/null
	"$PM2" start t.sh >/dev/null
	several() { [ "$(grep -c "rotated $PM2_HOME/logs/t-out.log" "$PM2_HOME/pm2.log")" -ge 6 ]; }
	wait_until 30 several
	"$PM2" stop t >/dev/null
	[ "$(rotated t-out)" -eq 3 ]
	for f in "$PM2_HOME"/logs/t-out__*; do
		[ "$(file_size "$f")" -ge 4096 ]
		[ "$(head -c 5 "$f")" = "tick " ] # starts on a whole line
	done
	# what is left is the latest stretch of ticks, in order, no gaps
	cat $(ls -tr "$PM2_HOME"/logs/t-out__*) "$PM2_HOME/logs/t-out.log" | cut -d' ' -f2 >ticks.txt
	first=$(head -1 ticks.txt)
	last=$(tail -1 ticks.txt)
	cmp <(seq "$first" "$last") ticks.txt
}

@test "rotation loses no line: everything across the rotated files, once, in order" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	make_counter count.py 100000
	"$PM2" install pm2-logrotate >/dev/null
	"$PM2" set pm2-logrotate:max_size 50K >/dev/null
	"$PM2" set pm2-logrotate:retain all >/dev/null
	"$PM2" start count.py --no-autorestart >/dev/null
	wait_until 60 is_status count stopped
	all_there() { [ "$(cat "$PM2_HOME"/logs/count-out* | wc -l)" -ge 100000 ]; }
	wait_until 10 all_there
	[ "$(rotated count-out)" -ge 5 ]
	cat $(ls -tr "$PM2_HOME"/logs/count-out__*) "$PM2_HOME/logs/count-out.log" | has_all_lines 100000
}

@test "compress: rotated files are gzipped and read back whole" {
	command -v gzip >/dev/null || skip "gzip is not installed"
	make_ticker t 0.002
	"$PM2" install pm2-logrotate >/dev/null
	"$PM2" set pm2-logrotate:max_size 8K >/dev/null
	"$PM2" set pm2-logrotate:compress true >/dev/null
	"$PM2" start t.sh >/dev/null
	two_gz() { [ "$(ls "$PM2_HOME"/logs/t-out__*.log.gz 2>/dev/null | wc -l)" -ge 2 ]; }
	wait_until 30 two_gz
	for f in "$PM2_HOME"/logs/t-out__*.log.gz; do
		gzip -t "$f"
		[ "$(zcat "$f" | wc -c)" -ge 8192 ]
		zcat "$f" | cut -d' ' -f2 >ticks.txt
		cmp <(seq "$(head -1 ticks.txt)" "$(tail -1 ticks.txt)") ticks.txt
	done
	no_plain_left() { ! ls "$PM2_HOME"/logs/t-out__*.log >/dev/null 2>&1 || [ "$(ls "$PM2_HOME"/logs/t-out__*.log | wc -l)" -le 1 ]; }
	wait_until 5 no_plain_left
}

@test "rotateInterval forces a rotation of every non-empty file" {
	make_ticker t 0.05
	"$PM2" install pm2-logrotate >/dev/null
	"$PM2" start t.sh >/dev/null
	wait_until 5 grep -q "tick 2" "$PM2_HOME/logs/t-out.log"
	"$PM2" set pm2-logrotate:rotateInterval "* * * * * *" >/dev/null
	wait_until 10 rotated_at_least t-out 2
	# the error log is empty: nothing to rotate
	[ "$(rotated t-error)" -eq 0 ]
	# dateFormat names them (dayjs tokens; -N when one name comes twice)
	"$PM2" set pm2-logrotate:dateFormat "[day]DD" >/dev/null
	day_named() { ls "$PM2_HOME/logs" | grep -qE '^t-out__day[0-9]{2}(-[0-9]+)?\.log$'; }
	wait_until 10 day_named
}

@test "PM2's own log rotates too" {
	"$PM2" install pm2-logrotate >/dev/null
	"$PM2" set pm2-logrotate:max_size 1K >/dev/null
	make_ticker t
	for i in 1 2 3 4 5 6; do "$PM2" restart t >/dev/null 2>&1 || "$PM2" start t.sh >/dev/null; done
	ls "$PM2_HOME" | grep -qE '^pm2__[0-9_-]+\.log$'
	[ "$(file_size "$PM2_HOME/pm2.log")" -lt 4096 ]
	run "$PM2" ping
	assert_success
}

@test "without install, or after uninstall, nothing rotates" {
	make_ticker t 0.002
	"$PM2" set pm2-logrotate:max_size 2K >/dev/null
	"$PM2" start t.sh >/dev/null
	big() { [ "$(file_size "$PM2_HOME/logs/t-out.log")" -gt 6000 ]; }
	wait_until 20 big
	[ "$(rotated t-out)" -eq 0 ]
	"$PM2" install pm2-logrotate >/dev/null
	wait_until 10 rotated_at_least t-out 1
	run "$PM2" uninstall pm2-logrotate
	assert_success
	n=$(rotated t-out)
	"$PM2" flush t >/dev/null
	wait_until 20 big
	[ "$(rotated t-out)" -eq "$n" ]
	[ "$(jq -r '."pm2-logrotate".max_size' "$PM2_HOME/module_conf.json")" = 2K ]
}
