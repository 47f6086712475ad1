/* cpus: see cpus.h. */
#define _GNU_SOURCE
#include "cpus.h"
#include "util.h"

#include <sched.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A quota as a CPU count. Rounded down, as Go's automaxprocs does: 1.5
 * CPUs cannot keep two busy workers busy. 0 means "no limit". */
static int quota_cpus(long long quota, long long period)
{
	if (quota <= 0 || period <= 0)
		return 0;
	long long n = quota / period;
	return n < 1 ? 1 : (int)(n > 4096 ? 4096 : n);
}

/* cgroup v2 cpu.max: "<quota> <period>" or "max <period>". */
static int read_cpu_max(const char *dir)
{
	char *path = xasprintf("%s/cpu.max", dir);
	char *s = read_file(path, NULL, 4096);
	free(path);
	if (!s)
		return 0;
	char *end = s;
	long long q = strncmp(s, "max", 3) != 0 ? strtoll(s, &end, 10) : 0;
	bool ok = end != s && *end == ' ';
	long long p = ok ? strtoll(end + 1, NULL, 10) : 0;
	free(s);
	return ok ? quota_cpus(q, p) : 0;
}

static long long read_number(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	char *s = read_file(path, NULL, 4096);
	free(path);
	long long v = s ? atoll(s) : 0;
	free(s);
	return v;
}

/* cgroup v1: cpu.cfs_quota_us is -1 when unlimited. */
static int read_cfs_quota(const char *dir)
{
	return quota_cpus(read_number(dir, "cpu.cfs_quota_us"),
			  read_number(dir, "cpu.cfs_period_us"));
}

/* Our own cgroup path for v2 ("0::/a/b") or for the v1 hierarchy that
 * holds the cpu controller ("4:cpu,cpuacct:/a/b"). NULL if not listed. */
static char *own_cgroup_path(bool v2)
{
	char *text = read_file("/proc/self/cgroup", NULL, 65536);
	if (!text)
		return NULL;
	char *found = NULL;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		bool match = v2 ? !*ctrls && strncmp(line, "0:", 2) == 0 : false;
		char *csave = NULL;
		char *list = xstrdup(ctrls);
		for (char *t = strtok_r(list, ",", &csave); t && !v2 && !match;
		     t = strtok_r(NULL, ",", &csave))
			match = strcmp(t, "cpu") == 0;
		free(list);
		if (match)
			found = xstrdup(c2 + 1);
	}
	free(text);
	return found;
}

/* The smallest limit on the way from our own cgroup up to the root of the
 * hierarchy mounted at `mount`: a parent's quota binds its children too.
 * In a container the path printed in /proc/self/cgroup may not exist under
 * the mount (no cgroup namespace); then only the mount's root counts. */
static int walk_limits(const char *mount, bool v2)
{
	char *rel = own_cgroup_path(v2);
	char *dir = xasprintf("%s%s", mount, rel && strcmp(rel, "/") ? rel : "");
	free(rel);
	int best = 0;
	for (;;) {
		int lim = v2 ? read_cpu_max(dir) : read_cfs_quota(dir);
		if (lim > 0 && (best == 0 || lim < best))
			best = lim;
		if (strlen(dir) <= strlen(mount))
			break;
		*strrchr(dir, '/') = '\0';
	}
	free(dir);
	return best;
}

static int cgroup_cpu_limit(const char *root)
{
	char *probe = xasprintf("%s/cgroup.controllers", root);
	bool v2 = file_exists(probe);
	free(probe);
	if (v2)
		return walk_limits(root, true);
	static const char *const v1dirs[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu"};
	int lim = 0;
	for (size_t i = 0; i < ARRAY_LEN(v1dirs) && !lim; i++) {
		char *mount = xasprintf("%s/%s", root, v1dirs[i]);
		probe = xasprintf("%s/cpu.cfs_period_us", mount);
		if (file_exists(probe))
			lim = walk_limits(mount, false);
		free(probe);
		free(mount);
	}
	return lim;
}

int cpus_available(void)
{
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = 1;
	const char *root = getenv("PM2_CGROUP_ROOT");
	int lim = cgroup_cpu_limit(root && *root ? root : "/sys/fs/cgroup");
	if (lim > 0 && lim < n)
		n = lim;
	return n;
}

int cpus_resolve_instances(int instances)
{
	if (instances > 0)
		return instances;
	int n = cpus_available() + instances; /* 0 → all, -1 → all but one */
	return n < 1 ? 1 : n;
}
