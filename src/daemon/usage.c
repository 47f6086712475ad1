/* usage: CPU and memory of each instance's whole process tree, sampled
 * on demand (see daemon.h). A CPU figure is the share of one core used
 * between two samples at least USAGE_MIN_WINDOW_MS apart; the first one
 * after a start is the average since the start, as PM2 shows it. */
#define _GNU_SOURCE
#include "daemon.h"
#include "log.h"
#include "procstat.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A sample this recent is reused: ten clients polling cost one sample. */
#define USAGE_FRESH_MS 200
/* A shorter window gives a noisy figure (ticks are 10 ms): until the
 * window is this long, the previous figure stands. */
#define USAGE_MIN_WINDOW_MS 500

void usage_reset(struct instance *in)
{
	memset(&in->usage, 0, sizeof(in->usage));
}

/* An empty sample taken just after the start (between fork and exec) is
 * not reused: the next look, a moment later, sees the real process. Later
 * an empty one is as good as any: the kernel's stat shows 0 pages for a
 * small process (its counters are per CPU), and a thousand of those must
 * not make every `ls` read all of /proc again. */
#define USAGE_EXEC_GRACE_MS 100
static bool usage_fresh(const struct instance *in, int64_t now)
{
	const struct usage *u = &in->usage;
	return u->sampled_ms && now - u->sampled_ms < USAGE_FRESH_MS &&
	       (u->memory || (u->nprocs && u->sampled_ms - in->started_mono >= USAGE_EXEC_GRACE_MS));
}

static void usage_apply(struct instance *in, const struct tree_usage *t, int64_t now)
{
	struct usage *u = &in->usage;
	u->memory = t->rss_bytes;
	u->nprocs = t->nprocs;
	u->sampled_ms = now;
	int64_t since = u->ref_ms ? u->ref_ms : in->started_mono;
	uint64_t ref = u->ref_ms ? u->ref_ticks : 0;
	int64_t window = now - since;
	if (window <= 0 || (u->ref_ms && window < USAGE_MIN_WINDOW_MS))
		return;
	/* A member that exits unreaped by the tree takes its ticks along. */
	uint64_t ticks = t->cpu_ticks > ref ? t->cpu_ticks - ref : 0;
	double pct = (double)ticks * 1000.0 * 100.0 / (double)procstat_hz() / (double)window;
	u->cpu = (double)(long long)(pct * 10 + 0.5) / 10;
	if (window >= USAGE_MIN_WINDOW_MS) {
		u->ref_ticks = t->cpu_ticks;
		u->ref_ms = now;
	}
}

/* A daemonised grandchild (double fork) is reparented to us, the
 * subreaper, but stays in the app's session: count it with the app. */
static void add_reparented(struct daemon *d, struct instance *in, struct tree_usage *t)
{
	struct pid_list kids = { 0 };
	procstat_children(getpid(), &kids);
	for (size_t i = 0; i < kids.n; i++) {
		struct procstat ps;
		if (proc_by_pid(d, kids.v[i]) || procstat_read(kids.v[i], &ps) < 0)
			continue;
		if (ps.sid == in->pid)
			procstat_walk_tree(kids.v[i], t);
	}
	free(kids.v);
}

void usage_sample(struct daemon *d, struct instance *in)
{
	int64_t now = mono_ms();
	if (in->pid <= 0) {
		usage_reset(in);
		return;
	}
	if (usage_fresh(in, now))
		return;
	struct tree_usage t = { 0 };
	if (procstat_walk_tree(in->pid, &t) == 0)
		add_reparented(d, in, &t);
	usage_apply(in, &t, now);
}

/* With few apps, walking each tree is cheaper than reading every process
 * on the system (about 60 us an app against 9 us a process, measured
 * with `make bench-procstat`): `ls` with 10 apps should not pay for 500. */
#define USAGE_WALK_MAX 32

/* Walk each tree, then find reparented session members in one pass over
 * our own children. */
static void sample_by_walking(struct daemon *d, struct instance **who, struct tree_usage *t,
			      size_t n)
{
	for (size_t i = 0; i < n; i++)
		procstat_walk_tree(who[i]->pid, &t[i]);
	struct pid_list kids = { 0 };
	procstat_children(getpid(), &kids);
	for (size_t k = 0; k < kids.n; k++) {
		struct procstat ps;
		if (proc_by_pid(d, kids.v[k]) || procstat_read(kids.v[k], &ps) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ps.sid == who[i]->pid)
				procstat_walk_tree(kids.v[k], &t[i]);
	}
	free(kids.v);
}

void usage_sample_all(struct daemon *d)
{
	int64_t now = mono_ms();
	size_t n = 0;
	for (struct instance *in = d->procs; in; in = in->next) {
		if (in->pid <= 0)
			usage_reset(in); /* a stopped app uses nothing */
		else if (!usage_fresh(in, now))
			n++;
	}
	if (!n)
		return;
	pid_t *roots = xcalloc(n, sizeof(pid_t));
	struct instance **who = xcalloc(n, sizeof(*who));
	struct tree_usage *trees = xcalloc(n, sizeof(*trees));
	size_t i = 0;
	for (struct instance *in = d->procs; in; in = in->next)
		if (in->pid > 0 && !usage_fresh(in, now)) {
			who[i] = in;
			roots[i++] = in->pid;
		}
	if (n <= USAGE_WALK_MAX) {
		sample_by_walking(d, who, trees, n);
		for (i = 0; i < n; i++)
			usage_apply(who[i], &trees[i], now);
	} else if (procstat_scan_trees(roots, n, trees) == 0) {
		for (i = 0; i < n; i++)
			usage_apply(who[i], &trees[i], now);
	} else {
		/* Once: without /proc (a bare container) every look fails. */
		static bool warned;
		if (!warned)
			dlog_warn("cannot read /proc: no CPU and memory figures");
		warned = true;
	}
	free(roots);
	free(who);
	free(trees);
}
