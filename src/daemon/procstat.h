/* procstat: what /proc says about running processes — one process's
 * stat line, and what a whole process tree uses (CPU ticks, resident
 * memory). It reads on demand and keeps no state; when to sample is
 * usage.c's business. */
#ifndef PM2_PROCSTAT_H
#define PM2_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One process, from /proc/<pid>/stat. */
struct procstat {
	pid_t pid, ppid, sid;
	uint64_t cpu_ticks;   /* utime + stime */
	uint64_t child_ticks; /* cutime + cstime: children it has reaped */
	uint64_t start_ticks; /* since boot */
	uint64_t rss_bytes;
};

/* What a tree uses: the root, its descendants, and whatever still runs in
 * the root's session (a daemonised grandchild that was reparented to us).
 * CPU counts what the members reaped too, so the figure does not drop
 * when a short-lived child (a shell's `sleep`) exits. */
struct tree_usage {
	uint64_t cpu_ticks;
	uint64_t rss_bytes;
	unsigned nprocs;
};

int procstat_read(pid_t pid, struct procstat *ps);
long procstat_hz(void);

/* One pass over /proc for many trees: out[i] is the tree of roots[i]
 * (zeroed when roots[i] <= 0 or is gone). Cost: one stat read per process
 * on the system, whatever the number of roots. -1 if /proc is unreadable. */
int procstat_scan_trees(const pid_t *roots, size_t n, struct tree_usage *out);

/* One tree by following /proc/<pid>/task/<tid>/children from the root,
 * added to *out. Cost: a few reads per thread of each member, nothing for
 * the rest of the system. Sees descendants only: a reparented session
 * member is found through its reaper (usage.c). -1 if the root is gone. */
int procstat_walk_tree(pid_t root, struct tree_usage *out);

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

/* Append the children of every thread of pid to *l. */
void procstat_children(pid_t pid, struct pid_list *l);

#endif
