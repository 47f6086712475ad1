/* start: turn `pm2 start <script|file> [flags] [-- args]` into canonical
 * app specs for the daemon — reading the ecosystem file (errors carry
 * file:line:col), applying flags, resolving the script, the interpreter,
 * the cwd, and the environment the app will get. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/app_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* Interpreters by extension, as PM2 picks them. */
static const struct {
	const char *ext, *interp;
} interpreters[] = {
	{ ".js", "node" },  { ".mjs", "node" }, { ".cjs", "node" }, { ".ts", "node" },
	{ ".py", "python3" }, { ".sh", "bash" }, { ".rb", "ruby" }, { ".php", "php" },
	{ ".pl", "perl" },  { ".coffee", "coffee" }, { ".ls", "lsc" },
};

/* Where an item is: "file:line:col", or "command line" for flags. */
struct file_ctx {
	struct cli *cli;
	const struct ecosystem *eco; /* NULL: the command line */
};

static void where(const struct file_ctx *f, const cJSON *item, char *out, size_t n)
{
	if (f->eco)
		ecosystem_where(f->eco, item, out, n);
	else
		snprintf(out, n, "command line");
}

static void warn_key(void *ctx, const cJSON *item, const char *msg)
{
	struct file_ctx *f = ctx;
	char at[512];
	where(f, item, at, sizeof(at));
	say_warn(f->cli, "%s: %s", at, msg);
}

static void set_key(cJSON *o, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddItemToObject(o, key, v);
}

/* Flags that map straight onto app keys. */
static const struct {
	const char *flag, *key;
} flag_keys[] = {
	{ "instances", "instances" },     { "interpreter", "exec_interpreter" },
	{ "interpreter-args", "node_args" }, { "node-args", "node_args" },
	{ "cwd", "cwd" },                 { "namespace", "namespace" },
	{ "max-restarts", "max_restarts" }, { "min-uptime", "min_uptime" },
	{ "restart-delay", "restart_delay" },
	{ "exp-backoff-restart-delay", "exp_backoff_restart_delay" },
	{ "kill-timeout", "kill_timeout" }, { "kill-signal", "kill_signal" },
	{ "listen-timeout", "listen_timeout" }, { "max-memory-restart", "max_memory_restart" },
	{ "cron", "cron_restart" },       { "cron-restart", "cron_restart" },
	{ "output", "out_file" },         { "error", "error_file" },
	{ "pid", "pid_file" },            { "log-date-format", "log_date_format" },
	{ "log-type", "log_type" },       { "ignore-watch", "ignore_watch" },
	{ "watch-delay", "watch_delay" }, { "uid", "uid" }, { "user", "uid" },
	{ "gid", "gid" },                 { "port", "port" }, { "listen", "listen" },
	{ "instance-var", "instance_var" }, { "increment-var", "increment_var" },
	{ "args", "args" },
};

static const struct {
	const char *flag, *key;
	bool value;
} flag_bools[] = {
	{ "no-autorestart", "autorestart", false }, { "no-autostart", "autostart", false },
	{ "no-treekill", "treekill", false },       { "no-vizion", "vizion", false },
	{ "no-pmx", "pmx", false },                 { "no-automation", "automation", false },
	{ "merge-logs", "merge_logs", true },       { "time", "time", true },
	{ "disable-logs", "disable_logs", true },   { "wait-ready", "wait_ready", true },
	{ "shutdown-with-message", "shutdown_with_message", true },
};

