/* Unit tests for the log pieces that are pure logic: dayjs date formats,
 * the /regex/ matcher, pm2-logrotate settings, CRC-32. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/common/datefmt.h"
#include "../../src/common/module_conf.h"
#include "../../src/common/rematch.h"
#include "../../src/common/util.h"
#include "../../src/daemon/gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check(int ok, const char *what, const char *detail)
{
	CHECK(ok, "logs: %s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static void check_date(const char *got, const char *want, const char *what)
{
	check_str("logs", what, got, want);
}

/* 2024-03-05 14:07:09.042 UTC, a Tuesday */
#define T0 1709647629042LL

static void test_datefmt(void)
{
	char out[DATEFMT_MAX];
	datefmt(out, sizeof(out), "YYYY-MM-DDTHH:mm:ss", T0);
	check_date(out, "2024-03-05T14:07:09", "time: true format");
	datefmt(out, sizeof(out), "YYYY-MM-DD HH:mm:ss Z", T0);
	check_date(out, "2024-03-05 14:07:09 +00:00", "Z is +hh:mm");
	datefmt(out, sizeof(out), "YYYY-MM-DD-HH:mm:ssZZ", T0);
	check_date(out, "2024-03-05-14:07:09+0000", "ZZ is +hhmm");
	datefmt(out, sizeof(out), "YY M D H m s SSS", T0);
	check_date(out, "24 3 5 14 7 9 042", "short tokens and milliseconds");
	datefmt(out, sizeof(out), "ddd dddd MMM MMMM hh:mm A a", T0);
	check_date(out, "Tue Tuesday Mar March 02:07 PM pm", "names and 12-hour clock");
	datefmt(out, sizeof(out), "[at] HH[h] [YYYY]", T0);
	check_date(out, "at 14h YYYY", "[escaped] text is literal");
	datefmt(out, sizeof(out), "YYYY-MM-DD_HH-mm-ss", T0);
	check_date(out, "2024-03-05_14-07-09", "pm2-logrotate's dateFormat");
	datefmt_iso(out, sizeof(out), T0);
	check_date(out, "2024-03-05T14:07:09.042Z", "toISOString");
	setenv("TZ", "<+0530>-5:30", 1);
	tzset();
	datefmt(out, sizeof(out), "HH:mm Z ZZ", T0);
	check_date(out, "19:37 +05:30 +0530", "local time and its offset");
	setenv("TZ", "UTC0", 1);
	tzset();
	char tiny[6];
	datefmt(tiny, sizeof(tiny), "YYYY-MM-DD", T0);
	check_date(tiny, "2024-", "output is cut to the buffer");
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
	check_date(lc.date_format, "YYYY-MM-DD_HH-mm-ss", "default dateFormat");
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

void test_logs(void)
{
	const char *tz = getenv("TZ");
	char *saved = tz ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC0", 1);
	tzset();
	test_datefmt();
	test_rematch();
	test_logrotate();
	test_crc();
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}
