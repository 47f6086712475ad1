/* proc: the process table (instances in pm_id order) and the app
 * configurations they share. The only place instances are created or
 * destroyed. */
#define _GNU_SOURCE
#include "daemon.h"
#include "cluster.h"
#include "log.h"
#include "nodeipc.h"
#include "watch.h"
#include "../common/app_spec.h"
#include "../common/signals.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *state_name(enum inst_state s)
{
	switch (s) {
	case ST_LAUNCHING: return "launching";
	case ST_ONLINE: return "online";
	case ST_STOPPING: return "stopping";
	case ST_STOPPED: return "stopped";
	case ST_ERRORED: return "errored";
	case ST_WAITING_RESTART: return "waiting restart";
	}
	return "unknown";
}

static char **strv_from_array(const cJSON *arr, size_t *n_out)
{
	size_t n = (size_t)cJSON_GetArraySize(arr);
	char **v = xcalloc(n + 1, sizeof(char *));
	size_t i = 0;
	for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			v[i++] = xstrdup(e->valuestring);
	if (n_out)
		*n_out = i;
	return v;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static const char *env_get(char **envp, const char *key)
{
	size_t n = strlen(key);
	for (char **p = envp; p && *p; p++)
		if (strncmp(*p, key, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

/* The argv execve() gets: [interpreter, interpreter args..., script, args...]
 * or, with interpreter "none", [script, args...]. */
static int build_argv(struct app_conf *c, const cJSON *spec, char *err, size_t errlen)
{
	size_t nnode = 0, nargs = 0;
	char **node_args = strv_from_array(cJSON_GetObjectItemCaseSensitive(spec, "node_args"), &nnode);
	char **args = strv_from_array(cJSON_GetObjectItemCaseSensitive(spec, "args"), &nargs);
	bool direct = strcmp(c->interpreter, "none") == 0;

	if (direct) {
		c->exec_path = xstrdup(c->script);
	} else {
		c->exec_path = path_search(c->interpreter, env_get(c->envp, "PATH"));
		if (!c->exec_path) {
			snprintf(err, errlen, "Interpreter %s is NOT AVAILABLE in PATH (%s)",
				 c->interpreter, env_get(c->envp, "PATH") ? env_get(c->envp, "PATH") : "unset");
			strv_free(node_args);
			strv_free(args);
			return -1;
		}
	}
	size_t n = 0;
	c->argv = xcalloc(nnode + nargs + 3, sizeof(char *));
	c->argv[n++] = xstrdup(direct ? c->script : c->interpreter);
	if (!direct) {
		for (size_t i = 0; i < nnode; i++)
			c->argv[n++] = xstrdup(node_args[i]);
		c->argv[n++] = xstrdup(c->script);
	}
	for (size_t i = 0; i < nargs; i++)
		c->argv[n++] = xstrdup(args[i]);
	strv_free(node_args);
	strv_free(args);
	return 0;
}

static char **build_envp(const cJSON *env)
{
	size_t n = (size_t)cJSON_GetArraySize(env);
	char **v = xcalloc(n + 1, sizeof(char *));
	size_t i = 0;
	for (const cJSON *e = env ? env->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			v[i++] = xasprintf("%s=%s", e->string, e->valuestring);
	return v;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Node (or nodejs, or a versioned node binary): PM2's test is /node$/. */
static bool is_node(const char *interpreter)
{
	return str_ends(path_basename(interpreter), "node");
}

static void listen_add(struct app_conf *c, const char *spec)
{
	for (size_t i = 0; i < c->nlisten; i++)
		if (strcmp(c->listen[i], spec) == 0)
			return;
	c->listen = xrealloc(c->listen, (c->nlisten + 2) * sizeof(char *));
	c->listen[c->nlisten++] = xstrdup(spec);
	c->listen[c->nlisten] = NULL;
}

/* What the daemon listens on for the app. "listen" says it for any app.
 * Without it, a non-Node app in cluster mode gets its "port" (or PORT)
 * from us as fd 3; a Node app asks for its sockets itself with
 * server.listen(), exactly the address it wants (see cluster.c). */
static void resolve_listen(struct app_conf *c, const cJSON *spec)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(spec, "listen");
	for (const cJSON *e = l ? l->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			listen_add(c, e->valuestring);
	if (c->nlisten || !c->cluster || c->node)
		return;
	long long port = spec_int(spec, "port", -1);
	const char *env_port = env_get(c->envp, "PORT");
	if (port >= 0) {
		char tmp[24];
		snprintf(tmp, sizeof(tmp), "%lld", port);
		listen_add(c, tmp);
	} else if (env_port && str_is_uint(env_port) && strlen(env_port) <= 5) {
		listen_add(c, env_port);
	}
}

struct app_conf *app_conf_new(const cJSON *spec, char *err, size_t errlen)
{
	struct app_conf *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->spec = cJSON_Duplicate(spec, 1);

	const char *script = spec_str(spec, "script", NULL);
	c->script = xstrdup(script);
	char *base = xstrdup(path_basename(script));
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	c->name = xstrdup(spec_str(spec, "name", base));
	free(base);
	c->namespace = xstrdup(spec_str(spec, "namespace", "default"));
	c->interpreter = xstrdup(spec_str(spec, "exec_interpreter", "none"));
	c->cwd = xstrdup(spec_str(spec, "cwd", "/"));
	c->instance_var = xstrdup(spec_str(spec, "instance_var", "NODE_APP_INSTANCE"));
	c->increment_var = dup_or_null(spec_str(spec, "increment_var", NULL));
	c->cluster = strcmp(spec_str(spec, "exec_mode", "fork_mode"), "cluster_mode") == 0;
	c->node = is_node(c->interpreter);
	c->wait_ready = spec_bool(spec, "wait_ready", false);
	c->shutdown_with_message = spec_bool(spec, "shutdown_with_message", false);
	c->listen_timeout = spec_int(spec, "listen_timeout", SPEC_DEFAULT_LISTEN_TIMEOUT_MS);
	c->autorestart = spec_bool(spec, "autorestart", true);
	c->merge_logs = spec_bool(spec, "merge_logs", !c->cluster);
	c->max_restarts = (int)spec_int(spec, "max_restarts", SPEC_DEFAULT_MAX_RESTARTS);
	c->min_uptime = spec_int(spec, "min_uptime", SPEC_DEFAULT_MIN_UPTIME_MS);
	c->restart_delay = spec_int(spec, "restart_delay", 0);
	c->exp_backoff = spec_int(spec, "exp_backoff_restart_delay", 0);
	c->kill_timeout = spec_int(spec, "kill_timeout", SPEC_DEFAULT_KILL_TIMEOUT_MS);
	c->kill_signal = signal_parse(spec_str(spec, "kill_signal", "SIGINT"));
	if (c->kill_signal < 0)
		c->kill_signal = SIGINT;
	c->instances = (int)spec_int(spec, "instances", 1);
	c->max_memory = (uint64_t)spec_int(spec, "max_memory_restart", 0);

	const cJSON *codes = cJSON_GetObjectItemCaseSensitive(spec, "stop_exit_codes");
	c->nstop_codes = (size_t)cJSON_GetArraySize(codes);
	c->stop_codes = xcalloc(c->nstop_codes + 1, sizeof(int));
	size_t i = 0;
	for (const cJSON *e = codes ? codes->child : NULL; e; e = e->next)
		c->stop_codes[i++] = e->valueint;

	c->out_file = dup_or_null(spec_str(spec, "out_file", NULL));
	c->err_file = dup_or_null(spec_str(spec, "error_file", NULL));
	c->pid_file = dup_or_null(spec_str(spec, "pid_file", NULL));
	c->envp = build_envp(cJSON_GetObjectItemCaseSensitive(spec, "env"));
	resolve_listen(c, spec);
	if (privs_resolve(&c->privs, spec, err, errlen) < 0) {
		app_conf_unref(c);
		return NULL;
	}
	const char *cron = spec_str(spec, "cron_restart", NULL);
	if (cron && cron_parse(cron, &c->cron, err, errlen) == 0)
		c->has_cron = true;
	else if (cron) {
		app_conf_unref(c);
		return NULL;
	}

	if (build_argv(c, spec, err, errlen) < 0) {
		app_conf_unref(c);
		return NULL;
	}
	return c;
}

struct app_conf *app_conf_with_env(const struct app_conf *old, const cJSON *env,
				   char *err, size_t errlen)
{
	cJSON *spec = cJSON_Duplicate(old->spec, 1);
	cJSON *merged = cJSON_GetObjectItemCaseSensitive(spec, "env");
	if (!cJSON_IsObject(merged)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "env");
		merged = cJSON_AddObjectToObject(spec, "env");
	}
	/* PM2's --update-env: the caller's environment over the old one. */
	for (const cJSON *v = env ? env->child : NULL; v; v = v->next) {
		if (!cJSON_IsString(v))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(merged, v->string);
		cJSON_AddStringToObject(merged, v->string, v->valuestring);
	}
	struct app_conf *c = app_conf_new(spec, err, errlen);
	cJSON_Delete(spec);
	return c;
}

struct app_conf *app_conf_ref(struct app_conf *c)
{
	c->refs++;
	return c;
}

void app_conf_unref(struct app_conf *c)
{
	if (!c || --c->refs > 0)
		return;
	cJSON_Delete(c->spec);
	free(c->name);
	free(c->namespace);
	free(c->script);
	free(c->interpreter);
	free(c->exec_path);
	strv_free(c->argv);
	strv_free(c->envp);
	free(c->cwd);
	free(c->instance_var);
	free(c->increment_var);
	strv_free(c->listen);
	free(c->stop_codes);
	free(c->out_file);
	free(c->err_file);
	free(c->pid_file);
	privs_free(&c->privs);
	free(c);
}

struct instance *proc_find(struct daemon *d, int pm_id)
{
	for (struct instance *in = d->procs; in; in = in->next)
		if (in->pm_id == pm_id)
			return in;
	return NULL;
}

struct instance *proc_by_pid(struct daemon *d, pid_t pid)
{
	for (struct instance *in = d->procs; in; in = in->next)
		if (in->pid == pid)
			return in;
	return NULL;
}

int proc_count(const struct daemon *d)
{
	int n = 0;
	for (const struct instance *in = d->procs; in; in = in->next)
		n++;
	return n;
}

int proc_free_index(struct daemon *d, const char *name)
{
	for (int idx = 0;; idx++) {
		bool used = false;
		for (struct instance *in = d->procs; in && !used; in = in->next)
			used = in->instance_index == idx && strcmp(in->conf->name, name) == 0;
		if (!used)
			return idx;
	}
}

static void restart_timer_fired(struct loop *l, struct timer *t);
static void cron_timer_fired(struct loop *l, struct timer *t);
static void kill_timer_fired(struct loop *l, struct timer *t);
static void ready_timer_fired(struct loop *l, struct timer *t);

/* PM2's increment_var: one more than the highest value another instance
 * of the app has, starting from the app's own env value (or 0). */
static long long next_increment(struct daemon *d, const struct app_conf *conf)
{
	const char *base = env_get(conf->envp, conf->increment_var);
	long long v = base ? atoll(base) : 0;
	bool any = false;
	long long top = 0;
	for (struct instance *in = d->procs; in; in = in->next) {
		if (strcmp(in->conf->name, conf->name) != 0 || !in->conf->increment_var)
			continue;
		if (!any || in->increment_value > top)
			top = in->increment_value;
		any = true;
	}
	return any ? top + 1 : v;
}

struct instance *proc_add(struct daemon *d, struct app_conf *conf, int index)
{
	/* pm_ids count up; an empty table starts again from 0, as PM2 does. */
	if (!d->procs)
		d->next_id = 0;
	return proc_restore(d, conf, d->next_id++, index);
}

struct instance *proc_restore(struct daemon *d, struct app_conf *conf, int pm_id, int index)
{
	struct instance *in = xcalloc(1, sizeof(*in));
	in->pm_id = pm_id;
	in->instance_index = index;
	in->conf = app_conf_ref(conf);
	if (conf->increment_var)
		in->increment_value = next_increment(d, conf);
	in->state = ST_STOPPED;
	in->created_at = wall_ms();
	timer_init(&in->restart_timer, restart_timer_fired, d);
	timer_init(&in->kill_timer, kill_timer_fired, d);
	timer_init(&in->ready_timer, ready_timer_fired, d);
	timer_init(&in->cron_timer, cron_timer_fired, d);

	struct instance **pp = &d->procs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = in;
	return in;
}

void proc_remove(struct daemon *d, struct instance *in)
{
	struct instance **pp = &d->procs;
	while (*pp && *pp != in)
		pp = &(*pp)->next;
	if (*pp)
		*pp = in->next;
	loop_timer_cancel(&d->loop, &in->restart_timer);
	loop_timer_cancel(&d->loop, &in->kill_timer);
	loop_timer_cancel(&d->loop, &in->ready_timer);
	loop_timer_cancel(&d->loop, &in->cron_timer);
	watch_stop(d, in);
	output_detach_all(d, in);
	output_close_logs(d, in);
	nodeipc_free(d, in->ipc);
	in->ipc = NULL;
	/* The app's last instance is gone: so are its listening sockets. */
	bool last = true;
	for (struct instance *o = d->procs; o && last; o = o->next)
		last = strcmp(o->conf->name, in->conf->name) != 0;
	if (last)
		cluster_close(d, in->conf->name);
	free(in->reload_error);
	free(in->version);
	app_conf_unref(in->conf);
	free(in->out_path);
	free(in->err_path);
	free(in->pid_path);
	loop_defer_free(&d->loop, in);
}

/* Timers are embedded in their instance and carry the daemon as ctx. */

static void restart_timer_fired(struct loop *l, struct timer *t)
{
	(void)l;
	struct daemon *d = t->ctx;
	struct instance *in = container_of(t, struct instance, restart_timer);
	if (in->state != ST_WAITING_RESTART)
		return;
	in->restart_time++;
	instance_start(d, in);
	control_poke(d);
}

static void ready_timer_fired(struct loop *l, struct timer *t)
{
	(void)l;
	struct instance *in = container_of(t, struct instance, ready_timer);
	if (in->state != ST_LAUNCHING)
		return;
	dlog_warn("App [%s:%d] did not say it was ready within %lld ms (listen_timeout): "
		  "considered online", in->conf->name, in->pm_id,
		  (long long)in->conf->listen_timeout);
	instance_ready(t->ctx, in);
}

/* cron_restart: a running instance restarts (counted), then the next
 * time is armed. A stopped one stays stopped. */
static void cron_timer_fired(struct loop *l, struct timer *t)
{
	(void)l;
	struct daemon *d = t->ctx;
	struct instance *in = container_of(t, struct instance, cron_timer);
	if (in->state == ST_ONLINE || in->state == ST_LAUNCHING) {
		dlog_info("App [%s:%d] cron restart", in->conf->name, in->pm_id);
		instance_stop(d, in, AFTER_START);
	}
	instance_arm_cron(d, in);
	control_poke(d);
}

static void kill_timer_fired(struct loop *l, struct timer *t)
{
	(void)l;
	struct instance *in = container_of(t, struct instance, kill_timer);
	if (in->state == ST_STOPPING && in->pid > 0)
		instance_stop_timeout(t->ctx, in);
}
