# Helpers for the tests of what people look at: full-screen commands in a
# tmux of our own (its socket in $WORK, so teardown's pkill ends it), and
# how often the daemon wakes up.

# Context switches of the daemon so far: it only runs when woken.
daemon_switches() {
	awk '/ctxt_switches/ {n += $2} END {print n}' "/proc/$(cat "$PM2_HOME/pm2.pid")/status"
}

# Wait until the daemon has handled what it was asked (a closing CLI
# connection, say) and sleeps.
daemon_settled() {
	local a
	a=$(daemon_switches)
	sleep 0.5
	[ "$a" = "$(daemon_switches)" ]
}

TMUX_SOCK() { echo "$WORK/tmux-${1:-main}.sock"; }

# tmux_start <name> <cols> <rows> <shell command>
tmux_start() {
	command -v tmux >/dev/null || skip "tmux is not installed"
	tmux -S "$(TMUX_SOCK "$1")" new-session -d -s "$1" -x "$2" -y "$3" \
		"cd '$WORK'; export PM2_HOME='$PM2_HOME' NO_COLOR=1; $4"
}

# What the pane shows now.
screen_of() { tmux -S "$(TMUX_SOCK "$1")" capture-pane -p -t "$1"; }

# screen_has <name> <fixed text>
screen_has() { screen_of "$1" | grep -qF -- "$2"; }

# screen_matches <name> <extended regexp>
screen_matches() { screen_of "$1" | grep -qE -- "$2"; }

tmux_keys() { # name keys...
	local name=$1
	shift
	tmux -S "$(TMUX_SOCK "$name")" send-keys -t "$name" "$@"
}

tmux_resize() { tmux -S "$(TMUX_SOCK "$1")" resize-window -t "$1" -x "$2" -y "$3"; }

# A pane property: alternate_on, cursor_flag, pane_width...
tmux_get() { tmux -S "$(TMUX_SOCK "$1")" display-message -p -t "$1" "#{$2}"; }

tmux_stop() { tmux -S "$(TMUX_SOCK "$1")" kill-server 2>/dev/null || true; }
