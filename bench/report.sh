#!/bin/bash
# bench/report.sh [results.tsv [meta.env]]: the table of ratios.
#
# For every row below: our median with its spread (min-max over the
# samples), the peer's, how many times better ours is (peer/ours where
# lower is better, ours/peer where higher is better), and the target.
# A value "timeout:L" means "not done within L"; it sorts above every
# number and shows as ">L".
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
RESULTS=${1:-$DIR/../build/bench/results.tsv}
META=${2:-$(dirname "$RESULTS")/meta.env}
[ -f "$RESULTS" ] || { echo "report: no results in $RESULTS" >&2; exit 1; }

# figure; label; unit; better (lo/hi); peer ([figure:]subject); target
# Targets: "<X" / "=X" on our median; "<=peer"; ">=Rx" on ours/peer.
ROWS=$(cat <<'EOF'
rss_idle;daemon RSS, idle;MB;lo;pm2;<0.5
rss_10;daemon RSS, 10 apps;MB;lo;pm2;
rss_100;daemon RSS, 100 apps;MB;lo;pm2;
cli_ls;CLI ls, 10 apps;ms;lo;pm2;<1.5
cli_jlist;CLI jlist, 10 apps;ms;lo;pm2;
cli_ping;CLI ping, 10 apps;ms;lo;pm2;
start_one;start -> app runs;ms;lo;pm2;
start_eco20;start ecosystem of 20 -> all run;ms;lo;pm2;
crash_restart;crash -> restarted (delay 0);ms;lo;pm2;<1
log_tput;log throughput stdout -> file;MB/s;hi;pm2;
log_tput;  same, vs gen | cat > file;MB/s;hi;ceiling-pipe;>=0.9x
log_tput;  same, vs gen > file;MB/s;hi;ceiling-direct;
cluster_rps2;req/s, -i 2 cluster mode;req/s;hi;pm2;
cluster_rps2;  same, vs one node process;req/s;hi;cluster_rps1:node;
cluster_reload_fail;failed requests, 3 reloads;req;lo;pm2;=0
pid1_rss;PID 1 RSS, one app;MB;lo;tini;<=peer
pid1_rss;  same;MB;lo;dumb-init;
pid1_rss;  same;MB;lo;pm2;
pid1_reap;PID 1 reaps {ORPHANS} orphans;ms;lo;tini;
pid1_reap;  same;ms;lo;dumb-init;
pid1_reap;  same;ms;lo;pm2;
pid1_zombies;  zombies left;n;lo;tini;=0
pid1_zombies;  same;n;lo;dumb-init;
pid1_zombies;  same;n;lo;pm2;
pid1_sigterm;PID 1 SIGTERM -> exit;ms;lo;tini;
pid1_sigterm;  same;ms;lo;dumb-init;
pid1_sigterm;  same;ms;lo;pm2;
idle_cpu;idle CPU in 60 s, 10 apps;ms;lo;pm2;
idle_wakeups;idle wake-ups in 60 s;n;lo;pm2;=0
scale_ls;ls, {SCALE} instances;ms;lo;pm2;<20
scale_rss;daemon RSS, {SCALE} instances;MB;lo;pm2;<5
scale_start;{SCALE} instances online (polled);ms;lo;pm2;
size;size on disk;MB;lo;pm2;
size;  same, vs PM2 + Node.js;MB;lo;pm2+node;
size;  same, vs tini;MB;lo;tini;
EOF
)

