/* idle: what an idle supervisor costs. Every interval, for each pid, the
 * CPU time and the number of times any of its threads was put on a CPU
 * (schedstat's third field: one per wake-up, plus preemptions), summed
 * over /proc/PID/task/ (PM2's node has a dozen threads). Prints one line
 * per interval and pid: "<interval> <pid> <cpu_us> <wakeups>". */
#define _GNU_SOURCE
#include "bt.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDLE_MAX_PIDS 8

struct sched_sum {
	long long cpu_ns;
	long long slices;
};

static int sched_read(pid_t pid, struct sched_sum *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	memset(s, 0, sizeof(*s));
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char p[320];
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		long long run = 0, wait = 0, slices = 0;
		if (fscanf(f, "%lld %lld %lld", &run, &wait, &slices) == 3) {
			s->cpu_ns += run;
			s->slices += slices;
		}
		fclose(f);
	}
	closedir(d);
	return 0;
}

int cmd_idle(int argc, char **argv)
{
	struct opt opts[] = {OPT("seconds"), OPT("interval"), OPT_END};
	char **pids;
	int n = opts_parse(argc, argv, opts, &pids);
	if (n < 1 || n > IDLE_MAX_PIDS)
		return bt_usage("idle --seconds S --interval I -- <pid...>");
	int seconds = (int)opt_num(opts, "seconds", 60);
	int interval = (int)opt_num(opts, "interval", 10);
	if (interval < 1 || seconds < interval)
		return bt_usage("idle: need 1 <= interval <= seconds");
	struct sched_sum prev[IDLE_MAX_PIDS], cur;
	for (int i = 0; i < n; i++)
		if (sched_read(atoi(pids[i]), &prev[i]) < 0) {
			fprintf(stderr, "benchtool idle: no process %s\n", pids[i]);
			return 1;
		}
	int64_t t = now_ns();
	for (int k = 0; k < seconds / interval; k++) {
		t += (int64_t)interval * 1000000000;
		sleep_ms((t - now_ns()) / 1000000);
		for (int i = 0; i < n; i++) {
			if (sched_read(atoi(pids[i]), &cur) < 0)
				return 1;
			printf("%d %s %lld %lld\n", k, pids[i],
			       (cur.cpu_ns - prev[i].cpu_ns) / 1000, cur.slices - prev[i].slices);
			prev[i] = cur;
		}
		fflush(stdout);
	}
	return 0;
}
