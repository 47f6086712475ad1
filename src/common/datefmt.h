/* datefmt: dates written the way dayjs formats them, so PM2's
 * log_date_format, `pm2 logs --timestamp` and pm2-logrotate's dateFormat
 * mean what they meant under Node. Local time (TZ), like dayjs. */
#ifndef PM2_DATEFMT_H
#define PM2_DATEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for any format a user writes on one line. */
#define DATEFMT_MAX 128

/* Format wall_ms with a dayjs pattern: YYYY YY M MM MMM MMMM D DD d dd ddd
 * dddd H HH h hh m mm s ss SSS Z ZZ A a X x, [literal text]. Anything else
 * is copied. Returns the length written (truncated to outlen - 1). */
size_t datefmt(char *out, size_t outlen, const char *fmt, int64_t wall_ms);

/* JavaScript's toISOString(): 2024-05-01T12:00:00.000Z (UTC). */
size_t datefmt_iso(char *out, size_t outlen, int64_t wall_ms);

#endif
