#!/usr/bin/env bats
# The static binary in a container with nothing else: a FROM scratch root
# file system (pm2, a static busybox, a tiny shell app) run as PID 1 by
# unshare and by runc, and the Dockerfile's final image built and run by
# podman, offline. `docker exec` is nsenter / runc exec / podman exec.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
C=$ROOT/container

setup() {
	common_setup
	file -L "$PM2" | grep -q 'statically linked' ||
		skip "containers run the static binary (this run: $PM2)"
	command -v busybox >/dev/null && file -L "$(command -v busybox)" | grep -q 'statically linked' ||
		skip "needs a static busybox (apt-get install busybox-static)"
	cat >app.sh <<'SH'
#!/bin/sh
trap 'echo "app: graceful stop"; exit 0' INT TERM
echo "app up: pid $$, parent $PPID"
while :; do sleep 1 & wait $!; done
SH
	chmod +x app.sh
	echo '{"apps":[{"name":"tiny","script":"/app/app.sh","interpreter":"sh"}]}' >ecosystem.json
	printf '#!/bin/sh\necho "job done, exit 3"\nexit 3\n' >job.sh
	chmod +x job.sh
	echo '{"apps":[{"name":"job","script":"/app/job.sh","interpreter":"sh","autorestart":false}]}' >job.json
}

teardown() {
	[ -n "${UPID:-}" ] && kill -9 "$UPID" 2>/dev/null
	[ -n "${INIT:-}" ] && kill -9 "$INIT" 2>/dev/null
	if [ -n "${RUNC_ID:-}" ]; then
		runc --root "$WORK/runc" kill "$RUNC_ID" KILL 2>/dev/null
		runc --root "$WORK/runc" delete --force "$RUNC_ID" 2>/dev/null
	fi
	[ -n "${CTR:-}" ] && podman rm -f "$CTR" >/dev/null 2>&1
	[ -n "${IMG:-}" ] && podman rmi -f "$IMG" >/dev/null 2>&1
	common_teardown
}

# The rootfs of a FROM scratch image: pm2, busybox, the app.
make_rootfs() {
	sh "$C/scratch.sh" rootfs "$WORK/rootfs" "$PM2" app.sh ecosystem.json job.sh job.json
}

@test "scratch rootfs holds only pm2, its link, busybox and the app" {
	make_rootfs
	run find "$WORK/rootfs" -mindepth 1 \( -type f -o -type l -o -type c \)
	assert_equal "$(sort <<<"$output" | sed "s#$WORK/rootfs##" | tr '\n' ' ')" \
		"/app/app.sh /app/ecosystem.json /app/job.json /app/job.sh /bin/busybox /bin/sh /dev/null /pm2 /pm2-runtime "
	run ldd "$WORK/rootfs/pm2"
	assert_failure
}

@test "unshare: PID 1 in a scratch root, docker-exec ls and ready through the socket, SIGTERM exits 0" {
	make_rootfs
	sh "$C/scratch.sh" run "$WORK/rootfs" /pm2-runtime /app/ecosystem.json >stdout 2>stderr &
	UPID=$!
	wait_until 10 pgrep -P "$UPID" >/dev/null
	INIT=$(pgrep -P "$UPID")
	wait_until 10 grep -q "app up" stdout
	grep -q "app up: pid [0-9]*, parent 1$" stdout
	# what `docker exec <container> pm2 ls` does: namespaces, root, env
	run sh "$C/scratch.sh" exec "$INIT" /pm2 ls
	assert_success
	assert_output --partial "│ tiny "
	assert_output --partial "online"
	run sh "$C/scratch.sh" exec "$INIT" /pm2 ready
	assert_success
	assert_output "[PM2] ready: 1/1 process online"
	run sh "$C/scratch.sh" exec "$INIT" /pm2 ping
	assert_output "{ msg: 'pong' }"
	# the socket is inside the container's root, not in the host's PM2_HOME
	[ -S "$WORK/rootfs/.pm2/rpc.sock" ]
	[ ! -S "$PM2_HOME/rpc.sock" ]
	kill -TERM "$INIT"
	wait_exit "$UPID" 10
	UPID=
	assert_equal "$RC" 0
	grep -q "app: graceful stop" stdout
	grep -q "PM2 daemon exiting (code 0)" stderr
	[ ! -S "$WORK/rootfs/.pm2/rpc.sock" ]
}

