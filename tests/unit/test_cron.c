/* cron: parsing and next-fire times (in UTC, set by the test). */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/common/cron.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return timegm(&tm);
}

static void next_is(const char *expr, time_t from, time_t want)
{
	struct cron_expr e;
	char err[128] = "";
	int rc = cron_parse(expr, &e, err, sizeof(err));
	time_t got = rc == 0 ? cron_next(&e, from) : (time_t)-2;
	CHECK(got == want, "cron \"%s\" next after %ld is %ld (got %ld) %s", expr, (long)from,
	      (long)want, (long)got, err);
}

static void rejects(const char *expr, const char *why)
{
	struct cron_expr e;
	char err[128] = "";
	int rc = cron_parse(expr, &e, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, why), "cron \"%s\" is refused: %s", expr, err);
}

void test_cron(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	time_t t0 = utc(2026, 11, 23, 21, 30, 15); /* a Monday */
	next_is("* * * * *", t0, utc(2026, 11, 23, 21, 31, 0));
	next_is("*/15 * * * *", t0, utc(2026, 11, 23, 21, 45, 0));
	next_is("0 0 * * *", t0, utc(2026, 11, 24, 0, 0, 0));
	next_is("@daily", t0, utc(2026, 11, 24, 0, 0, 0));
	next_is("@hourly", t0, utc(2026, 11, 23, 22, 0, 0));
	next_is("*/10 * * * * *", t0, utc(2026, 11, 23, 21, 30, 20));
	next_is("30 2 * * *", t0, utc(2026, 11, 24, 2, 30, 0));
	next_is("0 9 * * mon-fri", utc(2026, 11, 27, 10, 0, 0), utc(2026, 11, 30, 9, 0, 0));
	next_is("0 0 * * 7", t0, utc(2026, 11, 29, 0, 0, 0));
	next_is("0 0 * * sun", t0, utc(2026, 11, 29, 0, 0, 0));
	next_is("0 0 1 jan *", t0, utc(2027, 1, 1, 0, 0, 0));
	next_is("0 0 29 2 *", t0, utc(2028, 2, 29, 0, 0, 0));
	next_is("0 12 1,15 * *", t0, utc(2026, 12, 1, 12, 0, 0));
	next_is("5-10/5 * * * *", t0, utc(2026, 11, 23, 22, 5, 0));
	/* both day fields restricted: either matches (classic cron) */
	next_is("0 0 1 * mon", t0, utc(2026, 11, 30, 0, 0, 0));
	next_is("0 0 31 2 *", t0, (time_t)-1);
	rejects("* * *", "expected 5 or 6 fields");
	rejects("* * * * * * *", "expected 5 or 6 fields");
	rejects("61 * * * *", "out of range");
	rejects("* 24 * * *", "out of range");
	rejects("* * 0 * *", "out of range");
	rejects("* * * 13 *", "out of range");
	rejects("x * * * *", "cannot read minute");
	rejects("*/0 * * * *", "cannot read minute");
	rejects("5-1 * * * *", "out of range");
}
