/* commands: what each control request does to the process table. A
 * handler validates everything before it changes anything, so a bad
 * request leaves running apps untouched. */
#define _GNU_SOURCE
#include "cluster.h"
#include "control.h"
#include "log.h"
#include "../common/app_spec.h"
#include "../common/cpus.h"
#include "../common/signals.h"
#include "../common/version.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *reply_ok(void)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddTrueToObject(r, "ok");
	return r;
}

cJSON *reply_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddFalseToObject(r, "ok");
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

/* A growable list of pm_ids. */
struct idlist {
	int *v;
	size_t n, cap;
};

static void ids_add(struct idlist *l, int id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(int));
	}
	l->v[l->n++] = id;
}

static cJSON *ids_json(const struct idlist *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(l->v[i]));
	return a;
}

/* Resolve one target — "all", a pm_id, an app name or a namespace — into
 * ids. Returns false if nothing matches. */
static bool resolve_target(struct daemon *d, const char *t, struct idlist *out)
{
	bool found = false;
	bool all = strcmp(t, "all") == 0;
	bool numeric = str_is_uint(t);
	int id = numeric ? atoi(t) : -1;
	for (struct instance *in = d->procs; in; in = in->next) {
		if (all || (numeric && in->pm_id == id) ||
		    (!numeric && (strcmp(in->conf->name, t) == 0 ||
				  strcmp(in->conf->namespace, t) == 0))) {
			ids_add(out, in->pm_id);
			found = true;
		}
	}
	/* "all" on an empty list is not an error: there is nothing to do. */
	return found || all;
}

static cJSON *resolve_targets(struct daemon *d, const cJSON *req, struct idlist *ids)
{
	const cJSON *targets = cJSON_GetObjectItemCaseSensitive(req, "targets");
	if (!cJSON_IsArray(targets) || !cJSON_GetArraySize(targets))
		return reply_err("no process given (an id, a name, a namespace or \"all\")");
	for (const cJSON *t = targets->child; t; t = t->next) {
		char num[32];
		const char *s = cJSON_IsString(t) ? t->valuestring : NULL;
		if (cJSON_IsNumber(t)) {
			snprintf(num, sizeof(num), "%d", t->valueint);
			s = num;
		}
		if (!s)
			return reply_err("a target must be a string or a number");
		if (!resolve_target(d, s, ids))
			return reply_err("Process or Namespace %s not found", s);
	}
	return NULL;
}

static cJSON *reply_with_ids(const struct idlist *ids)
{
	cJSON *r = reply_ok();
	cJSON_AddItemToObject(r, "ids", ids_json(ids));
	return r;
}

/* stop, restart, delete: each target instance goes down, then what
 * `after` says; the reply waits until all of them have settled. */
static cJSON *cmd_stop_like(struct daemon *d, struct client *c, const cJSON *req,
			    enum after_stop after)
{
	struct idlist ids = { 0 };
	cJSON *err = resolve_targets(d, req, &ids);
	if (err) {
		free(ids.v);
		return err;
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct instance *in = proc_find(d, ids.v[i]);
		if (in)
			instance_stop(d, in, after);
	}
	cJSON *reply = reply_with_ids(&ids);
	if (c) {
		client_wait(c, reply, ids.v, ids.n);
		reply = NULL;
	}
	free(ids.v);
	return reply;
}

static cJSON *cmd_reset(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	struct idlist ids = { 0 };
	cJSON *err = resolve_targets(d, req, &ids);
	if (err) {
		free(ids.v);
		return err;
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct instance *in = proc_find(d, ids.v[i]);
		in->restart_time = 0;
		instance_reset_counters(in);
	}
	cJSON *r = reply_with_ids(&ids);
	free(ids.v);
	return r;
}

static bool name_exists(struct daemon *d, const char *name)
{
	for (struct instance *in = d->procs; in; in = in->next)
		if (strcmp(in->conf->name, name) == 0)
			return true;
	return false;
}

