/* args: PM2's flags. Flags may come anywhere, as with PM2's commander;
 * everything after "--" belongs to the app. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/hostport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum arg_kind {
	A_NONE,     /* boolean flag */
	A_REQUIRED, /* takes the next argument */
	A_OPTIONAL, /* takes "=value", or the next argument if it fits */
};

struct flag_def {
	const char *name;  /* long name, the key in cli->flags */
	char shortname;
	enum arg_kind kind;
	/* For optional values: does this next argument look like ours? */
	bool (*accepts)(const char *next);
};

static bool looks_word(const char *s) { return *s != '\0'; }
static bool looks_log_path(const char *s) { return str_ends(s, ".log") || strchr(s, '/') != NULL; }
static bool looks_date_format(const char *s) { return strpbrk(s, "YMDHms") && !strchr(s, '/') && !strchr(s, '.'); }

static const struct flag_def flag_defs[] = {
	/* start / app options */
	{ "name", 'n', A_REQUIRED, NULL },
	{ "instances", 'i', A_REQUIRED, NULL },
	{ "interpreter", 0, A_REQUIRED, NULL },
	{ "interpreter-args", 0, A_REQUIRED, NULL },
	{ "node-args", 0, A_REQUIRED, NULL },
	{ "cwd", 0, A_REQUIRED, NULL },
	{ "env", 0, A_REQUIRED, NULL },
	{ "only", 0, A_REQUIRED, NULL },
	{ "namespace", 0, A_REQUIRED, NULL },
	{ "args", 0, A_REQUIRED, NULL },
	{ "max-restarts", 0, A_REQUIRED, NULL },
	{ "min-uptime", 0, A_REQUIRED, NULL },
	{ "restart-delay", 0, A_REQUIRED, NULL },
	{ "exp-backoff-restart-delay", 0, A_REQUIRED, NULL },
	{ "kill-timeout", 0, A_REQUIRED, NULL },
	{ "kill-signal", 0, A_REQUIRED, NULL },
	{ "stop-exit-codes", 0, A_REQUIRED, NULL },
	{ "listen-timeout", 0, A_REQUIRED, NULL },
	{ "max-memory-restart", 0, A_REQUIRED, NULL },
	{ "cron", 'c', A_REQUIRED, NULL },
	{ "cron-restart", 0, A_REQUIRED, NULL },
	{ "output", 'o', A_REQUIRED, NULL },
	{ "error", 'e', A_REQUIRED, NULL },
	{ "log", 'l', A_OPTIONAL, looks_log_path },
	{ "pid", 'p', A_REQUIRED, NULL },
	{ "log-date-format", 0, A_REQUIRED, NULL },
	{ "log-type", 0, A_REQUIRED, NULL },
	{ "time", 0, A_NONE, NULL },
	{ "merge-logs", 0, A_NONE, NULL },
	{ "disable-logs", 0, A_NONE, NULL },
	{ "watch", 'w', A_OPTIONAL, NULL },
	{ "ignore-watch", 0, A_REQUIRED, NULL },
	{ "watch-delay", 0, A_REQUIRED, NULL },
	{ "uid", 0, A_REQUIRED, NULL },
	{ "gid", 0, A_REQUIRED, NULL },
	{ "user", 'u', A_REQUIRED, NULL },
	{ "port", 0, A_REQUIRED, NULL },
	{ "listen", 0, A_REQUIRED, NULL },
	{ "instance-var", 0, A_REQUIRED, NULL },
	{ "increment-var", 0, A_REQUIRED, NULL },
	{ "filter-env", 0, A_REQUIRED, NULL },
	{ "wait-ready", 0, A_NONE, NULL },
	{ "shutdown-with-message", 0, A_NONE, NULL },
	{ "no-autorestart", 0, A_NONE, NULL },
	{ "no-autostart", 0, A_NONE, NULL },
	{ "no-treekill", 0, A_NONE, NULL },
	{ "no-vizion", 0, A_NONE, NULL },
	{ "no-pmx", 0, A_NONE, NULL },
	{ "no-automation", 0, A_NONE, NULL },
	{ "source-map-support", 0, A_NONE, NULL },
	{ "update-env", 0, A_NONE, NULL },
	{ "force", 'f', A_NONE, NULL },
	{ "execute-command", 'x', A_NONE, NULL },
	{ "no-daemon", 0, A_NONE, NULL },
	{ "no-auto-exit", 0, A_NONE, NULL },
	/* output */
	{ "no-color", 0, A_NONE, NULL },
	{ "silent", 's', A_NONE, NULL },
	{ "mini-list", 'm', A_NONE, NULL },
	{ "sort", 0, A_REQUIRED, NULL },
	{ "raw", 0, A_NONE, NULL },
	{ "json", 0, A_NONE, NULL },
	{ "format", 0, A_NONE, NULL },
	{ "prefix", 0, A_NONE, NULL },
	{ "formatted", 0, A_NONE, NULL },
	{ "nostream", 0, A_NONE, NULL },
	{ "lines", 0, A_REQUIRED, NULL },
	{ "out", 0, A_NONE, NULL },
	{ "err", 0, A_NONE, NULL },
	{ "timestamp", 0, A_OPTIONAL, looks_date_format },
	{ "highlight", 0, A_OPTIONAL, looks_word },
	{ "web", 0, A_OPTIONAL, hostport_looks_like },
	{ "web-token", 0, A_REQUIRED, NULL },
	{ "version", 'v', A_NONE, NULL },
	{ "help", 'h', A_NONE, NULL },
};

