/* procstat: see procstat.h. */
#define _GNU_SOURCE
#include "procstat.h"
#include "../common/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A chain of parents longer than this is treated as not ours: it bounds
 * the walk if /proc changed under us into something cyclic. */
#define PROCSTAT_MAX_DEPTH 256
/* procstat_walk_tree() stops after this many members. */
#define PROCSTAT_MAX_TREE 4096

/* openat, not open: musl's open() follows O_CLOEXEC with an fcntl for old
 * kernels, a fourth syscall per process in a scan of /proc. dir lets the
 * scan resolve "<pid>/stat" from /proc's own fd. */
static ssize_t read_small(int dir, const char *path, char *buf, size_t n)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return r;
}

long procstat_hz(void)
{
	static long hz;
	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? hz : 100;
}

static uint64_t page_size(void)
{
	static uint64_t ps;
	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);
		ps = v > 0 ? (uint64_t)v : 4096;
	}
	return ps;
}

static int read_stat_at(int dir, const char *pid_dir, pid_t pid, struct procstat *ps)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "%s/stat", pid_dir);
	if (read_small(dir, path, buf, sizeof(buf)) < 0)
		return -1;
	/* The command name may hold spaces and parentheses: fields start
	 * after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || !p[1])
		return -1;
	p += 2; /* field 3, state */
	unsigned long long v[25] = { 0 };
	int field = 3;
	char *save = NULL;
	for (char *tok = strtok_r(p, " ", &save); tok && field <= 24;
	     tok = strtok_r(NULL, " ", &save), field++)
		v[field] = strtoull(tok, NULL, 10);
	if (field <= 24)
		return -1;
	ps->pid = pid;
	ps->ppid = (pid_t)v[4];
	ps->sid = (pid_t)v[6];
	ps->cpu_ticks = v[14] + v[15];
	ps->child_ticks = v[16] + v[17];
	ps->start_ticks = v[22];
	ps->rss_bytes = v[24] * page_size();
	return 0;
}

int procstat_read(pid_t pid, struct procstat *ps)
{
	char pid_dir[32];
	snprintf(pid_dir, sizeof(pid_dir), "/proc/%d", (int)pid);
	return read_stat_at(AT_FDCWD, pid_dir, pid, ps);
}

static void tree_add(struct tree_usage *t, const struct procstat *ps)
{
	t->cpu_ticks += ps->cpu_ticks + ps->child_ticks;
	t->rss_bytes += ps->rss_bytes;
	t->nprocs++;
}

/* ---- one scan of /proc for many roots ---- */

struct snapshot {
	struct procstat *v;
	size_t n, cap;
};

static int snapshot_take(struct snapshot *s)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return -1;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!str_is_uint(de->d_name))
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		/* A process that exited since readdir is simply skipped. */
		if (read_stat_at(dirfd(dir), de->d_name, (pid_t)atoi(de->d_name), &s->v[s->n]) == 0)
			s->n++;
	}
	closedir(dir);
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted roots, each with its index in the caller's array. */
struct root {
	pid_t pid;
	size_t index;
};

static long root_find(const struct root *roots, size_t n, pid_t pid)
{
	if (pid <= 0)
		return -1;
	const struct root *r = bsearch(&pid, roots, n, sizeof(*roots), cmp_pid);
	return r ? (long)r->index : -1;
}

static long proc_find_index(const struct snapshot *s, pid_t pid)
{
	const struct procstat *p = bsearch(&pid, s->v, s->n, sizeof(*s->v), cmp_pid);
	return p ? p - s->v : -1;
}

#define OWNER_UNKNOWN (-2)

/* Which root a process belongs to (-1: none): itself, else its parent's
 * owner, else the root whose session it is in. */
static long owner_of(const struct snapshot *s, const struct root *roots, size_t nroots,
		     long *memo, long i, int depth)
{
	if (memo[i] != OWNER_UNKNOWN)
		return memo[i];
	const struct procstat *p = &s->v[i];
	long owner = root_find(roots, nroots, p->pid);
	if (owner < 0 && depth < PROCSTAT_MAX_DEPTH && p->ppid > 0 && p->ppid != p->pid) {
		long parent = proc_find_index(s, p->ppid);
		if (parent >= 0)
			owner = owner_of(s, roots, nroots, memo, parent, depth + 1);
	}
	if (owner < 0)
		owner = root_find(roots, nroots, p->sid);
	memo[i] = owner;
	return owner;
}

int procstat_scan_trees(const pid_t *roots, size_t n, struct tree_usage *out)
{
	memset(out, 0, n * sizeof(*out));
	struct root *sorted = xcalloc(n + 1, sizeof(*sorted));
	size_t nsorted = 0;
	for (size_t i = 0; i < n; i++)
		if (roots[i] > 0)
			sorted[nsorted++] = (struct root){ roots[i], i };
	if (!nsorted) {
		free(sorted);
		return 0;
	}
	qsort(sorted, nsorted, sizeof(*sorted), cmp_pid);

	struct snapshot s = { 0 };
	if (snapshot_take(&s) < 0) {
		free(sorted);
		return -1;
	}
	qsort(s.v, s.n, sizeof(*s.v), cmp_pid);
	long *memo = xmalloc((s.n + 1) * sizeof(long));
	for (size_t i = 0; i < s.n; i++)
		memo[i] = OWNER_UNKNOWN;
	for (size_t i = 0; i < s.n; i++) {
		long owner = owner_of(&s, sorted, nsorted, memo, (long)i, 0);
		if (owner >= 0)
			tree_add(&out[owner], &s.v[i]);
	}
	free(memo);
	free(s.v);
	free(sorted);
	return 0;
}

/* ---- one tree by its children links ---- */

static void pid_list_push(struct pid_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(pid_t));
	}
	l->v[l->n++] = pid;
}

void procstat_children(pid_t pid, struct pid_list *l)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!str_is_uint(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
			 atoi(de->d_name));
		if (read_small(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
			continue;
		char *save = NULL;
		for (char *tok = strtok_r(buf, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			pid_list_push(l, (pid_t)atoi(tok));
	}
	closedir(dir);
}

int procstat_walk_tree(pid_t root, struct tree_usage *out)
{
	struct procstat ps;
	if (root <= 0 || procstat_read(root, &ps) < 0)
		return -1;
	struct pid_list stack = { 0 };
	pid_list_push(&stack, root);
	for (unsigned seen = 0; stack.n && seen < PROCSTAT_MAX_TREE; seen++) {
		pid_t pid = stack.v[--stack.n];
		if (procstat_read(pid, &ps) < 0)
			continue;
		tree_add(out, &ps);
		procstat_children(pid, &stack);
	}
	free(stack.v);
	return 0;
}