int commands_start_specs(struct daemon *d, const cJSON *apps, bool update_env,
			 cJSON *ids_out, cJSON *reload_ids, char *err, size_t errlen)
{
	if (!cJSON_IsArray(apps) || !cJSON_GetArraySize(apps)) {
		snprintf(err, errlen, "no app to start");
		return -1;
	}
	/* Check every app first: a bad one starts nothing. */
	size_t n = (size_t)cJSON_GetArraySize(apps);
	struct app_conf **confs = xcalloc(n, sizeof(*confs));
	size_t i = 0;
	int rc = 0;
	for (const cJSON *a = apps->child; a; a = a->next, i++) {
		struct spec_error se;
		cJSON *spec = app_spec_normalize(a, &se, NULL, NULL);
		if (!spec) {
			snprintf(err, errlen, "%s", se.msg);
			rc = -1;
			break;
		}
		confs[i] = app_conf_new(spec, err, errlen);
		cJSON_Delete(spec);
		if (!confs[i]) {
			rc = -1;
			break;
		}
	}
	/* Listening sockets before any worker: a port in use fails the whole
	 * request, and leaves no socket of this request open. */
	bool *created = xcalloc(n, sizeof(bool));
	for (i = 0; i < n && rc == 0; i++) {
		int r = cluster_open(d, confs[i], err, errlen);
		if (r < 0) {
			rc = -1;
			for (size_t k = 0; k < i; k++)
				if (created[k])
					cluster_close(d, confs[k]->name);
		}
		created[i] = r == 1 && !name_exists(d, confs[i]->name);
	}
	free(created);
	for (i = 0; i < n && rc == 0; i++) {
		struct app_conf *conf = confs[i];
		if (name_exists(d, conf->name)) {
			/* PM2: starting a name that exists restarts it. */
			for (struct instance *in = d->procs; in; in = in->next) {
				if (strcmp(in->conf->name, conf->name) != 0)
					continue;
				if (update_env) {
					app_conf_unref(in->conf);
					in->conf = app_conf_ref(conf);
				}
				/* startOrReload: the caller reloads them. */
				if (reload_ids)
					cJSON_AddItemToArray(reload_ids, cJSON_CreateNumber(in->pm_id));
				else
					instance_stop(d, in, AFTER_START);
				cJSON_AddItemToArray(ids_out, cJSON_CreateNumber(in->pm_id));
			}
			continue;
		}
		int count = cpus_resolve_instances(conf->instances);
		for (int k = 0; k < count; k++) {
			struct instance *in = proc_add(d, conf, proc_free_index(d, conf->name));
			instance_start(d, in);
			cJSON_AddItemToArray(ids_out, cJSON_CreateNumber(in->pm_id));
		}
	}
	for (i = 0; i < n; i++)
		app_conf_unref(confs[i]);
	free(confs);
	return rc;
}

static cJSON *cmd_start(struct daemon *d, struct client *c, const cJSON *req)
{
	char err[512];
	cJSON *ids = cJSON_CreateArray();
	bool update_env = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "update_env"));
	bool reload = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "reload"));
	struct idlist wait = { 0 }, reloads = { 0 };
	cJSON *reload_ids = reload ? cJSON_CreateArray() : NULL;
	cJSON *r = NULL;
	if (commands_start_specs(d, cJSON_GetObjectItemCaseSensitive(req, "apps"), update_env,
				 ids, reload_ids, err, sizeof(err)) < 0)
		r = reply_err("%s", err);
	for (const cJSON *e = reload_ids ? reload_ids->child : NULL; e; e = e->next)
		ids_add(&reloads, e->valueint);
	if (!r && reloads.n)
		r = reload_request(d, reloads.v, reloads.n);
	cJSON_Delete(reload_ids);
	free(reloads.v);
	if (r) {
		cJSON_Delete(ids);
		return r;
	}
	for (const cJSON *e = ids->child; e; e = e->next)
		ids_add(&wait, e->valueint);
	r = reply_ok();
	cJSON_AddItemToObject(r, "ids", ids);
	client_wait_then(c, r, wait.v, wait.n, reload ? reload_finalize_reply : NULL);
	free(wait.v);
	return NULL;
}

static cJSON *cmd_jlist(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	enum jlist_detail detail =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "table"))  ? JLIST_TABLE
		: cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(req, "full")) ? JLIST_BRIEF
									       : JLIST_FULL;
	cJSON *r = reply_ok();
	cJSON_AddItemToObject(r, "procs", jlist_all(d, detail));
	cJSON_AddStringToObject(r, "version", PM2_VERSION);
	return r;
}

static cJSON *cmd_kill(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)req;
	struct idlist ids = { 0 };
	d->stopping_all = true;
	for (struct instance *in = d->procs; in; in = in->next) {
		ids_add(&ids, in->pm_id);
		instance_stop(d, in, AFTER_NOTHING);
	}
	c->exit_after_flush = true;
	client_wait(c, reply_with_ids(&ids), ids.v, ids.n);
	free(ids.v);
	return NULL;
}

static cJSON *cmd_ping(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)d;
	(void)c;
	(void)req;
	cJSON *r = reply_ok();
	cJSON_AddStringToObject(r, "msg", "pong");
	cJSON_AddStringToObject(r, "version", PM2_VERSION);
	return r;
}

