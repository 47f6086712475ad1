/* logline: see logline.h. */
#include "logline.h"

#include <string.h>

void logline_json(struct buf *b, const char *line, size_t len, const char *timestamp,
		  const char *type, int pm_id, const char *name)
{
	buf_puts(b, "{\"message\":");
	buf_json_str(b, line, len);
	buf_printf(b, ",\"timestamp\":\"%s\",\"type\":\"%s\",\"process_id\":%d,\"app_name\":",
		   timestamp, type, pm_id);
	buf_json_str(b, name, strlen(name));
	buf_puts(b, "}");
}

void logline_kv(struct buf *b, const char *timestamp, const char *type, int pm_id,
		const char *name)
{
	buf_printf(b, "timestamp=%s app=%s id=%d type=%s message=", timestamp, name, pm_id,
		   strcmp(type, "out") == 0 ? "out" : "error");
}
