#!/usr/bin/env bats
# pm2 deploy against a real sshd on a loopback port (a throwaway host key,
# client key and config made here) and a local bare git repository.

load helpers

SSHD=/usr/sbin/sshd

# One sshd for the whole file, on the first free port of 18300-18399.
setup_file() {
	[ -x "$SSHD" ] && command -v ssh >/dev/null && command -v git >/dev/null || return 0
	export SSH_DIR=$(mktemp -d /tmp/pm2ssh.XXXXXX)
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key"
	cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
	cat >"$SSH_DIR/sshd_config" <<EOF
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
AllowUsers $(id -un)
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
LogLevel ERROR
EOF
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	local port
	for port in $(seq 18300 18399); do
		"$SSHD" -D -e -f "$SSH_DIR/sshd_config" -o "ListenAddress=127.0.0.1:$port" \
			>"$SSH_DIR/sshd.log" 2>&1 3>&- &
		echo $! >"$SSH_DIR/pid"
		if ssh_ok "$port"; then
			export SSH_PORT=$port
			return 0
		fi
		kill "$(cat "$SSH_DIR/pid")" 2>/dev/null || true
	done
}

teardown_file() {
	[ -n "${SSH_DIR:-}" ] || return 0
	kill "$(cat "$SSH_DIR/pid")" 2>/dev/null || true
	rm -rf "$SSH_DIR"
}

ssh_ok() { # port: wait up to 10 s for sshd to let us in
	local i
	for i in $(seq 100); do
		kill -0 "$(cat "$SSH_DIR/pid")" 2>/dev/null || return 1
		ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
			-o LogLevel=ERROR -o IdentitiesOnly=yes -i "$SSH_DIR/client_key" -p "$1" \
			"$(id -un)@127.0.0.1" true 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

setup() {
	common_setup
	[ -n "${SSH_PORT:-}" ] || skip "needs sshd (openssh-server), ssh and git"
	git() { command git -c user.name=test -c user.email=test@example.org -c init.defaultBranch=main "$@"; }
	git init -q --bare repo.git
	git clone -q repo.git src 2>/dev/null
	commit v1
}

# A new commit in the repository, with "version" holding $1.
commit() {
	echo "$1" >src/version
	cp "$WORK/eco.json" src/ 2>/dev/null || true
	git -C src add -A
	git -C src commit -q -m "$1"
	git -C src push -q origin HEAD:main
	git -C src rev-parse HEAD
}

# deploy.production with the throwaway key; extra keys as JSON members.
write_eco() { # [extra members...]
	local extra=""
	for m in "$@"; do extra="$extra, $m"; done
	cat >eco.json <<JSON
{
  "apps": [{ "name": "deployed", "script": "app.sh" }],
  "deploy": {
    "production": {
      "user": "$(id -un)",
      "host": "127.0.0.1",
      "port": $SSH_PORT,
      "key": "$SSH_DIR/client_key",
      "ssh_options": ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
                      "IdentitiesOnly=yes", "BatchMode=yes", "LogLevel=ERROR"],
      "repo": "$WORK/repo.git",
      "ref": "origin/main",
      "path": "$WORK/remote"$extra
    }
  }
}
JSON
}

@test "setup clones into source/, links current and makes shared/" {
	write_eco '"post-setup": "echo \"$SHARED\" > setup-ran"'
	run "$PM2" deploy eco.json production setup
	assert_success
	assert_line "--> Deploying to production environment"
	assert_line "--> on host 127.0.0.1"
	assert_line "  ○ cloning $WORK/repo.git"
	assert_line "  ○ setup complete"
	assert_line "--> Success"
	[ "$(readlink remote/current)" = "$WORK/remote/source" ]
	[ -d remote/shared/logs ] && [ -d remote/shared/pids ]
	[ "$(cat remote/current/version)" = v1 ]
	[ "$(cat remote/current/setup-ran)" = "$WORK/remote/shared" ]
}

