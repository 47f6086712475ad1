/* datefmt: see datefmt.h. */
#define _GNU_SOURCE
#include "datefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const month_names[] = {
	"January", "February", "March",     "April",   "May",      "June",
	"July",    "August",   "September", "October", "November", "December",
};
static const char *const day_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + 1 >= o->cap)
		return;
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void putf(struct out *o, const char *fmt, long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), fmt, v);
	if (n > 0)
		put(o, tmp, (size_t)n);
}

static void put_zone(struct out *o, long gmtoff, bool colon)
{
	char tmp[16];
	long a = gmtoff < 0 ? -gmtoff : gmtoff;
	snprintf(tmp, sizeof(tmp), colon ? "%c%02ld:%02ld" : "%c%02ld%02ld",
		 gmtoff < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	put(o, tmp, strlen(tmp));
}

/* How many times c repeats at s (at most max). */
static size_t run_of(const char *s, char c, size_t max)
{
	size_t n = 0;
	while (s[n] == c && n < max)
		n++;
	return n;
}

/* A number token of one or two letters ("D" 5, "DD" 05). */
static size_t number(struct out *o, const char *s, long v)
{
	size_t n = run_of(s, *s, 2);
	putf(o, n == 1 ? "%ld" : "%02ld", v);
	return n;
}

/* One dayjs token at s; returns its length, or 0 if s is not a token. */
static size_t token(struct out *o, const char *s, const struct tm *tm, int64_t ms)
{
	size_t n;
	switch (*s) {
	case 'Y':
		n = run_of(s, 'Y', 4);
		if (n == 4)
			putf(o, "%04ld", tm->tm_year + 1900L);
		else if (n == 2)
			putf(o, "%02ld", (tm->tm_year + 1900L) % 100);
		else
			return 0;
		return n;
	case 'M':
		n = run_of(s, 'M', 4);
		if (n <= 2)
			return number(o, s, tm->tm_mon + 1L);
		put(o, month_names[tm->tm_mon], n == 3 ? 3 : strlen(month_names[tm->tm_mon]));
		return n;
	case 'D':
		return number(o, s, tm->tm_mday);
	case 'd':
		n = run_of(s, 'd', 4);
		if (n == 1)
			putf(o, "%ld", tm->tm_wday);
		else
			put(o, day_names[tm->tm_wday], n == 4 ? strlen(day_names[tm->tm_wday]) : n);
		return n;
	case 'H':
		return number(o, s, tm->tm_hour);
	case 'h':
		return number(o, s, tm->tm_hour % 12 ? tm->tm_hour % 12 : 12);
	case 'm':
		return number(o, s, tm->tm_min);
	case 's':
		return number(o, s, tm->tm_sec);
	case 'S':
		if (run_of(s, 'S', 3) != 3)
			return 0;
		putf(o, "%03ld", (long)(ms % 1000));
		return 3;
	case 'Z':
		n = run_of(s, 'Z', 2);
		put_zone(o, tm->tm_gmtoff, n == 1);
		return n;
	case 'A':
	case 'a':
		put(o, tm->tm_hour < 12 ? (*s == 'A' ? "AM" : "am") : (*s == 'A' ? "PM" : "pm"), 2);
		return 1;
	case 'X':
		putf(o, "%ld", (long)(ms / 1000));
		return 1;
	case 'x':
		putf(o, "%ld", (long)ms);
		return 1;
	}
	return 0;
}

size_t datefmt(char *out, size_t outlen, const char *fmt, int64_t wall_ms)
{
	if (!outlen)
		return 0;
	struct out o = { out, 0, outlen };
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	for (const char *s = fmt; *s;) {
		if (*s == '[') {
			const char *end = strchr(s + 1, ']');
			if (end) {
				put(&o, s + 1, (size_t)(end - s - 1));
				s = end + 1;
				continue;
			}
		}
		size_t n = token(&o, s, &tm, wall_ms);
		if (n) {
			s += n;
			continue;
		}
		put(&o, s, 1);
		s++;
	}
	out[o.len] = '\0';
	return o.len;
}

size_t datefmt_iso(char *out, size_t outlen, int64_t wall_ms)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	int n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(wall_ms % 1000));
	if (n < 0)
		return 0;
	return (size_t)n < outlen ? (size_t)n : outlen - 1;
}
