/* module_conf: $PM2_HOME/module_conf.json, where PM2 keeps module settings
 * (`pm2 set <module>:<key> <value>`) and which modules are installed
 * (under "module-db-v2"). One module is built in: pm2-logrotate, whose
 * settings and defaults live here so the CLI (set, install) and the daemon
 * (rotation) read them the same way. */
#ifndef PM2_MODULE_CONF_H
#define PM2_MODULE_CONF_H

#include "cron.h"
#include "datefmt.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define MODCONF_INSTALLED "module-db-v2"
#define LOGROTATE_MODULE "pm2-logrotate"
/* A settings file is small; anything bigger is not ours. */
#define MODCONF_MAX_BYTES (1u << 20)

/* The file as JSON ({} when it does not exist yet); NULL with a reason if
 * it cannot be read or is not a JSON object. */
cJSON *modconf_load(const char *home, char *err, size_t errlen);
/* Write it back as PM2 does (4-space indent), atomically. */
int modconf_save(const char *home, const cJSON *conf, char *err, size_t errlen);
bool modconf_installed(const cJSON *conf, const char *module);

/* pm2-logrotate's defaults, as its package.json "config" has them. */
struct logrotate_default {
	const char *key;
	const char *value;
	bool boolean; /* stored as a JSON boolean, not a string */
};
extern const struct logrotate_default logrotate_defaults[];
extern const size_t logrotate_ndefaults;

struct logrotate_conf {
	bool enabled;          /* `pm2 install pm2-logrotate` was run */
	long long max_size;    /* bytes */
	int retain;            /* rotated files kept per log; -1 = all */
	bool compress;         /* gzip rotated files */
	char date_format[DATEFMT_MAX];
	struct cron_expr cron; /* rotateInterval: forced rotation */
	int worker_interval;   /* seconds, kept for compatibility */
};

/* Is this a valid value for pm2-logrotate:<key>? -1 with a reason. Keys
 * we do not know are accepted (PM2 stores anything). */
int logrotate_check(const char *key, const cJSON *value, char *err, size_t errlen);
/* Settings from a loaded file, defaults for what is missing. A bad value
 * keeps its default and is reported in err (first one only); returns -1
 * then, 0 when everything was good. */
int logrotate_read(const cJSON *conf, struct logrotate_conf *out, char *err, size_t errlen);

#endif