/* sendSignal: deliver a signal to every running instance of the targets. */
static cJSON *cmd_signal(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(req, "signal");
	char num[16];
	const char *sname = cJSON_IsString(sv) ? sv->valuestring : NULL;
	if (cJSON_IsNumber(sv)) {
		snprintf(num, sizeof(num), "%d", sv->valueint);
		sname = num;
	}
	int sig = signal_parse(sname);
	if (sig < 0)
		return reply_err("Invalid signal: %s", sname ? sname : "(none)");
	struct idlist ids = { 0 };
	cJSON *err = resolve_targets(d, req, &ids);
	if (err) {
		free(ids.v);
		return err;
	}
	struct idlist sent = { 0 };
	for (size_t i = 0; i < ids.n; i++) {
		struct instance *in = proc_find(d, ids.v[i]);
		if (in->pid > 0 && (in->state == ST_ONLINE || in->state == ST_LAUNCHING) &&
		    kill(in->pid, sig) == 0)
			ids_add(&sent, in->pm_id);
	}
	dlog_info("sent %s to %zu process(es)", signal_name(sig), sent.n);
	cJSON *r = reply_with_ids(&sent);
	cJSON_AddStringToObject(r, "signal", signal_name(sig));
	free(ids.v);
	free(sent.v);
	return r;
}

/* reload: rolling, one instance after the other (reload.c); the reply
 * waits until every target has been reloaded, or one failed. */
static cJSON *cmd_reload(struct daemon *d, struct client *c, const cJSON *req)
{
	struct idlist ids = { 0 };
	cJSON *err = resolve_targets(d, req, &ids);
	/* --update-env: the new workers get the caller's environment. */
	if (!err)
		err = commands_update_env(d, req);
	if (!err)
		err = reload_request(d, ids.v, ids.n);
	if (err) {
		free(ids.v);
		return err;
	}
	cJSON *reply = reply_with_ids(&ids);
	if (c) {
		client_wait_then(c, reply, ids.v, ids.n, reload_finalize_reply);
		reply = NULL; /* no client (the web interface): answered at once */
	}
	free(ids.v);
	return reply;
}

/* Instances of an app, highest NODE_APP_INSTANCE first. */
static size_t instances_of(struct daemon *d, const char *name, struct instance **out, size_t max)
{
	size_t n = 0;
	for (struct instance *in = d->procs; in && n < max; in = in->next) {
		if (strcmp(in->conf->name, name) != 0)
			continue;
		size_t k = n++;
		while (k > 0 && out[k - 1]->instance_index < in->instance_index) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = in;
	}
	return n;
}

/* The instance count `scale` asks for: "N", "+N" or "-N". */
static int scale_target(const char *arg, int current)
{
	const char *digits = arg[0] == '+' || arg[0] == '-' ? arg + 1 : arg;
	if (!str_is_uint(digits) || strlen(digits) > 4)
		return -1;
	int v = atoi(digits);
	int target = arg[0] == '+' ? current + v : arg[0] == '-' ? current - v : v;
	return target < 0 ? 0 : target;
}

/* scale <name> <N|+N|-N>. New instances take the lowest free
 * NODE_APP_INSTANCE; removal starts from the highest, so instance 0 (the
 * one apps often single out for cron jobs) stays. PM2 removes the oldest. */
static cJSON *cmd_scale(struct daemon *d, struct client *c, const cJSON *req)
{
	const cJSON *namev = cJSON_GetObjectItemCaseSensitive(req, "name");
	const cJSON *numv = cJSON_GetObjectItemCaseSensitive(req, "number");
	if (!cJSON_IsString(namev) || !cJSON_IsString(numv))
		return reply_err("scale needs an app name and a number");
	enum { SCALE_MAX = 4096 };
	struct instance **list = xcalloc(SCALE_MAX, sizeof(*list));
	size_t count = instances_of(d, namev->valuestring, list, SCALE_MAX);
	int target = scale_target(numv->valuestring, (int)count);
	cJSON *err = NULL;
	if (!count)
		err = reply_err("Application %s not found", namev->valuestring);
	else if (target < 0 || target > SCALE_MAX)
		err = reply_err("scale: \"%s\" is not a number of instances (N, +N or -N)",
				numv->valuestring);
	else if ((size_t)target == count)
		err = reply_err("Nothing to do");
	if (err) {
		free(list);
		return err;
	}
	struct idlist ids = { 0 };
	cJSON *added = cJSON_CreateArray(), *removed = cJSON_CreateArray();
	struct app_conf *conf = list[0]->conf;
	for (size_t k = count; k < (size_t)target; k++) {
		struct instance *in = proc_add(d, conf, proc_free_index(d, conf->name));
		instance_start(d, in);
		ids_add(&ids, in->pm_id);
		cJSON_AddItemToArray(added, cJSON_CreateNumber(in->pm_id));
	}
	for (size_t k = 0; k + (size_t)target < count; k++) {
		ids_add(&ids, list[k]->pm_id);
		cJSON_AddItemToArray(removed, cJSON_CreateNumber(list[k]->pm_id));
		instance_stop(d, list[k], AFTER_DELETE);
	}
	free(list);
	cJSON *r = reply_with_ids(&ids);
	cJSON_AddItemToObject(r, "added", added);
	cJSON_AddItemToObject(r, "removed", removed);
	client_wait(c, r, ids.v, ids.n);
	free(ids.v);
	return NULL;
}