awk -F'\t' -v rows="$ROWS" -v metafile="$META" '
function num(v) { return v ~ /^timeout:/ ? substr(v, 9) + 1e12 : v + 0 }
function show(v,   t) {
	if (v >= 1e12) return ">" show(v - 1e12)
	t = v < 0 ? -v : v
	if (t == 0) return "0"
	if (t < 10) return sprintf("%.2f", v)
	if (t < 100) return sprintf("%.1f", v)
	return sprintf("%.0f", v)
}
# Sorted samples of figure f, subject s, into S[1..n]; returns n.
function samples(f, s,   n, i, j, t) {
	delete S
	n = split(data[f SUBSEP s], S, " ")
	for (i = 1; i <= n; i++) S[i] = num(S[i])
	for (i = 2; i <= n; i++) {
		t = S[i]
		for (j = i - 1; j >= 1 && S[j] > t; j--) S[j + 1] = S[j]
		S[j + 1] = t
	}
	return n
}
function median(n) { return n % 2 ? S[(n + 1) / 2] : (S[n / 2] + S[n / 2 + 1]) / 2 }
function cell(f, s,   n, m) {
	n = samples(f, s)
	if (n == 0) return skipped[f SUBSEP s] != "" ? "skipped" : "-"
	m = median(n)
	MED[f SUBSEP s] = m
	return show(S[1]) == show(S[n]) ? show(m) : show(m) " (" show(S[1]) "-" show(S[n]) ")"
}
function ratio(a, b, better,   r) {
	if (a == "" || b == "") return "-"
	if (better == "hi") { r = a; a = b; b = r }
	if (a >= 1e12) return "-"
	if (b >= 1e12) return "inf"
	if (a == 0) return b == 0 ? "=" : "inf"
	r = b / a
	return (r >= 10 ? sprintf("%.0f", r) : sprintf("%.2f", r)) "x"
}
function met(t, ours, peer, better,   x) {
	if (t == "" || ours == "") return ""
	if (t ~ /^</ && t !~ /^<=/) return ours < substr(t, 2) + 0 ? "yes" : "NO"
	if (t ~ /^=/) return ours == substr(t, 2) + 0 ? "yes" : "NO"
	if (t == "<=peer") return peer == "" ? "" : (ours <= peer ? "yes" : "NO")
	if (t ~ /^>=/) {
		x = substr(t, 3) + 0
		if (peer == "" || peer == 0) return ""
		return ours / peer >= x ? "yes" : "NO"
	}
	return ""
}
BEGIN {
	while ((getline line < metafile) > 0)
		if (split(line, kv, "=") == 2) meta[kv[1]] = kv[2]
	name["pm2"] = "PM2 " (meta["PM2_VERSION"] != "" ? meta["PM2_VERSION"] : "7")
	name["tini"] = "tini"; name["dumb-init"] = "dumb-init"
	name["ceiling-pipe"] = "gen|cat>file"; name["ceiling-direct"] = "gen>file"
	name["node"] = "1 node proc"; name["pm2+node"] = "PM2+Node.js"
}
$3 == "skip" { skipped[$1 SUBSEP $2] = $4; why[$1 " (" $2 ")"] = $4; next }
{ data[$1 SUBSEP $2] = data[$1 SUBSEP $2] " " $3 }
END {
	if (meta["DATE"] != "")
		printf "%s on %s\nload average before/after: %s / %s; %s\n\n", meta["DATE"],
			meta["MACHINE"], meta["LOAD_BEFORE"], meta["LOAD_AFTER"], meta["SETTINGS"]
	fmt = "%-37s %-24s %-13s %-24s %-7s %-8s %s\n"
	printf fmt, "figure", "pm2 (this project)", "peer", "peer value", "better", "target", "met"
	n = split(rows, R, "\n")
	for (i = 1; i <= n; i++) {
		split(R[i], c, ";")
		f = c[1]; label = c[2]; unit = c[3]; better = c[4]; peer = c[5]; target = c[6]
		gsub(/\{ORPHANS\}/, meta["BENCH_ORPHANS"], label)
		gsub(/\{SCALE\}/, meta["BENCH_SCALE"], label)
		pf = f
		if (index(peer, ":")) { pf = substr(peer, 1, index(peer, ":") - 1); peer = substr(peer, index(peer, ":") + 1) }
		delete MED
		ours = cell(f, "pm2c"); theirs = cell(pf, peer)
		om = (f SUBSEP "pm2c") in MED ? MED[f SUBSEP "pm2c"] : ""
		pm = (pf SUBSEP peer) in MED ? MED[pf SUBSEP peer] : ""
		if (ours == "-" && theirs == "-") continue
		printf fmt, label " [" unit "]", ours, (peer in name ? name[peer] : peer), theirs,
			ratio(om, pm, better), target, met(target, om, pm, better)
	}
	k = 0
	for (w in why) if (!k++) print "\nskipped:"
	for (w in why) print "  " w ": " why[w]
}' "$RESULTS"
