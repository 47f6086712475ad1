/* app_spec: see app_spec.h. */
#define _GNU_SOURCE
#include "app_spec.h"
#include "listen_spec.h"
#include "cron.h"
#include "../daemon/privs.h"
#include "signals.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum key_type {
	K_STR,       /* a string */
	K_NAME,      /* a string that becomes part of file names */
	K_BOOL,      /* true/false, "true"/"false" */
	K_INT,       /* integer, or a string of digits */
	K_MS,        /* duration in ms: 1500, "1500", "2s", "1m" */
	K_BYTES,     /* size: 1048576, "200M" */
	K_ARGS,      /* array of strings, or one string split on blanks */
	K_STRLIST,   /* array of strings, or one string */
	K_ENV,       /* object of scalars, values become strings */
	K_INSTANCES, /* number, "max" (0) or numeric string */
	K_EXEC_MODE, /* fork|fork_mode|cluster|cluster_mode */
	K_SIGNAL,    /* signal name or number, canonical "SIGINT" */
	K_INTLIST,   /* number or array of numbers */
	K_BOOL_STR,  /* true/false or a string (log_file, watch) */
	K_OBJECT,    /* any object */
	K_PORT,      /* 0..65535, or a string of digits */
	K_LISTEN,    /* listen address, or a list of them (listen_spec.h) */
	K_CRON,      /* a cron expression (5 or 6 fields) */
	K_CAPS,      /* a list of capability names */
	K_ID,        /* a user or group: a name or a number */
	K_ANY,       /* accepted as is */
};

struct key_def {
	const char *name;
	enum key_type type;
	const char *aliases; /* "a|b|c", or NULL */
};

/* PM2 7's app keys (lib/API/schema.json) plus ours. Aliases map to the
 * name PM2 itself shows in `jlist`. */
static const struct key_def keys[] = {
	{ "script", K_STR, "exec" },
	{ "name", K_NAME, NULL },
	{ "namespace", K_NAME, NULL },
	{ "cwd", K_STR, NULL },
	{ "args", K_ARGS, NULL },
	{ "exec_interpreter", K_STR, "interpreter" },
	{ "node_args", K_ARGS, "interpreter_args|interpreterArgs" },
	{ "instances", K_INSTANCES, NULL },
	{ "exec_mode", K_EXEC_MODE, NULL },
	{ "env", K_ENV, NULL },
	{ "autorestart", K_BOOL, NULL },
	{ "autostart", K_BOOL, NULL },
	{ "max_restarts", K_INT, NULL },
	{ "min_uptime", K_MS, NULL },
	{ "restart_delay", K_MS, NULL },
	{ "exp_backoff_restart_delay", K_MS, NULL },
	{ "kill_timeout", K_MS, NULL },
	{ "kill_signal", K_SIGNAL, NULL },
	{ "kill_retry_time", K_MS, NULL },
	{ "stop_exit_codes", K_INTLIST, NULL },
	{ "out_file", K_STR, "out|output|out_log" },
	{ "error_file", K_STR, "error|err|err_file|err_log" },
	{ "log_file", K_BOOL_STR, "log" },
	{ "pid_file", K_STR, "pid" },
	{ "merge_logs", K_BOOL, "combine_logs" },
	{ "time", K_BOOL, NULL },
	{ "log_date_format", K_STR, NULL },
	{ "log_type", K_STR, NULL },
	{ "disable_logs", K_BOOL, NULL },
	{ "watch", K_ANY, NULL },
	{ "ignore_watch", K_STRLIST, NULL },
	{ "watch_delay", K_MS, NULL },
	{ "watch_options", K_OBJECT, NULL },
	{ "max_memory_restart", K_BYTES, NULL },
	{ "cron_restart", K_CRON, "cron" },
	{ "wait_ready", K_BOOL, NULL },
	{ "listen_timeout", K_MS, NULL },
	{ "shutdown_with_message", K_BOOL, NULL },
	{ "port", K_PORT, NULL },
	{ "listen", K_LISTEN, NULL },
	{ "instance_var", K_STR, NULL },
	{ "increment_var", K_STR, NULL },
	{ "filter_env", K_ANY, NULL },
	{ "uid", K_ID, "user" },
	{ "gid", K_ID, NULL },
	{ "username", K_STR, NULL },
	{ "capabilities", K_CAPS, NULL },
	{ "no_new_privs", K_BOOL, NULL },
	{ "vizion", K_BOOL, NULL },
	{ "treekill", K_BOOL, NULL },
	{ "pmx", K_ANY, NULL },
	{ "automation", K_BOOL, NULL },
	{ "source_map_support", K_BOOL, NULL },
	{ "disable_source_map_support", K_BOOL, NULL },
	{ "append_env_to_name", K_BOOL, NULL },
	{ "name_prefix", K_STR, NULL },
	{ "force", K_BOOL, NULL },
	{ "execute_command", K_BOOL, NULL },
	{ "post_update", K_STRLIST, NULL },
	{ "windowsHide", K_BOOL, NULL },
	{ "trace", K_BOOL, NULL },
	{ "disable_trace", K_BOOL, NULL },
	{ "v8", K_BOOL, NULL },
	{ "event_loop_inspector", K_BOOL, NULL },
	{ "deep_monitoring", K_BOOL, NULL },
	{ "install_url", K_STR, NULL },
	{ "io", K_OBJECT, NULL },
	{ "write", K_BOOL, NULL },
	{ "version", K_STR, NULL },
};