static void apply_flags(struct cli *c, cJSON *app, bool single)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_keys); i++) {
		const char *v = flag_str(c, flag_keys[i].flag);
		if (v)
			set_key(app, flag_keys[i].key, cJSON_CreateString(v));
	}
	for (size_t i = 0; i < ARRAY_LEN(flag_bools); i++)
		if (flag_set(c, flag_bools[i].flag))
			set_key(app, flag_bools[i].key, cJSON_CreateBool(flag_bools[i].value));
	if (flag_set(c, "stop-exit-codes")) {
		cJSON *codes = cJSON_CreateArray();
		char *s = xstrdup(flag_str(c, "stop-exit-codes") ? flag_str(c, "stop-exit-codes") : "");
		char *save = NULL;
		for (char *t = strtok_r(s, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			cJSON_AddItemToArray(codes, cJSON_CreateString(t));
		free(s);
		set_key(app, "stop_exit_codes", codes);
	}
	if (flag_set(c, "log"))
		set_key(app, "log_file", flag_str(c, "log") ? cJSON_CreateString(flag_str(c, "log"))
							    : cJSON_CreateTrue());
	if (flag_set(c, "watch"))
		set_key(app, "watch", flag_str(c, "watch") ? cJSON_CreateString(flag_str(c, "watch"))
							      : cJSON_CreateTrue());
	if (single && flag_str(c, "name"))
		set_key(app, "name", cJSON_CreateString(flag_str(c, "name")));
	if (c->nrest) {
		cJSON *args = cJSON_CreateArray();
		for (int i = 0; i < c->nrest; i++)
			cJSON_AddItemToArray(args, cJSON_CreateString(c->rest[i]));
		set_key(app, "args", args);
	}
}

/* Variables that describe channels handed to *us* (socket activation,
 * readiness, a Node IPC channel): an app must not inherit them, or it
 * would talk on fds it does not have; nor the web interface's token, a
 * secret. An app's env block may still set them on purpose. */
static const char *const supervisor_only_vars[] = {
	"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_PID",
	"WATCHDOG_USEC", "NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE", "NODE_UNIQUE_ID",
	"PM2_WEB_TOKEN",
};

static bool supervisor_only(const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(supervisor_only_vars); i++)
		if (strcmp(key, supervisor_only_vars[i]) == 0)
			return true;
	return false;
}

cJSON *start_capture_env(void)
{
	cJSON *env = cJSON_CreateObject();
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e)
			continue;
		char *k = xstrndup(*e, (size_t)(eq - *e));
		if (!supervisor_only(k))
			set_key(env, k, cJSON_CreateString(eq + 1));
		free(k);
	}
	return env;
}

/* The environment the app gets: ours, then its "env", then "env_<name>". */
/* PM2's filter_env: true keeps none of our variables from the app; a name
 * or a list of names drops the variables that start with one of them. */
static void filter_env(cJSON *env, const cJSON *filter)
{
	if (!filter || cJSON_IsFalse(filter))
		return;
	for (cJSON *v = env->child, *next; v; v = next) {
		next = v->next;
		bool drop = cJSON_IsTrue(filter);
		if (cJSON_IsString(filter))
			drop = *filter->valuestring && str_starts(v->string, filter->valuestring);
		for (const cJSON *f = cJSON_IsArray(filter) ? filter->child : NULL; f && !drop;
		     f = f->next)
			drop = cJSON_IsString(f) && *f->valuestring && str_starts(v->string, f->valuestring);
		if (drop)
			cJSON_DeleteItemFromObjectCaseSensitive(env, v->string);
	}
}

static cJSON *merged_env(const cJSON *app, const char *env_name)
{
	cJSON *env = start_capture_env();
	filter_env(env, cJSON_GetObjectItemCaseSensitive(app, "filter_env"));
	const char *blocks[2] = { "env", NULL };
	char *named = env_name ? xasprintf("env_%s", env_name) : NULL;
	blocks[1] = named;
	for (size_t b = 0; b < 2; b++) {
		const cJSON *blk = blocks[b] ? cJSON_GetObjectItemCaseSensitive(app, blocks[b]) : NULL;
		for (const cJSON *v = blk ? blk->child : NULL; v; v = v->next)
			if (cJSON_IsString(v))
				set_key(env, v->string, cJSON_CreateString(v->valuestring));
	}
	free(named);
	return env;
}

