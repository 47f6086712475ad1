/* log: the daemon's own messages (pm2.log when detached, stderr in the
 * foreground). One line each, with a timestamp and a level. */
#ifndef PM2_DLOG_H
#define PM2_DLOG_H

#include <stddef.h>

void dlog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dlog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called with each line once written (the `pm2 logs` stream of PM2's own
 * lines, the size of pm2.log for rotation). Not called from inside
 * itself: a message the hook logs is written but not passed back. */
typedef void (*dlog_hook_fn)(void *ctx, const char *line, size_t len);
void dlog_set_hook(dlog_hook_fn fn, void *ctx);
/* Where lines are written (default: fd 2). The foreground runtime sends
 * them through its stderr sink, so they queue behind app lines held for a
 * slow reader instead of cutting into them. */
void dlog_set_writer(dlog_hook_fn fn, void *ctx);

#endif
