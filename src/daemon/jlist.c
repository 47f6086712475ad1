/* jlist: an instance as PM2 shows it in `pm2 jlist` — top-level pid, name,
 * pm_id, monit {memory, cpu} and pm2_env with PM2's key names. The brief
 * form leaves out the environment and the app's own keys; the table form
 * (for `ls`, which is run often and on big lists) only has its columns. */
#define _GNU_SOURCE
#include "daemon.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *daemon_username(void)
{
	static char name[64];
	if (!name[0]) {
		struct passwd *pw = getpwuid(geteuid());
		snprintf(name, sizeof(name), "%s", pw ? pw->pw_name : "unknown");
		if (!pw)
			snprintf(name, sizeof(name), "%u", (unsigned)geteuid());
	}
	return name;
}

static void set_item(cJSON *o, const char *key, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
	else
		cJSON_AddItemToObject(o, key, v);
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	set_item(o, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void set_num(cJSON *o, const char *key, double v)
{
	set_item(o, key, cJSON_CreateNumber(v));
}

/* A wall-clock time in ms, written as the integer it is: cJSON would print
 * a number beyond int's range with %.15g and read it back to check, which
 * was a good part of what a list of 1000 apps cost. (Only printed: nothing
 * reads these objects back as numbers.) */
static void set_ms(cJSON *o, const char *key, int64_t ms)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)ms);
	set_item(o, key, cJSON_CreateRaw(text));
}

static void set_bool(cJSON *o, const char *key, bool v)
{
	set_item(o, key, cJSON_CreateBool(v));
}

/* What the views beyond the table show: paths, settings, the last exit. */
static void add_details(cJSON *env, const struct instance *in, bool full)
{
	const struct app_conf *c = in->conf;
	set_ms(env, "created_at", in->created_at);
	set_str(env, "pm_exec_path", c->script);
	set_str(env, "pm_cwd", c->cwd);
	set_str(env, "exec_interpreter", c->interpreter);
	set_str(env, "pm_out_log_path", in->out_path);
	set_str(env, "pm_err_log_path", in->err_path);
	set_str(env, "pm_pid_path", in->pid_path);
	if (in->logs.all_path)
		set_str(env, "pm_log_path", in->logs.all_path);
	if (in->logs.date_format)
		set_str(env, "log_date_format", in->logs.date_format);
	set_num(env, "instances", c->instances);
	set_bool(env, "autorestart", c->autorestart);
	set_bool(env, "merge_logs", c->merge_logs);
	set_str(env, "instance_var", c->instance_var);
	set_num(env, "NODE_APP_INSTANCE", in->instance_index);
	if (c->increment_var)
		set_num(env, c->increment_var, (double)in->increment_value);
	set_num(env, "kill_timeout", (double)c->kill_timeout);
	if (in->has_exited)
		set_num(env, "exit_code", in->exit_code);
	if (!full) {
		/* The dashboard shows them, and they are small. */
		static const char *const brief_keys[] = { "args", "node_args", "vizion" };
		for (size_t i = 0; i < ARRAY_LEN(brief_keys); i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->spec, brief_keys[i]);
			if (v)
				set_item(env, brief_keys[i], cJSON_Duplicate(v, 1));
		}
	}
	if (full) {
		if (!cJSON_GetObjectItemCaseSensitive(env, "node_args"))
			set_item(env, "node_args", cJSON_CreateArray());
		if (!cJSON_GetObjectItemCaseSensitive(env, "env"))
			set_item(env, "env", cJSON_CreateObject());
	}
}

cJSON *jlist_instance(struct daemon *d, struct instance *in, enum jlist_detail detail)
{
	bool full = detail == JLIST_FULL;
	const struct app_conf *c = in->conf;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "pid", in->pid);
	cJSON_AddStringToObject(o, "name", c->name);

	cJSON *env = full ? cJSON_Duplicate(c->spec, 1) : cJSON_CreateObject();
	if (full) {
		/* env_<name> blocks were merged by the CLI; PM2 drops them. */
		for (cJSON *k = env->child, *next; k; k = next) {
			next = k->next;
			if (str_starts(k->string, "env_"))
				cJSON_DeleteItemFromObjectCaseSensitive(env, k->string);
		}
	}
	set_str(env, "name", c->name);
	set_str(env, "namespace", c->namespace);
	set_str(env, "version", in->version ? in->version : "N/A");
	set_str(env, "exec_mode", c->cluster ? "cluster_mode" : "fork_mode");
	set_str(env, "status", state_name(in->state));
	set_num(env, "pm_id", in->pm_id);
	set_num(env, "restart_time", in->restart_time);
	set_num(env, "unstable_restarts", in->unstable_restarts);
	set_ms(env, "pm_uptime", in->pm_uptime);
	set_str(env, "username", c->privs.set_user ? c->privs.username : daemon_username());
	/* "watch" says whether watching is on now: `pm2 stop` ends it. */
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(c->spec, "watch");
	set_item(env, "watch", in->watcher && w ? cJSON_Duplicate(w, 1) : cJSON_CreateFalse());
	if (detail != JLIST_TABLE)
		add_details(env, in, full);
	cJSON_AddItemToObject(o, "pm2_env", env);
	cJSON_AddNumberToObject(o, "pm_id", in->pm_id);

	/* PM2 measures the top pid only; we count the whole tree. The
	 * caller samples (usage_sample_all: one /proc pass for everyone). */
	cJSON *monit = cJSON_CreateObject();
	cJSON_AddNumberToObject(monit, "memory", (double)in->usage.memory);
	cJSON_AddNumberToObject(monit, "cpu", in->usage.cpu);
	cJSON_AddItemToObject(o, "monit", monit);
	return o;
}

cJSON *jlist_all(struct daemon *d, enum jlist_detail detail)
{
	usage_sample_all(d);
	cJSON *arr = cJSON_CreateArray();
	for (struct instance *in = d->procs; in; in = in->next)
		cJSON_AddItemToArray(arr, jlist_instance(d, in, detail));
	return arr;
}
