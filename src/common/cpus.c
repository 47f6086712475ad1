/* cpus: see cpus.h. */
#define _GNU_SOURCE
#include "cpus.h"
#include "util.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The quota of the cgroup we are in, as a CPU count (rounded up), or 0
 * if there is none. */
static int cgroup_cpu_limit(const char *root)
{
	char path[512];
	char *s;

	/* cgroup v2: "<quota> <period>" or "max <period>". */
	snprintf(path, sizeof(path), "%s/cpu.max", root);
	if ((s = read_file(path, NULL, 4096))) {
		long long q = 0, p = 0;
		int ok = strncmp(s, "max", 3) != 0 && sscanf(s, "%lld %lld", &q, &p) == 2;
		free(s);
		if (ok && q > 0 && p > 0)
			return (int)ceil((double)q / (double)p);
		return 0;
	}
	/* cgroup v1: cpu.cfs_quota_us is -1 when unlimited. */
	const char *v1dirs[] = { "cpu", "cpu,cpuacct", "cpuacct,cpu" };
	for (size_t i = 0; i < ARRAY_LEN(v1dirs); i++) {
		long long q = 0, p = 0;
		snprintf(path, sizeof(path), "%s/%s/cpu.cfs_quota_us", root, v1dirs[i]);
		if (!(s = read_file(path, NULL, 4096)))
			continue;
		q = atoll(s);
		free(s);
		snprintf(path, sizeof(path), "%s/%s/cpu.cfs_period_us", root, v1dirs[i]);
		if (!(s = read_file(path, NULL, 4096)))
			continue;
		p = atoll(s);
		free(s);
		if (q > 0 && p > 0)
			return (int)ceil((double)q / (double)p);
		return 0;
	}
	return 0;
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
