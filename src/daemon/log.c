/* log: see log.h. Writes go straight to fd 2, which the daemon points at
 * pm2.log; a failed write (full disk) is dropped, never fatal. */
#define _GNU_SOURCE
#include "log.h"
#include "../common/util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static dlog_hook_fn hook, writer;
static void *hook_ctx, *writer_ctx;

void dlog_set_writer(dlog_hook_fn fn, void *ctx)
{
	writer = fn;
	writer_ctx = ctx;
}

void dlog_set_hook(dlog_hook_fn fn, void *ctx)
{
	hook = fn;
	hook_ctx = ctx;
}

static void dlog(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ PM2 %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level);
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (writer)
		writer(writer_ctx, line, len);
	else
		(void)!write(2, line, len);
	static bool in_hook;
	if (hook && !in_hook) {
		in_hook = true;
		hook(hook_ctx, line, len);
		in_hook = false;
	}
}

void dlog_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dlog("log:", fmt, ap);
	va_end(ap);
}

void dlog_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dlog("warn:", fmt, ap);
	va_end(ap);
}

void dlog_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dlog("error:", fmt, ap);
	va_end(ap);
}
