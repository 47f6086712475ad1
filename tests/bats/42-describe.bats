#!/usr/bin/env bats
# pm2 describe: PM2's rows in PM2's order, the revision-control rows read
# from .git without a git binary, and the environment that differs.

load helpers

setup() {
	common_setup
	# The rows git itself would give, to compare with.
	export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com
	export GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
}

need_git() { command -v git >/dev/null || skip "git is not installed (only the test needs it)"; }

# describe's value for a key: the second cell of its row.
row() { # key
	grep -E "^│ $1 +│" <<<"$output" | sed -E 's/^│ [^│]+│ (.*[^ ])? *│$/\1/'
}

@test "describe shows PM2's rows in PM2's order" {
	NODE_ENV=production "$PM2" start sleep --name nap -- 1000 >/dev/null
	run "$PM2" describe nap
	assert_success
	assert_line --index 0 " Describing process with id 0 - name nap "
	keys=$(grep -oE '^│ [a-z.&]+( [a-z.&]+)* +│' <<<"$output" | sed -E 's/^│ //; s/ +│$//' | paste -sd,)
	[ "$keys" = "status,name,namespace,version,restarts,uptime,script path,script args,error log path,out log path,pid path,interpreter,interpreter args,script id,exec cwd,exec mode,node.js version,node env,watch & reload,unstable restarts,created at" ]
	[ "$(row status)" = online ]
	[ "$(row 'script args')" = 1000 ]
	[ "$(row 'exec cwd')" = "$WORK" ]
	[ "$(row 'node env')" = production ]
	assert_line " Use \`pm2 logs nap [--lines 1000]\` to display logs"
	assert_line " Use \`pm2 monit\` to monitor CPU and Memory usage nap"
}

@test "max memory restart goes in before uptime, as in PM2" {
	"$PM2" start sleep --name nap --max-memory-restart 200M -- 1000 >/dev/null
	run "$PM2" describe nap
	keys=$(grep -oE '^│ [a-z.&]+( [a-z.&]+)* +│' <<<"$output" | sed -E 's/^│ //; s/ +│$//' | sed -n 5,7p | paste -sd,)
	[ "$keys" = "restarts,max memory restart,uptime" ]
	[ "$(row 'max memory restart')" = 209715200 ]
}

# A repository with the app in a sub-folder and an origin remote.
make_repo() {
	need_git
	git init -q -b main "$WORK/repo"
	mkdir "$WORK/repo/srv"
	printf '#!/bin/sh\nexec sleep 1000\n' >"$WORK/repo/srv/app.sh"
	chmod +x "$WORK/repo/srv/app.sh"
	git -C "$WORK/repo" add .
	git -C "$WORK/repo" commit -qm "Add the app: a first line long enough to be cut at sixty characters" -m "body"
	git -C "$WORK/repo" remote add origin https://example.com/team/app.git
}

expect_revision_rows() { # repo-dir
	[ "$(row 'revision control')" = git ]
	[ "$(row 'repository root')" = "$1" ]
	[ "$(row revision)" = "$(git -C "$1" rev-parse HEAD)" ]
	[ "$(row 'last update')" = "$(git -C "$1" log -1 --format=%cI)" ]
	[ "$(row comment)" = "$(git -C "$1" log -1 --format=%B | head -c 60 | head -1 | sed 's/ *$//')" ]
}

