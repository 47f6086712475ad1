/* log: the daemon's own messages (pm2.log when detached, stderr in the
 * foreground). One line each, with a timestamp and a level. */
#ifndef PM2_DLOG_H
#define PM2_DLOG_H

void dlog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dlog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
