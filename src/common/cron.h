/* cron: cron expressions for cron_restart — 5 fields (minute hour
 * day-of-month month day-of-week) or 6 with seconds first. Supports "*",
 * lists, ranges, steps ("*" "/5", "1-10/2"), month and day names, 7 = Sunday,
 * and the usual shorthands (@hourly, @daily, ...). Pure logic: no I/O. */
#ifndef PM2_CRON_H
#define PM2_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cron_expr {
	uint64_t sec, min;  /* bit n set: value n allowed */
	uint32_t hour, dom; /* dom: bits 1..31 */
	uint16_t mon;       /* bits 1..12 */
	uint8_t dow;        /* bits 0..6, Sunday = 0 */
	bool dom_any, dow_any;
};

/* 0, or -1 with a one-line reason in err. */
int cron_parse(const char *s, struct cron_expr *out, char *err, size_t errlen);
/* The first time strictly after `after` that matches, in local time;
 * (time_t)-1 if none within five years. */
time_t cron_next(const struct cron_expr *e, time_t after);

#endif