static const struct flag_def *flag_by_long(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_defs); i++)
		if (strlen(flag_defs[i].name) == len &&
		    strncmp(flag_defs[i].name, name, len) == 0)
			return &flag_defs[i];
	return NULL;
}

static const struct flag_def *flag_by_short(char s)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_defs); i++)
		if (flag_defs[i].shortname == s)
			return &flag_defs[i];
	return NULL;
}

static void set_flag(struct cli *c, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(c->flags, name);
	if (value)
		cJSON_AddStringToObject(c->flags, name, value);
	else
		cJSON_AddTrueToObject(c->flags, name);
}

int args_parse(struct cli *c, int argc, char **argv, int first)
{
	c->flags = cJSON_CreateObject();
	c->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	c->rest = xcalloc((size_t)argc + 1, sizeof(char *));

	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				c->rest[c->nrest++] = argv[i];
			break;
		}
		/* "-2" is a number, not a flag: `pm2 scale api -2`. */
		if (a[0] != '-' || a[1] == '\0' || str_is_uint(a + 1)) {
			c->pos[c->npos++] = argv[i];
			continue;
		}
		const struct flag_def *f;
		const char *inline_val = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			f = flag_by_long(a + 2, len);
			inline_val = eq ? eq + 1 : NULL;
		} else {
			f = a[2] == '\0' ? flag_by_short(a[1]) : NULL;
			/* "-i4" style */
			if (!f && a[2] && (f = flag_by_short(a[1])) && f->kind != A_NONE)
				inline_val = a + 2;
			else if (a[2])
				f = NULL;
		}
		if (!f) {
			fprintf(stderr, "error: unknown option `%s'\n", a);
			return -1;
		}
		if (f->kind == A_NONE) {
			if (inline_val) {
				fprintf(stderr, "error: option `--%s' takes no value\n", f->name);
				return -1;
			}
			set_flag(c, f->name, NULL);
			continue;
		}
		if (inline_val) {
			set_flag(c, f->name, inline_val);
			continue;
		}
		if (f->kind == A_REQUIRED) {
			if (i + 1 >= argc) {
				fprintf(stderr, "error: option `--%s <value>' argument missing\n", f->name);
				return -1;
			}
			set_flag(c, f->name, argv[++i]);
			continue;
		}
		/* Optional value: take the next argument only if it plainly
		 * belongs to this flag. */
		if (i + 1 < argc && argv[i + 1][0] != '-' && f->accepts &&
		    f->accepts(argv[i + 1]))
			set_flag(c, f->name, argv[++i]);
		else
			set_flag(c, f->name, NULL);
	}
	return 0;
}

const char *flag_str(const struct cli *c, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->flags, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool flag_set(const struct cli *c, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(c->flags, name) != NULL;
}

void args_free(struct cli *c)
{
	cJSON_Delete(c->flags);
	free(c->pos);
	free(c->rest);
}
