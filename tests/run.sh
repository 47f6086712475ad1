#!/bin/sh
# Run the whole test suite: bats against the static binary, then again
# against the ASan/UBSan build (any sanitizer report fails the run), then
# the C unit tests. Ends with the line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/tests/out
rm -rf "$OUT"
mkdir -p "$OUT"
JOBS=${TEST_JOBS:-2}
passed=0
failed=0

run_bats() { # label binary
	label=$1
	bin=$2
	tap=$OUT/$label.tap
	jobs_flag=""
	if command -v parallel >/dev/null 2>&1 && [ "$JOBS" -gt 1 ]; then
		# Files run side by side; the tests of one file one after the
		# other, as they share that file's ports and fixtures.
		jobs_flag="--jobs $JOBS --no-parallelize-within-files"
	fi
	echo "== bats ($label): $bin"
	# shellcheck disable=SC2086
	PM2_BIN=$bin bats --formatter tap $jobs_flag tests/bats/ | tee "$tap"
	p=$(grep -cE '^ok [0-9]+' "$tap" || true)
	s=$(grep -cE '^ok [0-9]+ .*# skip' "$tap" || true)
	f=$(grep -cE '^not ok [0-9]+' "$tap" || true)
	passed=$((passed + p - s))
	failed=$((failed + f))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "bats ($label) ran no test"
		failed=$((failed + 1))
	fi
}

run_bats static "$ROOT/build/pm2"

if [ -x "$ROOT/build/asan/pm2" ] && [ "${SKIP_ASAN:-0}" != 1 ]; then
	SAN=$OUT/sanitizer
	mkdir -p "$SAN"
	export ASAN_OPTIONS="log_path=$SAN/asan:detect_leaks=1:abort_on_error=0:exitcode=86"
	export UBSAN_OPTIONS="log_path=$SAN/ubsan:print_stacktrace=1:halt_on_error=1"
	export LSAN_OPTIONS="log_path=$SAN/lsan"
	run_bats asan "$ROOT/build/asan/pm2"
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	reports=$(ls "$SAN" 2>/dev/null | wc -l)
	if [ "$reports" -gt 0 ]; then
		echo "== sanitizer reports ($reports):"
		for r in "$SAN"/*; do echo "--- $r"; head -40 "$r"; done
		failed=$((failed + reports))
	else
		echo "== sanitizers: no reports"
		passed=$((passed + 1))
	fi
fi

if [ -d tests/unit ] && ls tests/unit/*.c >/dev/null 2>&1; then
	echo "== unit tests"
	if make -s unit >"$OUT/unit.log" 2>&1; then
		u=$(grep -cE '^ok ' "$OUT/unit.log" || true)
		passed=$((passed + u))
		cat "$OUT/unit.log"
	else
		cat "$OUT/unit.log"
		uf=$(grep -cE '^not ok ' "$OUT/unit.log" || true)
		[ "$uf" -gt 0 ] || uf=1
		failed=$((failed + uf))
	fi
fi

if [ "${SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null 2>&1; then
	secs=${FUZZ_SMOKE_SECONDS:-10}
	echo "== fuzz smoke ($secs s per target)"
	if make -s fuzz FUZZ_SECONDS="$secs" >"$OUT/fuzz.log" 2>&1; then
		grep -E '^Done' "$OUT/fuzz.log"
		passed=$((passed + 1))
	else
		tail -40 "$OUT/fuzz.log"
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