static const char *env_value(const cJSON *env, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* PM2: a Node app given a number of instances runs in cluster mode unless
 * exec_mode says otherwise. Ours too: an app with "listen" asks for
 * sockets the daemon holds for all its workers, which is cluster mode in
 * any language. */
static void decide_exec_mode(cJSON *app, const char *interp)
{
	if (spec_str(app, "exec_mode", NULL))
		return;
	bool node = str_ends(path_basename(interp), "node");
	if ((node && cJSON_GetObjectItemCaseSensitive(app, "instances")) ||
	    cJSON_GetObjectItemCaseSensitive(app, "listen"))
		set_key(app, "exec_mode", cJSON_CreateString("cluster_mode"));
}

/* Resolve script, interpreter, name, cwd and env of one canonical app.
 * `base` is where relative paths start (the file's folder, or our cwd). */
static int resolve_app(struct cli *c, cJSON *app, const char *base, char *err, size_t errlen)
{
	const char *cwd_key = spec_str(app, "cwd", NULL);
	char *cwd = path_absolute(base, cwd_key ? cwd_key : ".");
	struct stat st;
	if (stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cwd %s is not a folder", cwd);
		free(cwd);
		return -1;
	}
	set_key(app, "cwd", cJSON_CreateString(cwd));

	cJSON *env = merged_env(app, flag_str(c, "env"));
	set_key(app, "env", env);
	/* PM2: "port" is the app's PORT. */
	long long port = spec_int(app, "port", -1);
	if (port >= 0) {
		char tmp[24];
		snprintf(tmp, sizeof(tmp), "%lld", port);
		set_key(env, "PORT", cJSON_CreateString(tmp));
	}

	const char *script = spec_str(app, "script", "");
	const char *interp = spec_str(app, "exec_interpreter", NULL);
	char *abs = path_absolute(cwd, script);
	char *exec_path = NULL;
	char *default_name = NULL;

	if (stat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
		exec_path = xstrdup(abs);
		const char *base_name = path_basename(abs);
		const char *dot = strrchr(base_name, '.');
		default_name = dot && dot != base_name ? xstrndup(base_name, (size_t)(dot - base_name))
						       : xstrdup(base_name);
		if (!interp) {
			interp = "none";
			bool known = false;
			for (size_t i = 0; i < ARRAY_LEN(interpreters); i++)
				if (str_ends(abs, interpreters[i].ext)) {
					interp = interpreters[i].interp;
					known = true;
				}
			/* PM2 runs unknown scripts with node; an executable
			 * file (a binary, a script with #!) runs as is. */
			if (!known && access(abs, X_OK) != 0)
				interp = "node";
		}
	} else if (strchr(script, ' ') && !interp) {
		/* A command line: run it through the shell, as PM2 does. */
		exec_path = xstrdup("/bin/sh");
		interp = "none";
		default_name = xstrdup(script);
		cJSON *args = cJSON_CreateArray();
		cJSON_AddItemToArray(args, cJSON_CreateString("-c"));
		cJSON_AddItemToArray(args, cJSON_CreateString(script));
		set_key(app, "args", args);
	} else if (!strchr(script, '/') && (exec_path = path_search(script, env_value(env, "PATH")))) {
		interp = interp ? interp : "none";
		default_name = xstrdup(script);
	} else {
		snprintf(err, errlen, "Script not found: %s", abs);
		free(abs);
		free(cwd);
		return -1;
	}
	free(abs);
	set_key(app, "script", cJSON_CreateString(exec_path));
	/* interp may point into app's old value: copy before replacing it */
	char *interp_own = xstrdup(interp);
	set_key(app, "exec_interpreter", cJSON_CreateString(interp_own));
	interp = interp_own;
	if (!spec_str(app, "name", NULL))
		set_key(app, "name", cJSON_CreateString(default_name));
	decide_exec_mode(app, interp);

	int rc = 0;
	if (strcmp(interp, "none") != 0) {
		char *found = path_search(interp, env_value(env, "PATH"));
		if (!found) {
			snprintf(err, errlen,
				 "Interpreter %s is NOT AVAILABLE in PATH. (type 'which %s' to double check.)",
				 interp, interp);
			rc = -1;
		}
		free(found);
	}
	free(interp_own);
	free(exec_path);
	free(default_name);
	free(cwd);
	return rc;
}


/* Normalise and resolve one raw app; NULL with err filled. */
static cJSON *build_one(struct cli *c, struct file_ctx *f, const cJSON *raw, bool single,
			const char *base, char *err, size_t errlen)
{
	struct spec_error se;
	cJSON *app = app_spec_normalize(raw, &se, warn_key, f);
	if (!app) {
		char at[512];
		where(f, se.item, at, sizeof(at));
		snprintf(err, errlen, "%s: %s", at, se.msg);
		return NULL;
	}
	/* Flags override the file; they are checked like file keys. */
	cJSON *with_flags = cJSON_Duplicate(app, 1);
	apply_flags(c, with_flags, single);
	cJSON_Delete(app);
	struct file_ctx flags_ctx = { .cli = c, .eco = NULL };
	app = app_spec_normalize(with_flags, &se, warn_key, &flags_ctx);
	cJSON_Delete(with_flags);
	if (!app) {
		snprintf(err, errlen, "%s", se.msg);
		return NULL;
	}
	if (resolve_app(c, app, base, err, errlen) < 0) {
		cJSON_Delete(app);
		return NULL;
	}
	return app;
}

static char *our_cwd(void)
{
	char *cwd = getcwd(NULL, 0);
	return cwd ? cwd : xstrdup("/");
}

static int add_script(struct cli *c, cJSON *out, const char *arg, const char *cwd, char *err,
		      size_t errlen)
{
	cJSON *raw = cJSON_CreateObject();
	cJSON_AddStringToObject(raw, "script", arg);
	struct file_ctx f = { .cli = c, .eco = NULL };
	cJSON *app = build_one(c, &f, raw, true, cwd, err, errlen);
	cJSON_Delete(raw);
	if (!app)
		return -1;
	cJSON_AddItemToArray(out, app);
	return 0;
}

/* Every app of an ecosystem file (or only those of --only). */
static int add_file(struct cli *c, cJSON *out, const char *arg, char *err, size_t errlen)
{
	struct ecosystem e;
	const cJSON *apps = NULL;
	if (ecosystem_load(&e, arg, err, errlen) == 0)
		apps = ecosystem_apps(&e, err, errlen);
	struct file_ctx f = { .cli = c, .eco = &e };
	const char *only = flag_str(c, "only");
	int count = 0;
	bool ok = apps != NULL;
	const cJSON *first = apps && cJSON_IsArray(apps) ? apps->child : apps;
	for (const cJSON *a = first; ok && a; a = cJSON_IsArray(apps) ? a->next : NULL) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(a, "name");
		if (only && !(cJSON_IsString(nm) && name_in_list(only, ',', nm->valuestring)))
			continue;
		cJSON *app = build_one(c, &f, a, false, e.dir, err, errlen);
		ok = app != NULL;
		if (app)
			cJSON_AddItemToArray(out, app);
		count += ok;
	}
	if (ok && !count) {
		snprintf(err, errlen, "%s: no app to start%s%s", e.name,
			 only ? " matching --only " : "", only ? only : "");
		ok = false;
	}
	ecosystem_free(&e);
	return ok ? 0 : -1;
}

cJSON *start_build_specs(struct cli *c, bool *from_file, char *err, size_t errlen)
{
	const char *def = NULL;
	if (c->npos < 1 && !(def = ecosystem_default())) {
		snprintf(err, errlen, "no ecosystem file here (ecosystem.config.js, .cjs, .mjs, "
			 "ecosystem.json, .yml); start a script, a command or a file: pm2 start app.js");
		return NULL;
	}
	cJSON *out = cJSON_CreateArray();
	char *cwd = our_cwd();
	int rc = 0;
	*from_file = false;
	for (int p = 0; rc == 0 && p < (def ? 1 : c->npos); p++) {
		const char *arg = def ? def : c->pos[p];
		bool file = def || ecosystem_is_file(arg) || strcmp(arg, "-") == 0;
		*from_file |= file;
		rc = file ? add_file(c, out, arg, err, errlen) : add_script(c, out, arg, cwd, err, errlen);
	}
	free(cwd);
	if (rc == 0)
		return out;
	cJSON_Delete(out);
	return NULL;
}
