/* cron: see cron.h. */
#define _GNU_SOURCE
#include "cron.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct field {
	const char *what;
	int lo, hi;
	const char *const *names; /* names[i] is value lo + i */
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					    "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const struct field fields[6] = {
	{ "second", 0, 59, NULL },	 { "minute", 0, 59, NULL }, { "hour", 0, 23, NULL },
	{ "day of month", 1, 31, NULL }, { "month", 1, 12, month_names },
	{ "day of week", 0, 7, day_names },
};

/* A number or a name; advances *p. -1 if neither. */
static int parse_value(const char **p, const struct field *f)
{
	if (isdigit((unsigned char)**p)) {
		int v = 0;
		while (isdigit((unsigned char)**p)) {
			v = v * 10 + (**p - '0');
			if (v > 1000)
				return -1;
			(*p)++;
		}
		return v;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (strncasecmp(*p, f->names[i], 3) == 0) {
			*p += 3;
			return f->lo + i;
		}
	return -1;
}

/* One comma-separated field into a bit set. */
static int parse_field(const char *s, const struct field *f, uint64_t *bits, bool *any,
		       char *err, size_t errlen)
{
	*bits = 0;
	*any = strcmp(s, "*") == 0 || strcmp(s, "?") == 0;
	const char *p = s;
	for (;;) {
		int lo = f->lo, hi = f->hi, step = 1;
		if (*p == '*' || *p == '?') {
			p++;
		} else {
			lo = hi = parse_value(&p, f);
			if (lo < 0)
				goto bad;
			if (*p == '-') {
				p++;
				hi = parse_value(&p, f);
				if (hi < 0)
					goto bad;
			}
		}
		if (*p == '/') {
			p++;
			step = parse_value(&p, &fields[0]);
			if (step <= 0)
				goto bad;
			if (lo == hi)
				hi = f->hi; /* "5/15" means from 5 on */
		}
		if (lo < f->lo || hi > f->hi || lo > hi) {
			snprintf(err, errlen, "%s \"%s\" is out of range %d-%d", f->what, s, f->lo,
				 f->hi);
			return -1;
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ULL << v;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	snprintf(err, errlen, "cannot read %s \"%s\"", f->what, s);
	return -1;
}

static const struct {
	const char *name, *expr;
} shorthands[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },	  { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

int cron_parse(const char *s, struct cron_expr *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(shorthands); i++)
		if (strcasecmp(s, shorthands[i].name) == 0)
			s = shorthands[i].expr;
	char *copy = xstrdup(s);
	char *tok[6];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 6) {
			n = 7;
			break;
		}
		tok[n++] = t;
	}
	if (n != 5 && n != 6) {
		snprintf(err, errlen, "expected 5 or 6 fields, got %d", n);
		free(copy);
		return -1;
	}
	int first = n == 6 ? 0 : 1;
	uint64_t bits[6] = { 1, 0, 0, 0, 0, 0 }; /* 5 fields: second 0 */
	bool any[6] = { false };
	for (int i = 0; i < n; i++)
		if (parse_field(tok[i], &fields[first + i], &bits[first + i], &any[first + i], err,
				errlen) < 0) {
			free(copy);
			return -1;
		}
	free(copy);
	memset(out, 0, sizeof(*out));
	out->sec = bits[0];
	out->min = bits[1];
	out->hour = (uint32_t)bits[2];
	out->dom = (uint32_t)bits[3];
	out->mon = (uint16_t)bits[4];
	out->dow = (uint8_t)((bits[5] | (bits[5] >> 7)) & 0x7f); /* 7 is Sunday too */
	out->dom_any = any[3];
	out->dow_any = any[5];
	return 0;
}

/* Classic cron: when both day fields are restricted, either may match. */
static bool day_matches(const struct cron_expr *e, const struct tm *tm)
{
	bool dom = e->dom & (1U << tm->tm_mday);
	bool dow = e->dow & (1U << tm->tm_wday);
	if (e->dom_any || e->dow_any)
		return dom && dow;
	return dom || dow;
}

time_t cron_next(const struct cron_expr *e, time_t after)
{
	struct tm tm;
	time_t t = after + 1;
	time_t limit = after + 5 * 366 * 86400LL;
	localtime_r(&t, &tm);
	/* Step by the coarsest unit that cannot skip a match; each step moves
	 * time forward, so the loop ends at the limit at the latest. */
	while (t <= limit) {
		if (!(e->mon & (1U << (tm.tm_mon + 1)))) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!day_matches(e, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!(e->hour & (1U << tm.tm_hour))) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
		} else if (!(e->min & (1ULL << tm.tm_min))) {
			tm.tm_min++;
			tm.tm_sec = 0;
		} else if (!(e->sec & (1ULL << tm.tm_sec))) {
			tm.tm_sec++;
		} else {
			return t;
		}
		tm.tm_isdst = -1;
		time_t next = mktime(&tm);
		if (next <= t) /* a DST fold: never go backwards */
			next = t + 1;
		t = next;
		localtime_r(&t, &tm);
	}
	return (time_t)-1;
}