@test "unshare: the container's exit code is the one-shot app's" {
	make_rootfs
	run sh "$C/scratch.sh" run "$WORK/rootfs" /pm2-runtime /app/job.json
	assert_equal "$status" 3
	assert_output --partial "job done, exit 3"
}

@test "runc: OCI bundle with a read-only root, PM2_HOME on tmpfs, exec and kill TERM" {
	command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
	make_rootfs
	sh "$C/runc-bundle.sh" "$WORK/bundle" "$WORK/rootfs" /pm2-runtime /app/ecosystem.json
	RUNC_ID=pm2-test-$$-$BATS_TEST_NUMBER
	runc --root "$WORK/runc" run --bundle "$WORK/bundle" "$RUNC_ID" >stdout 2>stderr &
	local rpid=$!
	wait_until 10 runc --root "$WORK/runc" exec "$RUNC_ID" /pm2 ready >/dev/null
	run runc --root "$WORK/runc" exec "$RUNC_ID" /pm2 ls
	assert_success
	assert_output --partial "│ tiny "
	run runc --root "$WORK/runc" exec "$RUNC_ID" /pm2 jlist
	assert_equal "$(jq -r '.[0].pm2_env.pm_out_log_path' <<<"$output")" /run/pm2/logs/tiny-out.log
	# the root is read-only: nothing but PM2_HOME was writable
	run runc --root "$WORK/runc" exec "$RUNC_ID" /bin/sh -c 'touch /x'
	assert_failure
	runc --root "$WORK/runc" kill "$RUNC_ID" TERM
	wait_exit "$rpid" 10
	assert_equal "$RC" 0
	RUNC_ID=
	grep -q "app: graceful stop" stdout
}

@test "podman: the Dockerfile's image builds offline FROM scratch and runs as docker would" {
	command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
	command -v runc >/dev/null || skip "podman here needs runc (apt-get install runc)"
	# `make image`: the prebuilt target, from a context holding only the binary
	mkdir -p ctx/build/image
	cp "$PM2" ctx/build/image/pm2
	ln -s pm2 ctx/build/image/pm2-runtime
	IMG=localhost/pm2-test:$$-$BATS_TEST_NUMBER
	run sh "$C/podman.sh" build --layers=false --target prebuilt -f "$ROOT/Dockerfile" -t "$IMG" ctx
	assert_success
	mnt=$(podman image mount "$IMG")
	files=$(cd "$mnt" && find . -mindepth 1 | sort | tr '\n' ' ')
	podman image unmount "$IMG" >/dev/null
	assert_equal "$files" "./pm2 ./pm2-runtime "
	run podman image inspect "$IMG" --format '{{.Config.Entrypoint}} {{.Config.Cmd}} {{.Config.StopSignal}}'
	assert_output "[/pm2-runtime] [/app/ecosystem.json] SIGTERM"

	run sh "$C/podman.sh" run --rm "$IMG" --version
	assert_success
	assert_output "$(cat "$ROOT/VERSION")"

	# docker run -d, docker exec, docker stop: busybox and the app mounted in
	bb=$(readlink -f "$(command -v busybox)")
	CTR=pm2-test-$$-$BATS_TEST_NUMBER
	sh "$C/podman.sh" run -d --name "$CTR" -v "$bb:/bin/sh:ro" -v "$WORK:/app:ro" "$IMG" >/dev/null
	wait_until 20 podman exec "$CTR" /pm2 ready >/dev/null
	run podman exec "$CTR" /pm2 ls
	assert_output --partial "│ tiny "
	assert_output --partial "online"
	run podman stop -t 10 "$CTR"
	assert_success
	assert_equal "$(podman inspect "$CTR" --format '{{.State.ExitCode}}')" 0
	run podman logs "$CTR"
	assert_output --partial "app: graceful stop"
	assert_output --partial "PM2 daemon exiting (code 0)"
	podman rm "$CTR" >/dev/null
	CTR=

	# the one-shot app's exit code is the container's
	run sh "$C/podman.sh" run --rm -v "$bb:/bin/sh:ro" -v "$WORK:/app:ro" "$IMG" /app/job.json
	assert_equal "$status" 3
}
