/* procstat: what /proc says about a running process — CPU ticks, start
 * time and resident memory — read on demand, never on a timer. */
#ifndef PM2_PROCSTAT_H
#define PM2_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct procstat {
	uint64_t cpu_ticks;   /* utime + stime */
	uint64_t start_ticks; /* since boot */
	uint64_t rss_bytes;
};

int procstat_read(pid_t pid, struct procstat *ps);
long procstat_hz(void);
/* Seconds since boot, from /proc/uptime (fractional). */
double procstat_uptime(void);

#endif
