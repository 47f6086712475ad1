# Shared by the log tests (20-23): small apps and checks.

# An app that prints numbered lines, one write(2) per line, as fast as it
# can: count [first] [prefix]. Written in C-speed Python, unbuffered.
make_counter() { # file count
	cat >"$WORK/$1" <<PY
import os, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else $2
for i in range(1, n + 1):
    os.write(1, b"%d\n" % i)
PY
}

# Lines 1..n, exactly once each and in order, in a file (or stdin).
has_all_lines() { # n [file]
	if [ -n "${2:-}" ]; then
		cmp <(seq 1 "$1") "$2"
	else
		cmp <(seq 1 "$1") -
	fi
}

file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# A long-running app that prints a tick every $2 seconds (default 0.1).
make_ticker() { # name [interval]
	cat >"$WORK/$1.sh" <<SH
#!/bin/sh
i=0
trap 'exit 0' INT
while :; do i=\$((i+1)); echo "tick \$i"; sleep ${2:-0.1}; done
SH
	chmod +x "$WORK/$1.sh"
}

# Is the process blocked writing to a full pipe? (The kernel calls that
# wait pipe_write, or anon_pipe_write since 6.x.)
blocked_on_pipe() { [[ "$(cat "/proc/$1/wchan" 2>/dev/null)" == *pipe_write ]]; }