static cJSON *cmd_stop(struct daemon *d, struct client *c, const cJSON *req)
{
	return cmd_stop_like(d, c, req, AFTER_NOTHING);
}

/* --update-env: give the targets a new configuration whose env has the
 * caller's environment laid over it. Instances that shared a
 * configuration keep sharing the new one. */
cJSON *commands_update_env(struct daemon *d, const cJSON *req)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(req, "env");
	if (!cJSON_IsObject(env))
		return NULL;
	struct idlist ids = { 0 };
	cJSON *err = resolve_targets(d, req, &ids);
	if (err) {
		free(ids.v);
		return err;
	}
	struct app_conf **from = xcalloc(ids.n + 1, sizeof(*from));
	struct app_conf **to = xcalloc(ids.n + 1, sizeof(*to));
	size_t n = 0;
	char msg[512];
	cJSON *reply = NULL;
	for (size_t i = 0; i < ids.n && !reply; i++) {
		struct instance *in = proc_find(d, ids.v[i]);
		size_t k = 0;
		while (k < n && from[k] != in->conf)
			k++;
		if (k == n) {
			to[n] = app_conf_with_env(in->conf, env, msg, sizeof(msg));
			if (!to[n]) {
				reply = reply_err("%s", msg);
				break;
			}
			from[n++] = in->conf;
		}
	}
	for (size_t i = 0; i < ids.n && !reply; i++) {
		struct instance *in = proc_find(d, ids.v[i]);
		for (size_t k = 0; k < n; k++)
			if (from[k] == in->conf) {
				in->conf = app_conf_ref(to[k]);
				app_conf_unref(from[k]);
				break;
			}
	}
	for (size_t k = 0; k < n; k++)
		app_conf_unref(to[k]);
	free(from);
	free(to);
	free(ids.v);
	return reply;
}

static cJSON *cmd_restart(struct daemon *d, struct client *c, const cJSON *req)
{
	cJSON *err = commands_update_env(d, req);
	if (err)
		return err;
	return cmd_stop_like(d, c, req, AFTER_START);
}

static cJSON *cmd_delete(struct daemon *d, struct client *c, const cJSON *req)
{
	return cmd_stop_like(d, c, req, AFTER_DELETE);
}

/* Every request the daemon understands. A handler returns its reply, or
 * NULL when the reply will come later (client_wait). */
static const struct {
	const char *name;
	cJSON *(*fn)(struct daemon *d, struct client *c, const cJSON *req);
} handlers[] = {
	{ "ping", cmd_ping },
	{ "start", cmd_start },
	{ "stop", cmd_stop },
	{ "restart", cmd_restart },
	{ "delete", cmd_delete },
	{ "reset", cmd_reset },
	{ "jlist", cmd_jlist },
	{ "kill", cmd_kill },
	{ "signal", cmd_signal },
	{ "update", upgrade_request },
	{ "reload", cmd_reload },
	{ "scale", cmd_scale },
	{ "web", web_request },
	{ "logs", logs_cmd_logs },
	{ "flush", logs_cmd_flush },
	{ "reloadLogs", logs_cmd_reload },
	{ "moduleConf", rotate_cmd_reload },
};

cJSON *commands_dispatch(struct daemon *d, struct client *c, const cJSON *req)
{
	const cJSON *cmdv = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	const char *cmd = cJSON_IsString(cmdv) ? cmdv->valuestring : "";
	for (size_t i = 0; i < ARRAY_LEN(handlers); i++)
		if (strcmp(handlers[i].name, cmd) == 0)
			return handlers[i].fn(d, c, req);
	return reply_err("unknown request \"%.64s\"", cmd);
}
