/* Unit tests for the log pieces that are pure logic: dayjs date formats,
 * cron expressions, the /regex/ matcher, pm2-logrotate settings, CRC-32.
 * Prints TAP ("ok N - ..."); exits 1 if any test failed. */
#define _GNU_SOURCE
#include "../../src/common/cron.h"
#include "../../src/common/datefmt.h"
#include "../../src/common/module_conf.h"
#include "../../src/common/rematch.h"
#include "../../src/common/util.h"
#include "../../src/daemon/gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int n_test, n_failed;

static void check(int ok, const char *what, const char *detail)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_test, what, detail ? ": " : "",
	       detail ? detail : "");
}

static void check_str(const char *got, const char *want, const char *what)
{
	char detail[512];
	snprintf(detail, sizeof(detail), "got \"%s\", want \"%s\"", got, want);
	check(strcmp(got, want) == 0, what, strcmp(got, want) ? detail : NULL);
}

/* 2024-03-05 14:07:09.042 UTC, a Tuesday */
#define T0 1709647629042LL

static void test_datefmt(void)
{
	char out[DATEFMT_MAX];
	datefmt(out, sizeof(out), "YYYY-MM-DDTHH:mm:ss", T0);
	check_str(out, "2024-03-05T14:07:09", "time: true format");
	datefmt(out, sizeof(out), "YYYY-MM-DD HH:mm:ss Z", T0);
	check_str(out, "2024-03-05 14:07:09 +00:00", "Z is +hh:mm");
	datefmt(out, sizeof(out), "YYYY-MM-DD-HH:mm:ssZZ", T0);
	check_str(out, "2024-03-05-14:07:09+0000", "ZZ is +hhmm");
	datefmt(out, sizeof(out), "YY M D H m s SSS", T0);
	check_str(out, "24 3 5 14 7 9 042", "short tokens and milliseconds");
	datefmt(out, sizeof(out), "ddd dddd MMM MMMM hh:mm A a", T0);
	check_str(out, "Tue Tuesday Mar March 02:07 PM pm", "names and 12-hour clock");
	datefmt(out, sizeof(out), "[at] HH[h] [YYYY]", T0);
	check_str(out, "at 14h YYYY", "[escaped] text is literal");
	datefmt(out, sizeof(out), "YYYY-MM-DD_HH-mm-ss", T0);
	check_str(out, "2024-03-05_14-07-09", "pm2-logrotate's dateFormat");
	datefmt_iso(out, sizeof(out), T0);
	check_str(out, "2024-03-05T14:07:09.042Z", "toISOString");
	setenv("TZ", "<+0530>-5:30", 1);
	tzset();
	datefmt(out, sizeof(out), "HH:mm Z ZZ", T0);
	check_str(out, "19:37 +05:30 +0530", "local time and its offset");
	setenv("TZ", "UTC0", 1);
	tzset();
	char tiny[6];
	datefmt(tiny, sizeof(tiny), "YYYY-MM-DD", T0);
	check_str(tiny, "2024-", "output is cut to the buffer");
}

static int64_t next_of(const char *expr, int64_t after)
{
	struct cron c;
	char err[128];
	if (cron_parse(&c, expr, err, sizeof(err)) < 0)
		return -2;
	return cron_next(&c, after);
}

static void check_next(const char *expr, int64_t after, int64_t want, const char *what)
{
	int64_t got = next_of(expr, after);
	char detail[128];
	snprintf(detail, sizeof(detail), "got %lld, want %lld", (long long)got, (long long)want);
	check(got == want, what, got == want ? NULL : detail);
}

static void test_cron(void)
{
	/* T0 is Tue 2024-03-05 14:07:09 UTC */
	const int64_t day = 86400000, midnight = 1709596800000LL; /* 2024-03-05 00:00 */
	check_next("0 0 * * *", T0, midnight + day, "daily at midnight: tomorrow 00:00");
	check_next("*/15 * * * *", T0, midnight + 14 * 3600000LL + 15 * 60000, "every 15 minutes");
	check_next("* * * * * *", T0, (T0 / 1000 + 1) * 1000, "six fields: every second");
	check_next("30 */10 * * * *", T0, midnight + 14 * 3600000LL + 10 * 60000 + 30000,
		   "seconds first, then every 10 minutes");
	check_next("0 9 * * MON-FRI", T0, midnight + day + 9 * 3600000LL, "weekdays by name");
	check_next("0 0 1 JAN *", T0, 1735689600000LL, "January the 1st");
	check_next("0 12 * * 0", T0, midnight + 5 * day + 12 * 3600000LL, "Sunday as 0");
	check_next("0 12 * * 7", T0, midnight + 5 * day + 12 * 3600000LL, "Sunday as 7");
	check_next("0 0 13 * 5", T0, midnight + 3 * day, "day-of-month or day-of-week (Fri 8th)");
	check_next("0 0 31 2 *", T0, -1, "a date that never comes");
	check_next("1,2-3 0 * * *", T0, midnight + day + 60000, "lists and ranges");
	struct cron c;
	char err[128];
	check(cron_parse(&c, "61 * * * *", err, sizeof(err)) < 0, "minute 61 refused", NULL);
	check(cron_parse(&c, "* * * *", err, sizeof(err)) < 0, "four fields refused", NULL);
	check(cron_parse(&c, "*/0 * * * *", err, sizeof(err)) < 0, "step 0 refused", NULL);
	check(cron_parse(&c, "5-1 * * * *", err, sizeof(err)) < 0, "backwards range refused", NULL);
}

