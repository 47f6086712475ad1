/* logline: PM2's shapes of one log line, shared by the daemon (log files,
 * the foreground's views) and the CLI (`pm2 logs`): the JSON object of
 * log_type json and --json, and the key=value line of --format. */
#ifndef PM2_LOGLINE_H
#define PM2_LOGLINE_H

#include "util.h"

/* {"message":...,"timestamp":...,"type":...,"process_id":...,"app_name":...}
 * (no newline). `type` is "out" or "err". */
void logline_json(struct buf *b, const char *line, size_t len, const char *timestamp,
		  const char *type, int pm_id, const char *name);
/* "timestamp=... app=... id=... type=out|error message=" (the line follows). */
void logline_kv(struct buf *b, const char *timestamp, const char *type, int pm_id,
		const char *name);

#endif
