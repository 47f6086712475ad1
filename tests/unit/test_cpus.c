/* cpus: -i max counts the CPU quota of our cgroup (v1 and v2, every level
 * up to the root), never more than the affinity mask, at least 1. The
 * cgroup tree is a fake one under PM2_CGROUP_ROOT. */
#define _GNU_SOURCE
#include "../../src/common/cpus.h"
#include "../../src/common/util.h"
#include "unit.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	mkdir_p(dir, 0755);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(dir);
	free(path);
}

static void reset(void)
{
	char *cmd = xasprintf("rm -rf %s && mkdir -p %s", root, root);
	(void)!system(cmd);
	free(cmd);
}

/* Our own cgroup path as /proc/self/cgroup prints it for v2 ("0::"). */
static char *own_v2_path(void)
{
	char *t = read_file("/proc/self/cgroup", NULL, 65536);
	char *p = t ? strstr(t, "0::") : NULL;
	char *r = xstrdup(p ? p + 3 : "/");
	*strchrnul(r, '\n') = '\0';
	free(t);
	return r;
}

void test_cpus(void)
{
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	int host = CPU_COUNT(&set);
	snprintf(root, sizeof(root), "/tmp/pm2-unit-cg.%d", (int)getpid());
	setenv("PM2_CGROUP_ROOT", root, 1);

	reset();
	CHECK(cpus_available() == host, "no cgroup files: the affinity mask (%d)", host);

	put("cgroup.controllers", "cpu\n");
	put("cpu.max", "100000 100000\n");
	CHECK(cpus_available() == 1, "v2 cpu.max 1 CPU: 1");
	CHECK(cpus_resolve_instances(0) == 1, "-i max in 1 CPU: 1");
	CHECK(cpus_resolve_instances(-1) == 1, "-i -1 in 1 CPU: still 1");
	CHECK(cpus_resolve_instances(3) == 3, "-i 3 is 3 whatever the limit");
	put("cpu.max", "150000 100000\n");
	CHECK(cpus_available() == 1, "v2 1.5 CPUs round down to 1");
	put("cpu.max", "50000 100000\n");
	CHECK(cpus_available() == 1, "v2 half a CPU is still 1");
	put("cpu.max", "max 100000\n");
	CHECK(cpus_available() == host, "v2 \"max\" is no limit");
	put("cpu.max", "6400000 100000\n");
	CHECK(cpus_available() == host, "a quota above the affinity mask: the mask");

	/* A limit on our own cgroup, deeper than the root. */
	char *own = own_v2_path();
	if (strcmp(own, "/") != 0) {
		char *rel = xasprintf("%s/cpu.max", own + 1);
		put("cpu.max", "max 100000\n");
		put(rel, "100000 100000\n");
		CHECK(cpus_available() == 1, "v2 quota on our own cgroup %s: 1", own);
		free(rel);
	} else {
		put("cpu.max", "100000 100000\n");
		CHECK(cpus_available() == 1, "v2 quota at the root (we are in /)");
	}
	free(own);

	reset();
	put("cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	put("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	CHECK(cpus_available() == host, "v1 quota -1 is no limit");
	put("cpu,cpuacct/cpu.cfs_quota_us", "100000\n");
	CHECK(cpus_available() == 1, "v1 cpu,cpuacct quota 1 CPU: 1");
	reset();
	put("cpu/cpu.cfs_quota_us", "100000\n");
	put("cpu/cpu.cfs_period_us", "100000\n");
	CHECK(cpus_available() == 1, "v1 cpu/ quota 1 CPU: 1");

	reset();
	rmdir(root);
}
