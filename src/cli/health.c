/* health: what a container orchestrator asks a running supervisor.
 * `pm2 ping` (commands.c) says the daemon answers: a liveness probe.
 * `pm2 ready [app...]` says every instance of every app (or of the named
 * ones) is online: a readiness probe. Unlike ping it never starts a
 * daemon, since a probe must observe the supervisor, not create one. */
#define _GNU_SOURCE
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *proc_str(const cJSON *proc, const char *key)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(proc, "pm2_env");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(proc, key);
	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(env, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int proc_id(const cJSON *proc)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(proc, "pm_id");
	return cJSON_IsNumber(id) ? id->valueint : -1;
}

static bool is_online(const cJSON *proc)
{
	return strcmp(proc_str(proc, "status"), "online") == 0;
}

/* Does this process match one of the command line's targets (an id, a
 * name, a namespace or "all")? No target means every process. Targets
 * that matched are marked in `matched` when it is given. */
static bool is_target(const struct cli *c, const cJSON *proc, bool *matched)
{
	if (c->npos == 0)
		return true;
	char id[16];
	snprintf(id, sizeof(id), "%d", proc_id(proc));
	bool any = false;
	for (int i = 0; i < c->npos; i++) {
		const char *t = c->pos[i];
		if (strcmp(t, "all") && strcmp(t, id) && strcmp(t, proc_str(proc, "name")) &&
		    strcmp(t, proc_str(proc, "namespace")))
			continue;
		if (matched)
			matched[i] = true;
		any = true;
	}
	return any;
}

/* A target that names no process, or NULL. */
static const char *unknown_target(const struct cli *c, const cJSON *procs)
{
	bool *matched = xcalloc((size_t)c->npos + 1, sizeof(bool));
	for (const cJSON *p = procs->child; p; p = p->next)
		is_target(c, p, matched);
	const char *missing = NULL;
	for (int i = 0; i < c->npos && !missing; i++)
		if (!matched[i])
			missing = c->pos[i];
	free(matched);
	return missing;
}

/* One line for the probe's event log: every instance that is not online. */
static void say_not_ready(struct cli *c, const cJSON *procs)
{
	struct buf why;
	buf_init(&why);
	for (const cJSON *p = procs->child; p; p = p->next) {
		if (!is_target(c, p, NULL) || is_online(p))
			continue;
		buf_printf(&why, "%s%s (id %d) is %s", why.len ? ", " : "", proc_str(p, "name"),
			   proc_id(p), proc_str(p, "status"));
	}
	say_err(c, "not ready: %s", why.data ? why.data : "?");
	buf_free(&why);
}

static int judge(struct cli *c, const cJSON *procs)
{
	if (!procs->child) {
		say_err(c, "not ready: no process is running");
		return 1;
	}
	const char *missing = unknown_target(c, procs);
	if (missing) {
		say_err(c, "not ready: no process found for \"%s\" (try `pm2 ls`)", missing);
		return 1;
	}
	int wanted = 0, online = 0;
	for (const cJSON *p = procs->child; p; p = p->next) {
		if (!is_target(c, p, NULL))
			continue;
		wanted++;
		online += is_online(p);
	}
	if (online < wanted) {
		say_not_ready(c, procs);
		return 1;
	}
	say(c, "ready: %d/%d process%s online", online, wanted, wanted > 1 ? "es" : "");
	return 0;
}

/* pm2 ready [id|name|namespace|all...]: exit 0 only when every instance
 * asked about is online; 1 when one is not, none exists, or no daemon
 * answers. */
int health_ready(struct cli *c)
{
	/* client_list() would start a daemon: call without autostart. */
	cJSON *req = client_request("jlist");
	cJSON *reply = client_call(c, req, false, true);
	cJSON_Delete(req);
	if (!reply) {
		say_err(c, "not ready: no PM2 daemon answers on %s", c->paths.sock);
		return 1;
	}
	const char *e = reply_error(reply);
	const cJSON *procs = cJSON_GetObjectItemCaseSensitive(reply, "procs");
	int rc = 1;
	if (e)
		say_err(c, "not ready: %s", e);
	else if (!cJSON_IsArray(procs))
		say_err(c, "not ready: the PM2 daemon sent no process list");
	else
		rc = judge(c, procs);
	cJSON_Delete(reply);
	return rc;
}
