#!/usr/bin/env bats
# The artefact itself: one static binary, small, two names.

load helpers

@test "the binary is fully static" {
	[[ "$PM2" == */build/asan/* ]] && skip "sanitizer build is dynamic by design"
	run file "$PM2"
	assert_output --partial "statically linked"
	run ldd "$PM2"
	assert_failure
}

@test "the stripped binary is under 300 KB" {
	[[ "$PM2" == */build/asan/* ]] && skip "size is measured on the release build"
	size=$(stat -c %s "$PM2")
	echo "size: $size bytes"
	[ "$size" -lt 300000 ]
}

@test "pm2-runtime is the same binary under another name" {
	dir=$(dirname "$PM2")
	[ -L "$dir/pm2-runtime" ]
	[ "$(readlink -f "$dir/pm2-runtime")" = "$(readlink -f "$PM2")" ]
}

@test "pm2 -v and --version print the version" {
	run "$PM2" -v
	assert_success
	assert_output "$(cat "$BATS_TEST_DIRNAME/../../VERSION")"
	run "$PM2" --version
	assert_success
	assert_output "$(cat "$BATS_TEST_DIRNAME/../../VERSION")"
}
