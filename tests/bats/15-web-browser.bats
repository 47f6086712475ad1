#!/usr/bin/env bats
# The status page in a real headless Chromium (Debian's chromium, driven by
# playwright-core from npm, installed at test time into build/, never
# committed). Skipped, with the reason, when chromium, node or npm is
# missing. Screenshots go to tests/out/. Ports 18750-18759.

load helpers

ROOT=$BATS_TEST_DIRNAME/../..

setup_file() {
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "no chromium (apt-get install chromium)"
	command -v node >/dev/null && command -v npm >/dev/null || skip "no node or npm"
	export PLAYWRIGHT_DIR=${PLAYWRIGHT_DIR:-$ROOT/build/playwright}
	if [ ! -d "$PLAYWRIGHT_DIR/node_modules/playwright-core" ]; then
		mkdir -p "$PLAYWRIGHT_DIR"
		(cd "$PLAYWRIGHT_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 \
			npm install --no-save --no-package-lock --no-audit --no-fund playwright-core@1) \
			>/dev/null 2>&1 || skip "cannot install playwright-core from npm"
	fi
}

setup() {
	common_setup
	PORT=$((18750 + BATS_TEST_NUMBER))
	mkdir -p "$ROOT/tests/out"
}

# page <mode> <apps>: drive the page; its JSON result in $output.
page() {
	PM2=$PM2 URL=http://127.0.0.1:$PORT/ MODE=$1 APPS=$2 TOKEN=${TOKEN:-} \
		SHOT=$ROOT/tests/out/web-$1.png run timeout 120 node "$ROOT/tests/browser/status-page.cjs"
	echo "$output"
}

@test "the page lists the apps, live, with buttons off when no token is configured" {
	make_sleeper api
	make_sleeper worker
	"$PM2" start api.sh -s
	"$PM2" start worker.sh -s
	"$PM2" web $PORT >/dev/null
	page readonly api,worker
	assert_success
	[ "$(jq -r '[.rows[].name] | join(",")' <<<"${lines[-1]}")" = api,worker ]
	# The page picked up, by itself, the stop made with the CLI.
	[ "$(jq -r .live <<<"${lines[-1]}")" = true ]
	[ -s "$ROOT/tests/out/web-readonly.png" ]
}

@test "a button press in the page restarts the app (and a wrong token does not)" {
	make_sleeper api
	make_sleeper worker
	"$PM2" start api.sh -s
	"$PM2" start worker.sh -s
	"$PM2" web $PORT --web-token page-token >/dev/null
	TOKEN=page-token page actions api,worker
	assert_success
	[ "$(jq -r .restarts.before <<<"${lines[-1]}")" = 0 ]
	[ "$(jq -r .restarts.after <<<"${lines[-1]}")" = 1 ]
	# The supervisor agrees: api restarted once, worker never.
	[ "$(restarts_of api)" = 1 ]
	[ "$(restarts_of worker)" = 0 ]
	grep -q "web: restart 0" "$PM2_HOME/pm2.log"
	[ -s "$ROOT/tests/out/web-actions.png" ]
}
