/* cron: see cron.h. */
#define _GNU_SOURCE
#include "cron.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct field {
	const char *name;
	int lo, hi;
	const char *const *names; /* names for lo, lo+1, ... */
};

static const char *const mon_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					 "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const struct field fields[] = {
	{ "second", 0, 59, NULL }, { "minute", 0, 59, NULL },	  { "hour", 0, 23, NULL },
	{ "day of month", 1, 31, NULL }, { "month", 1, 12, mon_names }, { "day of week", 0, 7, dow_names },
};

/* A number or a name at *s; advances *s. -1 if neither. */
static int parse_value(const char **s, const struct field *f)
{
	if (isdigit((unsigned char)**s)) {
		char *end;
		long v = strtol(*s, &end, 10);
		*s = end;
		return v < f->lo || v > f->hi ? -1 : (int)v;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (strncasecmp(*s, f->names[i], 3) == 0) {
			*s += 3;
			return f->lo + i;
		}
	return -1;
}

/* One comma-separated item: *, ?, n, a-b, with an optional /step. */
static int parse_item(const char *s, const struct field *f, uint64_t *bits, bool *any)
{
	int lo = f->lo, hi = f->hi, step = 1;
	if (*s == '*' || *s == '?') {
		s++;
		if (!*s)
			*any = true;
	} else {
		if ((lo = parse_value(&s, f)) < 0)
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			if ((hi = parse_value(&s, f)) < 0 || hi < lo)
				return -1;
		} else if (*s == '/') {
			hi = f->hi; /* "5/15": from 5 to the end, every 15 */
		}
	}
	if (*s == '/') {
		char *end;
		long v = strtol(s + 1, &end, 10);
		if (end == s + 1 || *end || v < 1 || v > f->hi)
			return -1;
		step = (int)v;
		s = end;
	}
	if (*s)
		return -1;
	for (int v = lo; v <= hi; v += step)
		*bits |= 1ull << v;
	return 0;
}

static int parse_field(char *text, const struct field *f, uint64_t *bits, bool *any)
{
	*bits = 0;
	*any = false;
	char *save = NULL;
	for (char *item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save))
		if (parse_item(item, f, bits, any) < 0)
			return -1;
	return *bits ? 0 : -1;
}

int cron_parse(struct cron *c, const char *expr, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	char *copy = xstrdup(expr);
	char *parts[7];
	int n = 0;
	char *save = NULL;
	for (char *p = strtok_r(copy, " \t", &save); p; p = strtok_r(NULL, " \t", &save))
		parts[n < 7 ? n++ : 6] = p;
	if (n != 5 && n != 6) {
		snprintf(err, errlen, "needs 5 or 6 fields, got %d", n);
		free(copy);
		return -1;
	}
	uint64_t bits[6];
	bool any[6];
	bits[0] = 1; /* five fields: second 0 */
	any[0] = false;
	for (int i = 0; i < n; i++) {
		const struct field *f = &fields[i + 6 - n];
		if (parse_field(parts[i], f, &bits[i + 6 - n], &any[i + 6 - n]) < 0) {
			snprintf(err, errlen, "has a bad %s field", f->name);
			free(copy);
			return -1;
		}
	}
	free(copy);
	c->sec = bits[0];
	c->min = bits[1];
	c->hour = (uint32_t)bits[2];
	c->dom = (uint32_t)bits[3];
	c->mon = (uint32_t)bits[4];
	c->dow = (uint8_t)(bits[5] | (bits[5] >> 7)); /* 7 is Sunday too */
	c->dom_any = any[3];
	c->dow_any = any[5];
	return 0;
}

/* Cron's rule: when both day fields are restricted, either may match. */
static bool day_matches(const struct cron *c, const struct tm *tm)
{
	bool dom = c->dom >> tm->tm_mday & 1, dow = c->dow >> tm->tm_wday & 1;
	if (c->dom_any || c->dow_any)
		return dom && dow;
	return dom || dow;
}

/* Normalise tm after a field was bumped (mktime carries overflow). */
static time_t settle(struct tm *tm)
{
	tm->tm_isdst = -1;
	return mktime(tm);
}

int64_t cron_next(const struct cron *c, int64_t after_ms)
{
	time_t t = (time_t)(after_ms / 1000) + 1;
	time_t limit = t + 5 * 366 * 86400;
	struct tm tm;
	localtime_r(&t, &tm);
	/* Each step moves at least one field forward; the cap only guards
	 * against clock oddities (DST) sending mktime back and forth. */
	for (int steps = 0; t < limit && steps < 100000; steps++) {
		if (!(c->mon >> (tm.tm_mon + 1) & 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!day_matches(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!(c->hour >> tm.tm_hour & 1)) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
		} else if (!(c->min >> tm.tm_min & 1)) {
			tm.tm_min++;
			tm.tm_sec = 0;
		} else if (!(c->sec >> tm.tm_sec & 1)) {
			tm.tm_sec++;
		} else {
			return (int64_t)t * 1000;
		}
		t = settle(&tm);
		if (t == (time_t)-1)
			return -1;
	}
	return -1;
}
