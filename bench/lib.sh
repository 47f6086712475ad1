# bench/lib.sh: what every figure script shares. Sourced, never run.
#
# Subjects: pm2c (this project), pm2 (PM2 7 from npm), tini, dumb-init.
# Every figure appends "figure<TAB>subject<TAB>value" lines to $RESULTS,
# one per sample; bench/report.sh turns them into the table. A figure
# that cannot be measured appends "figure<TAB>subject<TAB>skip<TAB>why".

set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
OUT=${BENCH_OUT:-$ROOT/build/bench}
RESULTS=${RESULTS:-$OUT/results.tsv}
BT=$ROOT/build/bench/benchtool
# The binary under test (tests point it at the ASan build); pm2-runtime
# is the link next to it.
PM2C=${PM2C:-$ROOT/build/pm2}
PM2C_RUNTIME=$(dirname "$PM2C")/pm2-runtime
# PM2 7's install prefix: bench/install.sh fills it in.
PM2_PREFIX=${PM2_PREFIX:-}
PM2REF=${PM2_PREFIX:+$PM2_PREFIX/node_modules/.bin/pm2}

# Sizes and counts; BENCH_QUICK=1 shrinks them for a smoke run.
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_RUNS:=2}" "${BENCH_SAMPLES:=3}" "${BENCH_ORPHANS:=300}"
	: "${BENCH_SCALE:=40}" "${BENCH_IDLE_S:=2}" "${BENCH_IDLE_STEP:=1}"
	: "${BENCH_LOG_LINES:=200000}" "${BENCH_LOAD_MS:=500}"
else
	: "${BENCH_RUNS:=3}" "${BENCH_SAMPLES:=10}" "${BENCH_ORPHANS:=10000}"
	: "${BENCH_SCALE:=1000}" "${BENCH_IDLE_S:=120}" "${BENCH_IDLE_STEP:=60}"
	: "${BENCH_LOG_LINES:=12000000}" "${BENCH_LOAD_MS:=5000}"
fi
# Loopback ports this benchmark may use.
BENCH_PORT=${BENCH_PORT:-18510}

# Scratch space for homes, FIFOs, ecosystems and logs. Every process the
# benchmark starts carries this path on its command line or in its
# PM2_HOME, which is how cleanup finds exactly ours and nothing else.
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d /tmp/pmb.XXXXXX)
	BENCH_TMP_OWNED=1
fi
export BENCH_TMP

say() { printf '  %s\n' "$*" >&2; }

record() { # figure subject value
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"
}

skip() { # figure subject why
	printf '%s\t%s\tskip\t%s\n' "$1" "$2" "$3" >>"$RESULTS"
	say "skip $1 ($2): $3"
}

# Peers this run measures (run.sh's BENCH_PEERS).
peer_enabled() { # name
	case " ${BENCH_PEERS-pm2 tini dumb-init} " in *" $1 "*) return 0 ;; esac
	return 1
}

# The PM2-like subjects available in this run, ours first.
daemon_subjects() {
	echo pm2c
	peer_enabled pm2 && [ -n "$PM2REF" ] && [ -x "$PM2REF" ] && echo pm2
	return 0
}

# The PID-1 peers available in this run.
init_subjects() {
	local i
	for i in tini dumb-init; do
		peer_enabled $i && command -v $i >/dev/null && echo $i
	done
	return 0
}

pm2_bin() { # subject
	case $1 in
	pm2c) echo "$PM2C" ;;
	pm2) echo "$PM2REF" ;;
	esac
}

# Each subject's current PM2_HOME, set by daemon_fresh.
declare -A HOME_OF=()

pm() { # subject args...: the subject's CLI on its current PM2_HOME
	local s=$1
	shift
	PM2_HOME=${HOME_OF[$s]} NO_COLOR=1 "$(pm2_bin "$s")" "$@"
}

daemon_pid() { cat "${HOME_OF[$1]}/pm2.pid" 2>/dev/null; }

# A new PM2_HOME and a daemon serving it, idle, no app.
daemon_fresh() { # subject
	local s=$1
	daemon_stop "$s"
	HOME_OF[$s]=$(mktemp -d "$BENCH_TMP/h-$s.XXXX")
	pm "$s" ping >/dev/null 2>&1
	wait_for 20 test -s "${HOME_OF[$s]}/pm2.pid"
}

daemon_stop() { # subject
	local s=$1 home=${HOME_OF[$1]:-}
	[ -n "$home" ] || return 0
	if [ -s "$home/pm2.pid" ]; then
		timeout 120 env PM2_HOME="$home" "$(pm2_bin "$s")" kill >/dev/null 2>&1
		local pid
		pid=$(cat "$home/pm2.pid" 2>/dev/null)
		[ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -9 "$pid" 2>/dev/null
	fi
	rm -rf "$home"
	HOME_OF[$s]=
}

# wait_for <seconds> <command...>: retry until it succeeds, bounded.
wait_for() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.05
	done
}

online_count() { # subject
	pm "$1" jlist 2>/dev/null | jq '[.[] | select(.pm2_env.status == "online")] | length'
}

has_online() { # subject count
	[ "$(online_count "$1")" = "$2" ]
}

rss_kb() { # pid
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.3f", k / 1024 }'; }
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000 }'; }

# An ecosystem file of `count` apps named <prefix>0.., each running the
# benchmark app with the given app arguments; extra is more JSON keys
# for every app, e.g. '"restart_delay": 0'.
eco_write() { # file prefix count "app args" [extra]
	local file=$1 prefix=$2 count=$3 args=$4 extra=${5:-} i sep=""
	local jargs
	jargs=$(printf '%s\n' $args --tag "$BENCH_TMP" | jq -R . | jq -sc .)
	{
		echo '{"apps": ['
		for ((i = 0; i < count; i++)); do
			printf '%s{"name": "%s%d", "script": "%s", "args": %s%s}\n' \
				"$sep" "$prefix" "$i" "$BT" "$jargs" "${extra:+, $extra}"
			sep=,
		done
		echo ']}'
	} >"$file"
}

# A figure stopped by its time limit still runs its EXIT trap.
trap 'exit 143' TERM INT

# Everything this benchmark started and left behind: daemons by their
# pid files, then any process whose command line names our scratch dir.
bench_cleanup() {
	local s
	for s in "${!HOME_OF[@]}"; do
		daemon_stop "$s"
	done
	pkill -9 -f "$BENCH_TMP" 2>/dev/null
	if [ "${BENCH_TMP_OWNED:-0}" = 1 ]; then
		rm -rf "$BENCH_TMP"
	fi
	return 0
}