@test "update deploys a new commit and runs the hooks with the deploy's env" {
	write_eco '"pre-deploy-local": "echo local > local-ran"' \
		'"pre-deploy": "git rev-parse --short HEAD > ../pre-deploy-saw"' \
		'"post-deploy": "echo \"$GREETING from $(pwd)\" > post-ran"' \
		'"env": { "greeting": "hello world" }'
	"$PM2" deploy eco.json production setup >/dev/null
	old=$(git -C src rev-parse --short HEAD)
	new=$(commit v2)
	run "$PM2" deploy eco.json production update
	assert_success
	assert_line "  ○ deploying origin/main"
	assert_line "  ○ successfully deployed origin/main"
	assert_line "--> Success"
	[ "$(cat remote/current/version)" = v2 ]
	[ "$(cat remote/.deploys)" = "$new" ]
	[ "$(cat local-ran)" = local ]
	[ "$(cat remote/pre-deploy-saw)" = "$old" ]
	[ "$(cat remote/current/post-ran)" = "hello world from $WORK/remote/current" ]
}

@test "revert goes back n deploys; list, curr and prev show the history" {
	write_eco '"post-deploy": "true"'
	"$PM2" deploy eco.json production setup >/dev/null
	c1=$(git -C src rev-parse HEAD)
	"$PM2" deploy eco.json production >/dev/null
	c2=$(commit v2)
	"$PM2" deploy eco.json production >/dev/null
	c3=$(commit v3)
	"$PM2" deploy eco.json production >/dev/null
	[ "$(cat remote/current/version)" = v3 ]
	run "$PM2" deploy eco.json production revert 2
	assert_success
	assert_line "  ○ reverting 2 deploy(s)"
	[ "$(cat remote/current/version)" = v1 ]
	run "$PM2" deploy eco.json production list
	assert_success
	assert_line --index 2 "$(printf '0\t%s' "$c1")"
	assert_line --index 3 "$(printf '1\t%s' "$c3")"
	assert_line --index 4 "$(printf '2\t%s' "$c2")"
	assert_line --index 5 "$(printf '3\t%s' "$c1")"
	run "$PM2" deploy eco.json production curr
	assert_line --index 2 "${c1:0:7}"
	run "$PM2" deploy eco.json production prev
	assert_line --index 2 "$c3"
	run "$PM2" deploy eco.json production revert 9
	assert_failure 1
	assert_output --partial "[PM2][ERROR] Deploy failed: cannot go back 9 deploy(s): 4 recorded on 127.0.0.1"
	[ "$(cat remote/current/version)" = v1 ]
}

@test "a ref given on the command line is deployed instead of the file's" {
	write_eco '"post-deploy": "true"'
	"$PM2" deploy eco.json production setup >/dev/null
	c1=$(git -C src rev-parse HEAD)
	git -C src tag v1.0
	git -C src push -q origin v1.0
	commit v2 >/dev/null
	"$PM2" deploy eco.json production >/dev/null
	[ "$(cat remote/current/version)" = v2 ]
	run "$PM2" deploy eco.json production v1.0
	assert_success
	[ "$(cat remote/current/version)" = v1 ]
	"$PM2" deploy eco.json production ref origin/main >/dev/null
	[ "$(cat remote/current/version)" = v2 ]
}

@test "exec runs a command in current on the host, and fails with it" {
	write_eco
	"$PM2" deploy eco.json production setup >/dev/null
	run "$PM2" deploy eco.json production exec "pwd; cat version"
	assert_success
	assert_line --index 2 "$WORK/remote/current"
	assert_line --index 3 "v1"
	run "$PM2" deploy eco.json production exec "exit 7"
	assert_failure 1
	assert_output --partial "[PM2][ERROR] Deploy failed: command failed (exit code 7)"
}

@test "a failing hook stops the deploy with a non-zero exit" {
	write_eco '"pre-deploy": "echo checking; exit 3"' '"post-deploy": "touch post-ran"'
	"$PM2" deploy eco.json production setup >/dev/null
	commit v2 >/dev/null
	run "$PM2" deploy eco.json production
	assert_failure 1
	assert_line "checking"
	assert_output --partial "[PM2][ERROR] Deploy failed: pre-deploy hook failed (exit code 3)"
	refute_line --partial "resetting HEAD"
	refute_line "--> Success"
	[ "$(cat remote/current/version)" = v1 ]
	[ ! -e remote/.deploys ]
	[ ! -e remote/current/post-ran ]
	write_eco '"post-setup": "false"'
	rm -rf remote
	run "$PM2" deploy eco.json production setup
	assert_failure 1
	assert_output --partial "Deploy failed: post-setup hook failed (exit code 1)"
}

