/* procstat: see procstat.h. */
#define _GNU_SOURCE
#include "procstat.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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

double procstat_uptime(void)
{
	char buf[128];
	if (read_small("/proc/uptime", buf, sizeof(buf)) < 0)
		return 0;
	return strtod(buf, NULL);
}

int procstat_read(pid_t pid, struct procstat *ps)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	/* The command name may hold spaces and parentheses: fields start
	 * after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p += 2; /* field 3, state */
	unsigned long long v[25] = { 0 };
	int field = 3;
	char *save = NULL;
	for (char *tok = strtok_r(p, " ", &save); tok && field <= 24;
	     tok = strtok_r(NULL, " ", &save), field++)
		v[field] = strtoull(tok, NULL, 10);
	ps->cpu_ticks = v[14] + v[15];
	ps->start_ticks = v[22];
	ps->rss_bytes = v[24] * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}
