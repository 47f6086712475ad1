/* cron: cron expressions as node-schedule reads them — five fields
 * (minute hour day-of-month month day-of-week) or six with seconds first;
 * `*`, `?`, numbers, ranges, steps, lists, month and day names — and the
 * next local time one fires. Used for pm2-logrotate's rotateInterval. */
#ifndef PM2_CRON_H
#define PM2_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cron {
	uint64_t sec, min; /* bit n set: value n matches */
	uint32_t hour, dom, mon;
	uint8_t dow;
	bool dom_any, dow_any; /* `*`: cron's either-day rule needs to know */
};

/* 0, or -1 with a one-line reason in err. */
int cron_parse(struct cron *c, const char *expr, char *err, size_t errlen);

/* The first wall-clock ms strictly after `after_ms` that matches, or -1 if
 * none within the next five years (e.g. "0 0 31 2 *"). */
int64_t cron_next(const struct cron *c, int64_t after_ms);

#endif
