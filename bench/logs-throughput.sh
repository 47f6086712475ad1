#!/bin/bash
# How fast one app's stdout reaches its log file, in one run:
#   direct   the app writes the file itself (cat data > file)
#   pm2-c    this pm2: app -> pipe -> daemon -> out log
#   pm2 7    PM2 (Node), if it is installed
# The app is `dd bs=64k` of a text file of numbered lines: plain read(2)
# and write(2) as fast as it can (cat would use copy_file_range for the
# direct case, a kernel-side copy no app does). Files live on tmpfs
# (/dev/shm) when there is room, so the disk's writeback does not drown
# what is measured: the cost of forwarding. Time runs from the moment the app starts (it records it) to the
# moment the whole file is in the log, so CLI and daemon start-up are not
# counted for either supervisor. Best of $RUNS runs.
#
# Also the supervisor's own CPU time for the whole transfer (utime+stime
# of its daemon process), which is what forwarding costs the machine.
#
#   bench/logs-throughput.sh [MB]      (default 256)
#   BENCH_BASE=/var/tmp bench/...      files on that disk instead of tmpfs
#   PM2_REF=/path/to/pm2 bench/logs-throughput.sh
set -u
cd "$(dirname "$0")/.."
MB=${1:-256}
RUNS=${RUNS:-3}
PM2_C=${PM2_C:-$PWD/build/pm2}
PM2_REF=${PM2_REF:-/tmp/pm2ref/node_modules/.bin/pm2}
[ -x "$PM2_REF" ] || PM2_REF=$(command -v pm2 || true)
[ -x "$PM2_C" ] || { echo "build first: make" >&2; exit 1; }

BASE=${BENCH_BASE:-/tmp}
if [ -z "${BENCH_BASE:-}" ] && [ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -1)" -gt $((MB * 1024 * 4)) ] 2>/dev/null; then
	BASE=/dev/shm
fi
DIR=$(mktemp -d "$BASE/pm2bench.XXXXXX")
cleanup() {
	[ -d "$DIR/home-c" ] && PM2_HOME=$DIR/home-c "$PM2_C" kill >/dev/null 2>&1
	[ -d "$DIR/home-ref" ] && PM2_HOME=$DIR/home-ref "$PM2_REF" kill >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT

# The data: numbered lines, like a chatty app's.
seq 1 100000000 | head -c $((MB * 1024 * 1024)) >"$DIR/data"
sed -i '$ d' "$DIR/data" # end on a whole line
SIZE=$(stat -c %s "$DIR/data")

# The app: note when it starts, then write everything at once.
cat >"$DIR/app.sh" <<SH
#!/bin/sh
date +%s%N >"$DIR/started"
exec dd if="$DIR/data" bs=64k status=none
SH
chmod +x "$DIR/app.sh"

now() { date +%s%N; }
cpu_ms() { # utime + stime of a process, in ms (after "pid (comm) ", which may hold spaces)
	sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}
# The smallest daemon CPU time of the runs of one label, per 100 MB.
cpu_per_100mb() {
	awk -v l="$1" -v mb="$((SIZE / 1048576))" '$1 == l && (m == "" || $2 < m) { m = $2 }
		END { printf "%.0f ms", m * 100 / mb }' "$DIR/cpu"
}
mbps() { # bytes nanoseconds
	awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", b / 1048576 / (ns / 1e9) }'
}

# Wait until $1 has SIZE bytes, or stops growing for 2 s (a supervisor
# that loses output); print "<ns from the app's start> <bytes>".
until_complete() {
	local f=$1 size=0 last=-1 end still=0
	while :; do
		size=$(stat -c %s "$f" 2>/dev/null || echo 0)
		if [ "$size" -ne "$last" ]; then
			end=$(now)
			last=$size
			still=$end
		fi
		[ "$size" -ge "$SIZE" ] && break
		[ $(($(now) - still)) -lt 2000000000 ] || break
		sleep 0.002
	done
	echo "$((end - $(cat "$DIR/started"))) $size"
}

run_direct() {
	rm -f "$DIR/direct.out" "$DIR/started"
	local t0 t1
	t0=$(now)
	dd if="$DIR/data" bs=64k status=none >"$DIR/direct.out"
	t1=$(now)
	cmp -s "$DIR/data" "$DIR/direct.out" || { echo "direct: output differs" >&2; return 1; }
	echo $((t1 - t0))
}

run_pm2() { # label binary
	local home="$DIR/home-$1" pm2=$2
	rm -rf "$home" "$DIR/started"
	mkdir -p "$home"
	PM2_HOME=$home "$pm2" ping >/dev/null 2>&1
	local dpid cpu0 ns got
	dpid=$(cat "$home/pm2.pid")
	cpu0=$(cpu_ms "$dpid")
	PM2_HOME=$home "$pm2" start "$DIR/app.sh" --name app --no-autorestart >/dev/null 2>&1
	read -r ns got < <(until_complete "$home/logs/app-out.log")
	echo "$1 $(($(cpu_ms "$dpid") - cpu0))" >>"$DIR/cpu"
	if [ "$got" -lt "$SIZE" ]; then
		echo "$1: a run's log lacks $((SIZE - got)) of $SIZE bytes (lost at exit)" >>"$DIR/notes"
	elif ! cmp -s "$DIR/data" "$home/logs/app-out.log"; then
		echo "$1: a run's log differs from what the app wrote" >>"$DIR/notes"
	fi
	PM2_HOME=$home "$pm2" kill >/dev/null 2>&1
	echo "$ns"
}

best() { # command...: the smallest time of RUNS runs
	local b="" t
	for _ in $(seq "$RUNS"); do
		t=$("$@") || return 1
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

echo "logs throughput: $((SIZE / 1048576)) MB of numbered lines written by dd bs=64k, best of $RUNS"
echo "machine: $(nproc) cores, $(uname -r), log folder on $(df --output=fstype "$DIR" | tail -1)"
printf '%-34s %8s %10s %22s\n' "path" "MB/s" "vs direct" "daemon CPU per 100 MB"
direct=$(best run_direct) || exit 1
printf '%-34s %8s %10s\n' "direct: app > file" "$(mbps "$SIZE" "$direct")" "100%"
ours=$(best run_pm2 c "$PM2_C") || exit 1
printf '%-34s %8s %9s%% %22s\n' "pm2 (this, C): app | daemon > log" "$(mbps "$SIZE" "$ours")" \
	"$(awk -v a="$direct" -v b="$ours" 'BEGIN { printf "%.0f", 100 * a / b }')" "$(cpu_per_100mb c)"
if [ -n "$PM2_REF" ]; then
	ref=$(best run_pm2 ref "$PM2_REF") || exit 1
	printf '%-34s %8s %9s%% %22s\n' "PM2 $("$PM2_REF" -v 2>/dev/null | tail -1) (Node)" "$(mbps "$SIZE" "$ref")" \
		"$(awk -v a="$direct" -v b="$ref" 'BEGIN { printf "%.0f", 100 * a / b }')" "$(cpu_per_100mb ref)"
else
	echo "PM2 (Node): not installed (npm i pm2, or set PM2_REF)"
fi
[ -s "$DIR/notes" ] && sort "$DIR/notes" | uniq -c | sed 's/^ */note: /'
exit 0