static const struct key_def env_block_key = { "env_*", K_ENV, NULL };

static const struct key_def *key_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0 || name_in_list(keys[i].aliases, '|', name))
			return &keys[i];
	if (str_starts(name, "env_") && name[4])
		return &env_block_key;
	return NULL;
}

static cJSON *fail(struct spec_error *err, const cJSON *item, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static cJSON *fail(struct spec_error *err, const cJSON *item, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->item = item;
	return NULL;
}

/* A short rendering of a value for "got ..." in messages. */
static void describe_value(const cJSON *v, char *out, size_t n)
{
	if (cJSON_IsString(v))
		snprintf(out, n, "\"%.60s\"", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(out, n, "%g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(out, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(out, n, "null");
	else if (cJSON_IsArray(v))
		snprintf(out, n, "an array");
	else
		snprintf(out, n, "an object");
}

long long spec_parse_ms(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return (v->valuedouble >= 0 && v->valuedouble < 1e15)
			       ? (long long)v->valuedouble : -1;
	if (!cJSON_IsString(v))
		return -1;
	char *end;
	errno = 0;
	double d = strtod(v->valuestring, &end);
	if (end == v->valuestring || errno || d < 0)
		return -1;
	double mult = 1;
	if (strcmp(end, "") == 0 || strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		return -1;
	d *= mult;
	return d < 1e15 ? (long long)d : -1;
}

long long spec_parse_bytes(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble >= 0 && v->valuedouble < 1e18
			       ? (long long)v->valuedouble : -1;
	if (!cJSON_IsString(v))
		return -1;
	char *end;
	errno = 0;
	double d = strtod(v->valuestring, &end);
	if (end == v->valuestring || errno || d < 0)
		return -1;
	double mult;
	switch (toupper((unsigned char)*end)) {
	case '\0': mult = 1; break;
	case 'K': mult = 1024.0; break;
	case 'M': mult = 1024.0 * 1024; break;
	case 'G': mult = 1024.0 * 1024 * 1024; break;
	default: return -1;
	}
	if (*end && end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
		return -1;
	d *= mult;
	return d < 1e18 ? (long long)d : -1;
}

static bool parse_bool(const cJSON *v, bool *out)
{
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return true;
	}
	if (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0) {
		*out = true;
		return true;
	}
	if (cJSON_IsString(v) && strcmp(v->valuestring, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_int(const cJSON *v, long long *out)
{
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble != floor(v->valuedouble) ||
		    fabs(v->valuedouble) > 1e15)
			return false;
		*out = (long long)v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (end == s || *end || errno)
			return false;
		*out = n;
		return true;
	}
	return false;
}

/* Split "a b 'c d'" into ["a","b","c d"], as PM2 does for string args. */
static cJSON *split_args(const char *s)
{
	cJSON *arr = cJSON_CreateArray();
	struct buf cur;
	buf_init(&cur);
	bool in_word = false;
	char quote = 0;
	for (const char *p = s;; p++) {
		char c = *p;
		if (c == '\0' || (!quote && isspace((unsigned char)c))) {
			if (in_word)
				cJSON_AddItemToArray(arr, cJSON_CreateString(cur.data ? cur.data : ""));
			buf_reset(&cur);
			in_word = false;
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		buf_append(&cur, &c, 1);
	}
	buf_free(&cur);
	return arr;
}

static cJSON *scalar_to_string(const cJSON *v)
{
	if (cJSON_IsString(v))
		return cJSON_CreateString(v->valuestring);
	if (cJSON_IsNumber(v)) {
		char tmp[64];
		js_number(v->valuedouble, tmp, sizeof(tmp));
		return cJSON_CreateString(tmp);
	}
	if (cJSON_IsBool(v))
		return cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
	return NULL;
}

/* A name ends up in log and pid file names: refuse what could escape the
 * logs folder or garble a terminal. */
static const char *name_problem(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (strlen(s) > 200)
		return "is longer than 200 characters";
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "must not be \".\" or \"..\"";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '/')
			return "must not contain \"/\"";
		if (*p < 0x20 || *p == 0x7f)
			return "must not contain control characters";
	}
	return NULL;
}

/* One listen address: a string or a bare port number. */
static cJSON *listen_item(const char *key, const cJSON *v, struct spec_error *err)
{
	char got[96];
	describe_value(v, got, sizeof(got));
	cJSON *s = cJSON_IsString(v) || cJSON_IsNumber(v) ? scalar_to_string(v) : NULL;
	struct listen_addr a;
	const char *why = "it must be a string";
	if (s && listen_spec_parse(s->valuestring, &a, &why) == 0)
		return s;
	cJSON_Delete(s);
	return fail(err, v, "\"%s\": %s (write PORT, IP:PORT, [IPv6]:PORT or unix:/path), got %s",
		    key, why, got);
}

static cJSON *convert_listen(const char *key, const cJSON *v, struct spec_error *err)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *first = cJSON_IsArray(v) ? v->child : v;
	for (const cJSON *e = first; e; e = cJSON_IsArray(v) ? e->next : NULL) {
		cJSON *s = listen_item(key, e, err);
		if (!s) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, s);
	}
	return a;
}

static cJSON *convert(const struct key_def *k, const char *key, const cJSON *v,
		      struct spec_error *err)
{
	char got[96];
	describe_value(v, got, sizeof(got));
	bool b;
	long long n;

	switch (k->type) {
	case K_STR:
		if (!cJSON_IsString(v))
			return fail(err, v, "\"%s\" must be a string, got %s", key, got);
		return cJSON_CreateString(v->valuestring);
	case K_NAME: {
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
			return fail(err, v, "\"%s\" must be a string, got %s", key, got);
		cJSON *s = scalar_to_string(v);
		const char *why = name_problem(s->valuestring);
		if (why) {
			cJSON_Delete(s);
			return fail(err, v, "\"%s\" %s, got %s", key, why, got);
		}
		return s;
	}
	case K_BOOL:
		if (!parse_bool(v, &b))
			return fail(err, v, "\"%s\" must be true or false, got %s", key, got);
		return cJSON_CreateBool(b);
	case K_INT:
		if (!parse_int(v, &n) || n < 0 || n > INT_MAX)
			return fail(err, v, "\"%s\" must be a whole number >= 0, got %s", key, got);
		return cJSON_CreateNumber((double)n);
	case K_MS:
		n = spec_parse_ms(v);
		if (n < 0)
			return fail(err, v, "\"%s\" must be a duration in ms (or \"2s\", \"1m\"), got %s", key, got);
		return cJSON_CreateNumber((double)n);
	case K_BYTES:
		n = spec_parse_bytes(v);
		if (n < 0)
			return fail(err, v, "\"%s\" must be a size in bytes (or \"200M\", \"1G\"), got %s", key, got);
		return cJSON_CreateNumber((double)n);
	case K_ARGS:
	case K_STRLIST:
		if (cJSON_IsString(v) && k->type == K_ARGS)
			return split_args(v->valuestring);
		if (cJSON_IsString(v)) {
			cJSON *a = cJSON_CreateArray();
			cJSON_AddItemToArray(a, cJSON_CreateString(v->valuestring));
			return a;
		}
		if (cJSON_IsArray(v)) {
			cJSON *a = cJSON_CreateArray();
			for (const cJSON *e = v->child; e; e = e->next) {
				cJSON *s = scalar_to_string(e);
				if (!s) {
					cJSON_Delete(a);
					describe_value(e, got, sizeof(got));
					return fail(err, e, "\"%s\" must be a list of strings, got %s in it", key, got);
				}
				cJSON_AddItemToArray(a, s);
			}
			return a;
		}
		return fail(err, v, "\"%s\" must be a string or a list of strings, got %s", key, got);
	case K_ENV: {
		if (!cJSON_IsObject(v))
			return fail(err, v, "\"%s\" must be an object of variables, got %s", key, got);
		cJSON *o = cJSON_CreateObject();
		for (const cJSON *e = v->child; e; e = e->next) {
			if (cJSON_IsNull(e))
				continue;
			cJSON *s = scalar_to_string(e);
			if (!s) {
				cJSON_Delete(o);
				describe_value(e, got, sizeof(got));
				return fail(err, e, "\"%s\": variable \"%s\" must be a string, number or boolean, got %s", key, e->string, got);
			}
			if (!*e->string || strchr(e->string, '=')) {
				cJSON_Delete(s);
				cJSON_Delete(o);
				return fail(err, e, "\"%s\": \"%s\" is not a valid variable name", key, e->string);
			}
			cJSON_AddItemToObject(o, e->string, s);
		}
		return o;
	}
	case K_INSTANCES:
		if (cJSON_IsString(v) && strcmp(v->valuestring, "max") == 0)
			return cJSON_CreateNumber(0);
		if (!parse_int(v, &n) || n < -1024 || n > 4096)
			return fail(err, v, "\"%s\" must be a number or \"max\", got %s", key, got);
		return cJSON_CreateNumber((double)n);
	case K_EXEC_MODE:
		if (cJSON_IsString(v)) {
			const char *s = v->valuestring;
			if (!strcmp(s, "fork") || !strcmp(s, "fork_mode"))
				return cJSON_CreateString("fork_mode");
			if (!strcmp(s, "cluster") || !strcmp(s, "cluster_mode"))
				return cJSON_CreateString("cluster_mode");
		}
		return fail(err, v, "\"%s\" must be \"fork\" or \"cluster\", got %s", key, got);
	case K_SIGNAL: {
		cJSON *s = scalar_to_string(v);
		int sig = s ? signal_parse(s->valuestring) : -1;
		cJSON_Delete(s);
		if (sig < 0)
			return fail(err, v, "\"%s\" must be a signal name like \"SIGTERM\", got %s", key, got);
		return cJSON_CreateString(signal_name(sig));
	}
	case K_INTLIST: {
		cJSON *a = cJSON_CreateArray();
		if (parse_int(v, &n)) {
			cJSON_AddItemToArray(a, cJSON_CreateNumber((double)n));
			return a;
		}
		if (cJSON_IsArray(v)) {
			for (const cJSON *e = v->child; e; e = e->next) {
				if (!parse_int(e, &n)) {
					cJSON_Delete(a);
					describe_value(e, got, sizeof(got));
					return fail(err, e, "\"%s\" must be a list of numbers, got %s in it", key, got);
				}
				cJSON_AddItemToArray(a, cJSON_CreateNumber((double)n));
			}
			return a;
		}
		cJSON_Delete(a);
		return fail(err, v, "\"%s\" must be a number or a list of numbers, got %s", key, got);
	}
	case K_BOOL_STR:
		if (parse_bool(v, &b))
			return cJSON_CreateBool(b);
		if (cJSON_IsString(v))
			return cJSON_CreateString(v->valuestring);
		return fail(err, v, "\"%s\" must be true, false or a path, got %s", key, got);
	case K_OBJECT:
		if (!cJSON_IsObject(v))
			return fail(err, v, "\"%s\" must be an object, got %s", key, got);
		return cJSON_Duplicate(v, 1);
	case K_PORT:
		if (!parse_int(v, &n) || n < 0 || n > 65535)
			return fail(err, v, "\"%s\" must be a port number from 0 to 65535, got %s", key, got);
		return cJSON_CreateNumber((double)n);
	case K_LISTEN:
		return convert_listen(key, v, err);
	case K_CRON: {
		struct cron_expr ce;
		char why[128];
		cJSON *s = scalar_to_string(v);
		if (!s)
			return fail(err, v, "\"%s\" must be a cron expression, got %s", key, got);
		if (cron_parse(s->valuestring, &ce, why, sizeof(why)) < 0) {
			cJSON_Delete(s);
			return fail(err, v, "\"%s\" is not a valid cron expression (%s), got %s",
				    key, why, got);
		}
		return s;
	}
	case K_CAPS: {
		cJSON *list = cJSON_IsString(v) ? split_args(v->valuestring) : NULL;
		const cJSON *src = list ? list : v;
		if (!cJSON_IsArray(src)) {
			cJSON_Delete(list);
			return fail(err, v, "\"%s\" must be a list of capability names, got %s", key, got);
		}
		cJSON *a = cJSON_CreateArray();
		for (const cJSON *e = src->child; e; e = e->next) {
			if (!cJSON_IsString(e) || !privs_cap_valid(e->valuestring)) {
				describe_value(e, got, sizeof(got));
				cJSON_Delete(a);
				cJSON_Delete(list);
				return fail(err, list ? v : e, "\"%s\": unknown capability %s", key, got);
			}
			/* canonical: "CAP_NET_BIND_SERVICE" */
			const char *bare = strncasecmp(e->valuestring, "CAP_", 4) == 0
						   ? e->valuestring + 4 : e->valuestring;
			char *up = xasprintf("CAP_%s", bare);
			for (char *q = up; *q; q++)
				*q = (char)toupper((unsigned char)*q);
			cJSON_AddItemToArray(a, cJSON_CreateString(up));
			free(up);
		}
		cJSON_Delete(list);
		return a;
	}
	case K_ID:
		if (cJSON_IsNumber(v) && parse_int(v, &n) && n >= 0)
			return cJSON_CreateNumber((double)n);
		if (cJSON_IsString(v) && *v->valuestring && !strchr(v->valuestring, ':'))
			return cJSON_CreateString(v->valuestring);
		return fail(err, v, "\"%s\" must be a user or group name or number, got %s", key, got);
	case K_ANY:
		return cJSON_Duplicate(v, 1);
	}
	return fail(err, v, "\"%s\": unsupported", key);
}

cJSON *app_spec_normalize(const cJSON *in, struct spec_error *err,
			  spec_warn_fn warn, void *warn_ctx)
{
	err->item = NULL;
	err->msg[0] = '\0';
	if (!cJSON_IsObject(in))
		return fail(err, in, "an app must be an object");

	cJSON *out = cJSON_CreateObject();
	for (const cJSON *m = in->child; m; m = m->next) {
		const struct key_def *k = key_lookup(m->string);
		if (!k) {
			if (warn) {
				char msg[200];
				snprintf(msg, sizeof(msg), "unknown key \"%.100s\" ignored", m->string);
				warn(warn_ctx, m, msg);
			}
			continue;
		}
		const char *canon = k == &env_block_key ? m->string : k->name;
		cJSON *v = convert(k, m->string, m, err);
		if (!v) {
			cJSON_Delete(out);
			return NULL;
		}
		/* A later spelling of the same key wins, as in JS objects. */
		cJSON_DeleteItemFromObjectCaseSensitive(out, canon);
		cJSON_AddItemToObject(out, canon, v);
	}
	const cJSON *script = cJSON_GetObjectItemCaseSensitive(out, "script");
	if (!cJSON_IsString(script) || !*script->valuestring) {
		cJSON_Delete(out);
		return fail(err, in, "app has no \"script\"");
	}
	return out;
}

const char *spec_str(const cJSON *spec, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

long long spec_int(const cJSON *spec, const char *key, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

bool spec_bool(const cJSON *spec, const char *key, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}
