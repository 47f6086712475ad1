/* watch: file watching for --watch / "watch" (see watch.c). An instance
 * watches while it is meant to run; `pm2 stop` ends it. */
#ifndef PM2_WATCH_H
#define PM2_WATCH_H

#include "daemon.h"

/* Does the app ask to be watched? */
bool watch_configured(const struct app_conf *c);
/* Start watching for this instance (no-op if not configured or already). */
void watch_start(struct daemon *d, struct instance *in);
void watch_stop(struct daemon *d, struct instance *in);

#endif
