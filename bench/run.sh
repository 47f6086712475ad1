#!/bin/bash
# bench/run.sh [figure...]: `make bench`. Installs the peers, runs every
# figure (or the ones named) for this project and its peers in the same
# run, then prints the table of ratios (bench/report.sh). See README.md.
#
#   BENCH_PEERS="pm2 tini dumb-init"  which peers to measure ("" for none)
#   PM2_PREFIX=/path                  reuse an npm prefix that has pm2 7
#   BENCH_QUICK=1                     small counts: a smoke run, not figures
#   PM2C=/path/to/pm2                 the binary under test (build/pm2)
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"
FIGURES="size rss cli start crash logs pid1 idle scale cluster"
# No figure may run away with the time budget (15 minutes in all).
FIGURE_LIMIT_S=420
export BENCH_PEERS=${BENCH_PEERS-pm2 tini dumb-init}
export OUT=${BENCH_OUT:-$ROOT/build/bench} BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench}
export RESULTS=$OUT/results.tsv

for f in "${@:-}"; do
	[ -z "$f" ] || [ -x "$BENCH_DIR/figures/$f.sh" ] ||
		{ echo "bench: no figure '$f' (figures: $FIGURES)" >&2; exit 2; }
done
export PM2C=${PM2C:-$ROOT/build/pm2}
for b in "$PM2C" build/bench/benchtool; do
	[ -x "$b" ] || { echo "bench: $b is missing: run 'make bench'" >&2; exit 1; }
done

start=$SECONDS
own_prefix=""
if [ -n "$BENCH_PEERS" ]; then
	prefix=$(bash "$BENCH_DIR/install.sh") || { echo "bench: installing the peers failed" >&2; exit 1; }
	if [ -z "${PM2_PREFIX:-}" ]; then
		PM2_PREFIX=$prefix
		own_prefix=$prefix
	fi
fi
case " $BENCH_PEERS " in *" pm2 "*) ;; *) PM2_PREFIX="" ;; esac
export PM2_PREFIX
for t in jq unshare; do
	command -v $t >/dev/null || { echo "bench: needs $t (bench/install.sh)" >&2; exit 1; }
done

export BENCH_TMP
BENCH_TMP=$(mktemp -d /tmp/pmb.XXXXXX)
fig_pid=""
cleanup() {
	# The running figure first: timeout passes TERM on, and the figure's
	# own EXIT trap stops the daemons it started.
	if [ -n "$fig_pid" ]; then
		kill -TERM "$fig_pid" 2>/dev/null
		wait "$fig_pid" 2>/dev/null
	fi
	pkill -9 -f "$BENCH_TMP" 2>/dev/null
	rm -rf "$BENCH_TMP"
	[ -z "$own_prefix" ] || [ "${BENCH_KEEP_PM2:-0}" = 1 ] || rm -rf "$own_prefix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
: >"$RESULTS"
pm2_version=""
[ -n "$PM2_PREFIX" ] && pm2_version=$(jq -r .version "$PM2_PREFIX/node_modules/pm2/package.json")
{
	echo "DATE=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "MACHINE=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores," \
		"$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)," \
		"Linux $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), node $(node --version 2>/dev/null)"
	echo "LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "SETTINGS=runs $BENCH_RUNS, samples $BENCH_SAMPLES, quick ${BENCH_QUICK:-0}"
	echo "PM2_VERSION=$pm2_version"
	echo "BENCH_ORPHANS=$BENCH_ORPHANS"
	echo "BENCH_SCALE=$BENCH_SCALE"
} >"$OUT/meta.env"

for f in ${*:-$FIGURES}; do
	echo "== $f" >&2
	t0=$SECONDS
	timeout -k 10 $FIGURE_LIMIT_S bash "$BENCH_DIR/figures/$f.sh" &
	fig_pid=$!
	wait "$fig_pid" || echo "bench: figure $f failed or ran out of time (exit $?)" >&2
	fig_pid=""
	echo "   $f: $((SECONDS - t0)) s" >&2
done
echo "LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.env"

echo
bash "$BENCH_DIR/report.sh" "$RESULTS" "$OUT/meta.env" | tee "$OUT/table.txt"
echo
echo "bench: $((SECONDS - start)) s in all; samples in $RESULTS, table in $OUT/table.txt"