static void test_rematch(void)
{
	check(rematch("api", "my-api-1"), "a literal matches anywhere", NULL);
	check(rematch("^api", "api-1") && !rematch("^api", "my-api"), "^ anchors", NULL);
	check(rematch("1$", "api-1") && !rematch("1$", "api-10"), "$ anchors", NULL);
	check(rematch("api|worker", "worker-2") && !rematch("api|worker", "web"), "alternation", NULL);
	check(rematch("^w.rk", "work") && rematch("^a.*z$", "abcz") && !rematch("^a.*z$", "abc"),
	      ". and .*", NULL);
	check(rematch("^ab+c$", "abbbc") && !rematch("^ab+c$", "ac"), "+", NULL);
	check(rematch("^colou?r$", "color") && rematch("^colou?r$", "colour"), "?", NULL);
	check(rematch("^[a-c]+[0-9]$", "cab7") && !rematch("^[^a-c]", "apple"), "classes", NULL);
	check(rematch("^\\d+$", "42") && !rematch("^\\d+$", "4a") && rematch("a\\.b", "a.b") &&
		      !rematch("a\\.b", "axb"),
	      "escapes", NULL);
	char err[128];
	check(rematch_check("(a|b)", err, sizeof(err)) < 0, "groups refused", NULL);
	check(rematch_check("[abc", err, sizeof(err)) < 0, "unclosed class refused", NULL);
	check(rematch_check("*a", err, sizeof(err)) < 0, "nothing to repeat", NULL);
	check(rematch_check("^api-\\d+|w[a-z]*$", err, sizeof(err)) == 0, "a fair pattern passes",
	      NULL);
}

static void test_logrotate(void)
{
	char err[256];
	cJSON *conf = cJSON_Parse("{\"pm2-logrotate\":{\"max_size\":\"1K\",\"retain\":\"all\","
				  "\"compress\":\"true\",\"rotateInterval\":\"*/5 * * * *\"},"
				  "\"module-db-v2\":{\"pm2-logrotate\":{}}}");
	struct logrotate_conf lc;
	check(logrotate_read(conf, &lc, err, sizeof(err)) == 0, "settings read", NULL);
	check(lc.enabled && lc.max_size == 1024 && lc.retain == -1 && lc.compress,
	      "installed, 1K, retain all, compress", NULL);
	check_str(lc.date_format, "YYYY-MM-DD_HH-mm-ss", "default dateFormat");
	cJSON_Delete(conf);
	conf = cJSON_Parse("{\"pm2-logrotate\":{\"max_size\":\"lots\",\"retain\":7}}");
	check(logrotate_read(conf, &lc, err, sizeof(err)) < 0 && strstr(err, "max_size"),
	      "a bad max_size is reported", err);
	check(!lc.enabled && lc.max_size == 10 * 1024 * 1024 && lc.retain == 7,
	      "not installed; the default size stays; retain 7", NULL);
	cJSON_Delete(conf);
	cJSON *v = cJSON_CreateString("maybe");
	check(logrotate_check("compress", v, err, sizeof(err)) < 0, "compress must be a boolean",
	      NULL);
	cJSON_Delete(v);
	v = cJSON_CreateString("0 0 * * *");
	check(logrotate_check("rotateInterval", v, err, sizeof(err)) == 0, "a cron passes", NULL);
	cJSON_Delete(v);
}

static void test_crc(void)
{
	uint32_t crc = gzip_crc32(0, (const unsigned char *)"123456789", 9);
	check(crc == 0xcbf43926u, "CRC-32 check value", NULL);
}

int main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	test_datefmt();
	test_cron();
	test_rematch();
	test_logrotate();
	test_crc();
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