@test "a git checkout gets PM2's revision rows, read from .git with no git binary" {
	make_repo
	cd "$WORK/repo/srv"
	"$PM2" start app.sh >/dev/null
	# No git on PATH for pm2: everything comes from the files.
	PATH=/nonexistent run "$PM2" describe app
	assert_success
	assert_line " Revision control metadata "
	[ "$(row 'remote url')" = https://example.com/team/app.git ]
	[ "$(row branch)" = main ]
	expect_revision_rows "$WORK/repo"
	[ "$(row comment)" = "Add the app: a first line long enough to be cut at sixty cha" ]
}

@test "packed refs and delta-compressed commits in a pack are read too" {
	make_repo
	for i in $(seq 1 25); do
		echo "$i" >"$WORK/repo/n"
		git -C "$WORK/repo" add n
		GIT_COMMITTER_DATE="2024-05-0$((i % 9 + 1))T12:34:56+05:30" \
			git -C "$WORK/repo" commit -qm "Change $i: $(printf 'the same long words %.0s' $(seq 40))"
	done
	git -C "$WORK/repo" gc -q --aggressive
	git -C "$WORK/repo" repack -q -a -d -f --window=250 --depth=50
	[ ! -e "$WORK/repo/.git/refs/heads/main" ]
	# An older commit is stored as a delta against a newer one.
	old=$(git -C "$WORK/repo" rev-parse HEAD~10)
	git -C "$WORK/repo" verify-pack -v "$WORK"/repo/.git/objects/pack/*.idx | grep -qE "^$old commit .* [0-9a-f]{40}$"
	"$PM2" start "$WORK/repo/srv/app.sh" --cwd "$WORK/repo/srv" >/dev/null

	run "$PM2" describe app
	[ "$(row branch)" = main ]
	expect_revision_rows "$WORK/repo"

	git -C "$WORK/repo" checkout -q "$old"
	run "$PM2" describe app
	[ "$(row branch)" = HEAD ]
	[ "$(row revision)" = "$old" ]
	expect_revision_rows "$WORK/repo"
}

@test "a worktree (a .git file) is followed to its repository" {
	make_repo
	git -C "$WORK/repo" worktree add -q -b feature "$WORK/wt"
	echo change >"$WORK/wt/file"
	git -C "$WORK/wt" add file
	git -C "$WORK/wt" commit -qm "On the feature branch"
	"$PM2" start "$WORK/wt/srv/app.sh" --cwd "$WORK/wt/srv" >/dev/null
	run "$PM2" describe app
	[ "$(row branch)" = feature ]
	[ "$(row comment)" = "On the feature branch" ]
	[ "$(row 'remote url')" = https://example.com/team/app.git ]
	expect_revision_rows "$WORK/wt"
}

@test "--no-vizion leaves the revision rows out; so does a folder outside git" {
	make_repo
	"$PM2" start "$WORK/repo/srv/app.sh" --cwd "$WORK/repo/srv" --no-vizion >/dev/null
	run "$PM2" describe app
	assert_success
	refute_line " Revision control metadata "
	"$PM2" start sleep --name plain --cwd / -- 1000 >/dev/null
	run "$PM2" describe plain
	refute_line " Revision control metadata "
}

@test "a broken .git never breaks describe" {
	mkdir -p "$WORK/bad/.git/objects/pack" "$WORK/bad/.git/refs/heads"
	echo "ref: refs/heads/main" >"$WORK/bad/.git/HEAD"
	echo 0123456789abcdef0123456789abcdef01234567 >"$WORK/bad/.git/refs/heads/main"
	head -c 2048 /dev/urandom >"$WORK/bad/.git/objects/pack/pack-x.idx"
	head -c 2048 /dev/urandom >"$WORK/bad/.git/objects/pack/pack-x.pack"
	mkdir -p "$WORK/bad/.git/objects/01"
	head -c 300 /dev/urandom >"$WORK/bad/.git/objects/01/23456789abcdef0123456789abcdef01234567"
	"$PM2" start sleep --name nap --cwd "$WORK/bad" -- 1000 >/dev/null
	run "$PM2" describe nap
	assert_success
	[ "$(row revision)" = 0123456789abcdef0123456789abcdef01234567 ]
	[ "$(row 'last update')" = N/A ]
}

@test "a corrupted pack or index never breaks describe" {
	make_repo
	for i in $(seq 1 12); do
		echo "$i" >"$WORK/repo/n"
		git -C "$WORK/repo" add n
		git -C "$WORK/repo" commit -qm "Change $i: $(printf 'the same long words %.0s' $(seq 40))"
	done
	git -C "$WORK/repo" repack -q -a -d -f --window=250 --depth=50
	git -C "$WORK/repo" checkout -q HEAD~6
	"$PM2" start sleep --name nap --cwd "$WORK/repo" -- 1000 >/dev/null
	pack=$(ls "$WORK"/repo/.git/objects/pack/*.pack)
	idx=$(ls "$WORK"/repo/.git/objects/pack/*.idx)
	cp "$pack" "$WORK/pack.orig"
	cp "$idx" "$WORK/idx.orig"
	size=$(stat -c %s "$pack")
	isize=$(stat -c %s "$idx")
	for i in $(seq 1 25); do
		cp "$WORK/pack.orig" "$pack"
		cp "$WORK/idx.orig" "$idx"
		# A few random bytes somewhere in the pack, or in the index.
		if [ $((i % 3)) = 0 ]; then f=$idx n=$isize; else f=$pack n=$size; fi
		off=$(( (RANDOM * 32768 + RANDOM) % (n - 16) ))
		head -c 8 /dev/urandom | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		run "$PM2" describe nap
		assert_success
		assert_line " Revision control metadata "
	done
}

@test "environment variables that differ from ours are listed" {
	PM2_T_SAME=same PM2_T_DIFF=theirs "$PM2" start sleep --name nap -- 1000 >/dev/null
	PM2_T_SAME=same PM2_T_DIFF=ours run "$PM2" describe nap
	assert_line " Divergent env variables from local env "
	[ "$(row PM2_T_DIFF)" = theirs ]
	[ -z "$(row PM2_T_SAME)" ]
}
