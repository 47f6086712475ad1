/* module_conf: see module_conf.h. */
#define _GNU_SOURCE
#include "module_conf.h"
#include "app_spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct logrotate_default logrotate_defaults[] = {
	{ "max_size", "10M", false },
	{ "retain", "30", false },
	{ "compress", "false", true },
	{ "dateFormat", "YYYY-MM-DD_HH-mm-ss", false },
	{ "workerInterval", "30", false },
	{ "rotateInterval", "0 0 * * *", false },
	{ "rotateModule", "true", true },
};
const size_t logrotate_ndefaults = ARRAY_LEN(logrotate_defaults);

static char *conf_path(const char *home)
{
	return xasprintf("%s/module_conf.json", home);
}

cJSON *modconf_load(const char *home, char *err, size_t errlen)
{
	char *path = conf_path(home);
	char *text = read_file(path, NULL, MODCONF_MAX_BYTES);
	if (!text) {
		cJSON *empty = errno == ENOENT ? cJSON_CreateObject() : NULL;
		if (!empty)
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		free(path);
		return empty;
	}
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "%s is not a JSON object (fix or delete it)", path);
		cJSON_Delete(j);
		j = NULL;
	}
	free(path);
	return j;
}

/* cJSON indents with tabs and puts a tab after ':'; PM2 writes 4 spaces
 * and ": ". Tabs inside strings are escaped, so every tab is layout. */
static void pm2_layout(struct buf *out, const char *s)
{
	bool line_start = true;
	for (; *s; s++) {
		if (*s == '{' && s[1] == '\n') {
			/* an empty object: "{}" on one line, as JSON.stringify */
			size_t k = 2;
			while (s[k] == '\t')
				k++;
			if (s[k] == '}') {
				buf_puts(out, "{}");
				s += k;
				line_start = false;
				continue;
			}
		}
		if (*s == '\t') {
			buf_puts(out, line_start ? "    " : " ");
			continue;
		}
		line_start = *s == '\n';
		buf_append(out, s, 1);
	}
}

int modconf_save(const char *home, const cJSON *conf, char *err, size_t errlen)
{
	char *path = conf_path(home);
	char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	char *text = cJSON_Print(conf);
	struct buf b;
	buf_init(&b);
	pm2_layout(&b, text);
	cJSON_free(text);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && write_all(fd, b.data, b.len) == 0 && fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	buf_free(&b);
	free(tmp);
	free(path);
	return rc;
}

bool modconf_installed(const cJSON *conf, const char *module)
{
	const cJSON *db = cJSON_GetObjectItemCaseSensitive(conf, MODCONF_INSTALLED);
	return cJSON_GetObjectItemCaseSensitive(db, module) != NULL;
}

/* true/false as a JSON boolean or a string ("true", as `pm2 set` stores). */
static int read_bool(const cJSON *v, bool *out)
{
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return 0;
	}
	if (cJSON_IsString(v) && (!strcmp(v->valuestring, "true") || !strcmp(v->valuestring, "false"))) {
		*out = v->valuestring[0] == 't';
		return 0;
	}
	return -1;
}

/* A whole number as a JSON number or a string of digits. */
static int read_int(const cJSON *v, long long *out)
{
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9) {
		*out = (long long)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v) || !str_is_uint(v->valuestring) || strlen(v->valuestring) > 9)
		return -1;
	*out = atoll(v->valuestring);
	return 0;
}

/* Apply one setting to out (which holds defaults); -1 + reason if bad. */
static int apply(struct logrotate_conf *out, const char *key, const cJSON *v, char *err,
		 size_t errlen)
{
	long long n;
	if (!strcmp(key, "max_size")) {
		n = spec_parse_bytes(v);
		if (n <= 0) {
			snprintf(err, errlen, "must be a size like 10M, 512K or 1G");
			return -1;
		}
		out->max_size = n;
	} else if (!strcmp(key, "retain")) {
		/* pm2-logrotate: anything that is not a number keeps all */
		out->retain = read_int(v, &n) == 0 ? (int)n : -1;
	} else if (!strcmp(key, "compress") || !strcmp(key, "rotateModule")) {
		bool b;
		if (read_bool(v, &b) < 0) {
			snprintf(err, errlen, "must be true or false");
			return -1;
		}
		if (key[0] == 'c')
			out->compress = b;
	} else if (!strcmp(key, "dateFormat")) {
		if (!cJSON_IsString(v) || !*v->valuestring || strchr(v->valuestring, '/') ||
		    strlen(v->valuestring) >= DATEFMT_MAX) {
			snprintf(err, errlen, "must be a date format like YYYY-MM-DD_HH-mm-ss (no \"/\")");
			return -1;
		}
		snprintf(out->date_format, sizeof(out->date_format), "%s", v->valuestring);
	} else if (!strcmp(key, "rotateInterval")) {
		if (!cJSON_IsString(v) || cron_parse(v->valuestring, &out->cron, err, errlen) < 0) {
			if (!cJSON_IsString(v))
				snprintf(err, errlen, "must be a cron expression like \"0 0 * * *\"");
			return -1;
		}
	} else if (!strcmp(key, "workerInterval")) {
		if (read_int(v, &n) < 0 || n < 1) {
			snprintf(err, errlen, "must be a number of seconds >= 1");
			return -1;
		}
		out->worker_interval = (int)n;
	}
	return 0;
}

static void set_defaults(struct logrotate_conf *out)
{
	memset(out, 0, sizeof(*out));
	char err[128];
	for (size_t i = 0; i < logrotate_ndefaults; i++) {
		const struct logrotate_default *d = &logrotate_defaults[i];
		cJSON *v = d->boolean ? cJSON_CreateBool(d->value[0] == 't')
				      : cJSON_CreateString(d->value);
		apply(out, d->key, v, err, sizeof(err));
		cJSON_Delete(v);
	}
}

int logrotate_check(const char *key, const cJSON *value, char *err, size_t errlen)
{
	struct logrotate_conf scratch;
	set_defaults(&scratch);
	char why[200];
	if (apply(&scratch, key, value, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "%s:%s %s", LOGROTATE_MODULE, key, why);
	return -1;
}

int logrotate_read(const cJSON *conf, struct logrotate_conf *out, char *err, size_t errlen)
{
	set_defaults(out);
	out->enabled = modconf_installed(conf, LOGROTATE_MODULE);
	const cJSON *mine = cJSON_GetObjectItemCaseSensitive(conf, LOGROTATE_MODULE);
	int rc = 0;
	for (const cJSON *v = cJSON_IsObject(mine) ? mine->child : NULL; v; v = v->next) {
		struct logrotate_conf before = *out;
		char why[200];
		if (apply(out, v->string, v, why, sizeof(why)) == 0)
			continue;
		*out = before;
		if (rc == 0)
			snprintf(err, errlen, "%s:%s %s; using the default", LOGROTATE_MODULE,
				 v->string, why);
		rc = -1;
	}
	return rc;
}
