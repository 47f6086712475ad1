/* reload: PM2's `reload`, rolling and without a gap. For each instance in
 * turn: start a new worker while the old one keeps serving (it becomes a
 * "retiree" on standby), wait until the new one is ready, then retire the
 * old one (worker_stop_step: disconnect, signal, SIGKILL) and wait for it
 * to exit before the next instance. Both serve the same listening socket
 * (cluster.c), so the socket never goes unserved and no connection is
 * refused. If the new worker dies before it is ready, the old one takes
 * its place again and the reload stops there with an error.
 * Apps without a shared socket (fork mode, no "listen") cannot run two
 * workers on one port: their instances restart one at a time instead. */
#define _GNU_SOURCE
#include "daemon.h"
#include "cluster.h"
#include "log.h"
#include "nodeipc.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* An old worker on its way out. It belongs to no instance any more but
 * still serves (standby) or drains until it exits. */
struct retiree {
	struct retiree *next;
	struct daemon *d;
	pid_t pid;
	int pm_id;
	struct app_conf *conf;
	struct nodeipc *ipc;
	bool standby;			 /* still serving: its successor is not ready */
	enum stop_step step;		 /* once retiring */
	int64_t pm_uptime, started_mono; /* to put it back if need be */
	struct timer timer;
};

struct reload_job {
	struct reload_job *next;
	int *ids;
	size_t n, pos;
};

static struct retiree *retiree_by_pid(struct daemon *d, pid_t pid)
{
	for (struct retiree *r = d->retirees; r; r = r->next)
		if (r->pid == pid)
			return r;
	return NULL;
}

static struct retiree *standby_of(struct daemon *d, int pm_id)
{
	for (struct retiree *r = d->retirees; r; r = r->next)
		if (r->pm_id == pm_id && r->standby)
			return r;
	return NULL;
}

static bool has_retiree(struct daemon *d, int pm_id)
{
	for (struct retiree *r = d->retirees; r; r = r->next)
		if (r->pm_id == pm_id)
			return true;
	return false;
}

static void retiree_unlink(struct daemon *d, struct retiree *rt)
{
	struct retiree **pp = &d->retirees;
	while (*pp && *pp != rt)
		pp = &(*pp)->next;
	if (*pp)
		*pp = rt->next;
	loop_timer_cancel(&d->loop, &rt->timer);
	app_conf_unref(rt->conf);
	loop_defer_free(&d->loop, rt);
}

static void retire_step(struct retiree *rt, enum stop_step step)
{
	rt->step = worker_stop_step(rt->pid, rt->ipc, rt->conf, step, rt->pm_id);
	if (rt->step != STOP_KILL)
		loop_timer_arm(&rt->d->loop, &rt->timer, rt->conf->kill_timeout);
}

static void retiree_timer_fired(struct loop *l, struct timer *t)
{
	(void)l;
	struct retiree *rt = t->ctx;
	retire_step(rt, rt->step + 1);
}

static void retire_begin(struct retiree *rt)
{
	if (!rt->standby)
		return;
	rt->standby = false;
	dlog_info("App [%s:%d] retiring the old worker (pid %d)", rt->conf->name, rt->pm_id,
		  (int)rt->pid);
	retire_step(rt, STOP_DISCONNECT);
}

/* Take the running worker out of its instance; it keeps serving. */
static void retiree_take(struct daemon *d, struct instance *in)
{
	struct retiree *rt = xcalloc(1, sizeof(*rt));
	rt->d = d;
	rt->pid = in->pid;
	rt->pm_id = in->pm_id;
	rt->conf = app_conf_ref(in->conf);
	rt->ipc = in->ipc;
	rt->standby = true;
	rt->pm_uptime = in->pm_uptime;
	rt->started_mono = in->started_mono;
	timer_init(&rt->timer, retiree_timer_fired, rt);
	rt->next = d->retirees;
	d->retirees = rt;
	in->pid = 0;
	in->ipc = NULL;
}

void reload_instance_online(struct daemon *d, struct instance *in)
{
	struct retiree *rt = standby_of(d, in->pm_id);
	if (rt)
		retire_begin(rt);
}

void reload_instance_stopping(struct daemon *d, struct instance *in)
{
	reload_instance_online(d, in);
}

bool reload_new_worker_failed(struct daemon *d, struct instance *in, pid_t dead, int code)
{
	struct retiree *rt = standby_of(d, in->pm_id);
	if (!rt || in->reload != RL_ACTIVE)
		return false;
	if (kill(-dead, 0) == 0)
		kill(-dead, SIGKILL);
	free(in->reload_error);
	in->reload_error = xasprintf("App [%s:%d] new worker exited with code %d before it was "
				     "ready: the old worker (pid %d) keeps running",
				     in->conf->name, in->pm_id, code, (int)rt->pid);
	dlog_warn("%s", in->reload_error);
	in->pid = rt->pid;
	in->ipc = rt->ipc;
	in->pm_uptime = rt->pm_uptime;
	in->started_mono = rt->started_mono;
	in->state = ST_ONLINE;
	retiree_unlink(d, rt);
	return true;
}