@test "the default post-deploy starts or restarts the file's apps on the host" {
	printf '#!/bin/sh\necho "deployed $(cat version)"\nexec sleep 1000\n' >src/app.sh
	chmod +x src/app.sh
	write_eco "\"env\": { \"PATH\": \"$(dirname "$PM2"):/usr/bin:/bin\", \"PM2_HOME\": \"$PM2_HOME\" }"
	commit v1 >/dev/null
	"$PM2" ping >/dev/null
	"$PM2" deploy eco.json production setup >/dev/null
	run "$PM2" deploy eco.json production
	assert_success
	assert_output --partial "executing post-deploy \`export PATH="
	assert_output --partial "pm2 startOrRestart 'eco.json' --env 'production'"
	is_status deployed online
	[ "$(jl '.[0].pm2_env.pm_exec_path')" = "$WORK/remote/source/app.sh" ]
	wait_until 5 grep -q "deployed v1" "$PM2_HOME/logs/deployed-out.log"
	commit v2 >/dev/null
	"$PM2" deploy eco.json production >/dev/null
	[ "$(restarts_of deployed)" = 1 ]
	wait_until 5 grep -q "deployed v2" "$PM2_HOME/logs/deployed-out.log"
}

@test "several hosts are deployed one after the other" {
	write_eco
	sed -i 's|"host": "127.0.0.1"|"host": ["127.0.0.1", "localhost"]|' eco.json
	"$PM2" deploy eco.json production setup >/dev/null 2>&1 || true
	run "$PM2" deploy eco.json production exec "echo ran >> $WORK/hosts"
	assert_success
	assert_line "--> on host 127.0.0.1"
	assert_line "--> on host localhost"
	[ "$(wc -l <hosts)" = 2 ]
}

@test "host localhost runs the steps here, without ssh, as PM2 does" {
	write_eco '"post-deploy": "echo local-post > post-ran"'
	sed -i 's|"host": "127.0.0.1"|"host": "localhost"|; s|"port": [0-9]*,|"port": 1,|' eco.json
	run "$PM2" deploy eco.json production setup
	assert_success
	commit v2 >/dev/null
	run "$PM2" deploy eco.json production
	assert_success
	[ "$(cat remote/current/version)" = v2 ]
	[ "$(cat remote/current/post-ran)" = local-post ]
}

@test "uncommitted local work stops a deploy unless --force" {
	write_eco '"post-deploy": "true"'
	"$PM2" deploy eco.json production setup >/dev/null
	git init -q .
	git add eco.json
	git commit -q -m local
	echo change >>eco.json.note
	git add eco.json.note
	run "$PM2" deploy eco.json production
	assert_failure 1
	assert_output --partial "Deploy failed: commit your staged changes before deploying (or use --force)"
	run "$PM2" deploy eco.json production --force
	assert_success
}

@test "deploy config mistakes are named with their place" {
	write_eco
	run "$PM2" deploy eco.json staging
	assert_failure 1
	assert_output "[PM2][ERROR] staging environment is not defined in eco.json file"
	sed -i 's|"repo": "[^"]*",||' eco.json
	run "$PM2" deploy eco.json production
	assert_failure 1
	assert_output '[PM2][ERROR] eco.json:4:5: deploy.production: "repo" is required'
	write_eco '"pre-deploy": ["not", "a", "string"]'
	run "$PM2" deploy eco.json production
	assert_failure 1
	assert_output --regexp 'eco\.json:1[0-9]:[0-9]+: deploy.production: "pre-deploy" must be a string'
	run "$PM2" deploy eco.json
	assert_success
	assert_output --partial "Helper: Deployment with PM2"
}

@test "deploy reads a YAML file and the default file" {
	write_eco '"post-deploy": "true"'
	cp eco.json ecosystem.json
	run "$PM2" deploy production setup
	assert_success
	[ "$(cat remote/current/version)" = v1 ]
	cat >eco.yml <<YAML
deploy:
  production:
    host: 127.0.0.1
    port: $SSH_PORT
    key: $SSH_DIR/client_key
    ssh_options:
      - StrictHostKeyChecking=no
      - UserKnownHostsFile=/dev/null
      - BatchMode=yes
      - LogLevel=ERROR
    repo: $WORK/repo.git
    ref: origin/main
    path: $WORK/remote
    post-deploy: |
      echo yaml-post > post-ran
YAML
	commit v2 >/dev/null
	run "$PM2" deploy eco.yml production
	assert_success
	[ "$(cat remote/current/version)" = v2 ]
	[ "$(cat remote/current/post-ran)" = yaml-post ]
}
