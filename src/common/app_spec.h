/* app_spec: PM2's app keys. Turns an app object as users write it (aliases,
 * strings for numbers, "max", "1s") into one canonical JSON object with
 * PM2's key names and typed values. The same function checks ecosystem
 * files in the CLI and requests in the daemon, so it must be idempotent. */
#ifndef PM2_APP_SPEC_H
#define PM2_APP_SPEC_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* What went wrong and where: `item` points into the input tree. */
struct spec_error {
	const cJSON *item;
	char msg[256];
};

typedef void (*spec_warn_fn)(void *ctx, const cJSON *item, const char *msg);

/* Canonical copy of `in`, or NULL with *err filled. Unknown keys are
 * reported through `warn` (may be NULL) and dropped. */
cJSON *app_spec_normalize(const cJSON *in, struct spec_error *err,
			  spec_warn_fn warn, void *warn_ctx);

/* Parse a duration: 1500, "1500", "1500ms", "2s", "1m", "1h". -1 if bad. */
long long spec_parse_ms(const cJSON *v);
/* Parse a size: 1048576, "200M", "512K", "1G". -1 if bad. */
long long spec_parse_bytes(const cJSON *v);

/* Typed reads of a canonical spec, with PM2's defaults. */
const char *spec_str(const cJSON *spec, const char *key, const char *dflt);
long long spec_int(const cJSON *spec, const char *key, long long dflt);
bool spec_bool(const cJSON *spec, const char *key, bool dflt);

/* PM2's defaults, named where they are used. */
#define SPEC_DEFAULT_MAX_RESTARTS 16
#define SPEC_DEFAULT_MIN_UPTIME_MS 1000
#define SPEC_DEFAULT_KILL_TIMEOUT_MS 1600
#define SPEC_DEFAULT_LISTEN_TIMEOUT_MS 3000

#endif