bool reload_reap(struct daemon *d, pid_t pid, int status)
{
	struct retiree *rt = retiree_by_pid(d, pid);
	if (!rt)
		return false;
	int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	dlog_info("App [%s:%d] old worker (pid %d) exited with code %d", rt->conf->name, rt->pm_id,
		  (int)pid, code);
	/* Whatever it left in its process group goes with it. */
	if (kill(-pid, 0) == 0)
		kill(-pid, SIGKILL);
	nodeipc_free(d, rt->ipc);
	struct instance *in = proc_find(d, rt->pm_id);
	/* Died while still the only one serving: its successor is not ready,
	 * but nothing is left to wait for. */
	if (rt->standby && in && in->state == ST_LAUNCHING)
		dlog_warn("App [%s:%d] old worker died before its successor was ready",
			  rt->conf->name, rt->pm_id);
	retiree_unlink(d, rt);
	return true;
}

void reload_worker_event(struct daemon *d, pid_t pid, enum worker_event ev)
{
	struct retiree *rt = retiree_by_pid(d, pid);
	/* Disconnected: its servers are closed and its requests done. */
	if (rt && !rt->standby && ev == WEV_CHANNEL_CLOSED && rt->step == STOP_DISCONNECT) {
		loop_timer_cancel(&d->loop, &rt->timer);
		retire_step(rt, STOP_ASK);
	}
}

bool reload_any_running(const struct daemon *d)
{
	return d->retirees != NULL;
}

/* --- reload jobs ------------------------------------------------------- */

/* Can two workers of this instance serve side by side? */
static bool rolling(struct daemon *d, const struct instance *in)
{
	return in->conf->cluster || cluster_has_sockets(d, in->conf->name);
}

static void reload_one(struct daemon *d, struct instance *in)
{
	free(in->reload_error);
	in->reload_error = NULL;
	in->reload = RL_ACTIVE;
	if (in->state != ST_ONLINE || !rolling(d, in)) {
		/* Not running (PM2 starts it), or a fork mode app that binds
		 * its own port: stop, then start. */
		instance_stop(d, in, AFTER_START);
		return;
	}
	dlog_info("App [%s:%d] reloading: starting a new worker beside pid %d", in->conf->name,
		  in->pm_id, (int)in->pid);
	retiree_take(d, in);
	instance_reset_counters(in);
	in->restart_time++;
	instance_start(d, in);
}

static bool reload_one_done(struct daemon *d, const struct instance *in)
{
	return !instance_settling(in) && in->state != ST_WAITING_RESTART &&
	       !has_retiree(d, in->pm_id);
}

/* Move one job forward as far as it can go now; true once it is over. */
static bool job_advance(struct daemon *d, struct reload_job *job)
{
	while (job->pos < job->n) {
		struct instance *in = proc_find(d, job->ids[job->pos]);
		if (!in) {
			job->pos++;
			continue;
		}
		if (in->reload == RL_QUEUED) {
			if (instance_settling(in))
				return false; /* let it finish what it is doing */
			reload_one(d, in);
		}
		if (in->reload == RL_ACTIVE && !reload_one_done(d, in))
			return false;
		in->reload = RL_NONE;
		job->pos++;
		if (in->reload_error) {
			/* The new code does not start: do not take down the
			 * instances that still run the old one. */
			for (; job->pos < job->n; job->pos++) {
				struct instance *o = proc_find(d, job->ids[job->pos]);
				if (o)
					o->reload = RL_NONE;
			}
		}
	}
	return true;
}

void reload_advance(struct daemon *d)
{
	bool changed = false;
	struct reload_job **pp = &d->reloads;
	while (*pp) {
		struct reload_job *job = *pp;
		size_t before = job->pos;
		bool over = job_advance(d, job);
		changed = changed || job->pos != before;
		if (!over) {
			pp = &job->next;
			continue;
		}
		*pp = job->next;
		free(job->ids);
		free(job);
	}
	if (changed)
		control_poke(d);
}

cJSON *reload_request(struct daemon *d, const int *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct instance *in = proc_find(d, ids[i]);
		if (in && in->reload != RL_NONE)
			return reply_err("Reload already in progress for process id %d, retry later",
					 ids[i]);
	}
	struct reload_job *job = xcalloc(1, sizeof(*job));
	job->ids = xcalloc(n + 1, sizeof(int));
	memcpy(job->ids, ids, n * sizeof(int));
	job->n = n;
	for (size_t i = 0; i < n; i++) {
		struct instance *in = proc_find(d, ids[i]);
		if (in)
			in->reload = RL_QUEUED;
	}
	struct reload_job **pp = &d->reloads;
	while (*pp)
		pp = &(*pp)->next;
	*pp = job;
	reload_advance(d);
	return NULL;
}

/* The reply of a finished reload: an error if an instance could not be
 * reloaded (its old worker still runs). */
void reload_finalize_reply(struct daemon *d, cJSON *reply)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next) {
		struct instance *in = proc_find(d, id->valueint);
		if (!in || !in->reload_error)
			continue;
		cJSON_ReplaceItemInObjectCaseSensitive(reply, "ok", cJSON_CreateFalse());
		cJSON_AddStringToObject(reply, "error", in->reload_error);
		return;
	}
}

void reload_free_all(struct daemon *d)
{
	while (d->reloads) {
		struct reload_job *job = d->reloads;
		d->reloads = job->next;
		free(job->ids);
		free(job);
	}
	while (d->retirees) {
		struct retiree *rt = d->retirees;
		kill(-rt->pid, SIGKILL);
		kill(rt->pid, SIGKILL);
		nodeipc_free(d, rt->ipc);
		retiree_unlink(d, rt);
	}
}
