/* supervise: the instance state machine — start, stop, what an exit means,
 * PM2's restart policy — and the reaper. Every state transition happens
 * here. */
#define _GNU_SOURCE
#include "daemon.h"
#include "cluster.h"
#include "log.h"
#include "nodeipc.h"
#include "spawn.h"
#include "watch.h"
#include "../common/package_json.h"
#include "../common/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* PM2's exponential backoff: ×1.5 per crash, capped at 15 s, forgotten
 * once the app has stayed up 30 s (EXP_BACKOFF_RESET_TIMER). */
#define EXP_BACKOFF_MAX_MS 15000
#define EXP_BACKOFF_RESET_MS 30000
/* When fork() itself fails (EAGAIN, ENOMEM), try again after this. */
#define SPAWN_RETRY_MS 1000

bool instance_settling(const struct instance *in)
{
	return in->state == ST_LAUNCHING || in->state == ST_STOPPING ||
	       in->after_stop != AFTER_NOTHING;
}

bool instance_busy(const struct instance *in)
{
	return instance_settling(in) || in->reload != RL_NONE;
}

void instance_reset_counters(struct instance *in)
{
	in->created_at = wall_ms();
	in->unstable_restarts = 0;
	in->prev_restart_delay = 0;
}

static void write_pid_file(struct instance *in)
{
	int fd = open(in->pid_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		dlog_warn("cannot write pid file %s: %s", in->pid_path, strerror(errno));
		return;
	}
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%d", (int)in->pid);
	(void)!write(fd, tmp, (size_t)n);
	close(fd);
}

static void take_stop_step(struct daemon *d, struct instance *in, enum stop_step step);

/* Does a new worker of this app start in "launching"? With wait_ready
 * until it says so; a Node cluster worker until it listens. Others are
 * online as soon as they run. */
static bool starts_launching(const struct app_conf *c)
{
	return c->wait_ready || (c->cluster && c->node);
}

static void went_online(struct daemon *d, struct instance *in)
{
	in->state = ST_ONLINE;
	reload_instance_online(d, in);
	control_poke(d);
}

void instance_ready(struct daemon *d, struct instance *in)
{
	if (in->state != ST_LAUNCHING)
		return;
	loop_timer_cancel(&d->loop, &in->ready_timer);
	dlog_info("App [%s:%d] ready (pid %d)", in->conf->name, in->pm_id, (int)in->pid);
	went_online(d, in);
}

void supervise_worker_event(struct daemon *d, pid_t pid, enum worker_event ev)
{
	struct instance *in = proc_by_pid(d, pid);
	if (!in) {
		reload_worker_event(d, pid, ev);
		return;
	}
	switch (ev) {
	case WEV_READY:
		if (in->conf->wait_ready)
			instance_ready(d, in);
		return;
	case WEV_LISTENING:
		if (!in->conf->wait_ready)
			instance_ready(d, in);
		return;
	case WEV_CHANNEL_CLOSED:
		/* Disconnected: its servers are closed and its connections
		 * have ended. Now the stop signal. */
		if (in->state == ST_STOPPING && in->stop_step == STOP_DISCONNECT)
			take_stop_step(d, in, STOP_ASK);
		return;
	}
}

/* Fork and exec the worker with its pipes, sockets and IPC channel. */
static pid_t spawn_worker(struct daemon *d, struct instance *in, int out_fd, int err_fd)
{
	struct app_conf *c = in->conf;
	int listen_fds[SPAWN_MAX_LISTEN_FDS];
	struct spawn_io io = {
		.out_fd = out_fd,
		.err_fd = err_fd,
		.listen_fds = listen_fds,
		.nlisten = cluster_listen_fds(d, c->name, listen_fds, SPAWN_MAX_LISTEN_FDS),
		.ipc_fd = -1,
	};
	struct nodeipc *ipc = NULL;
	char *preload = NULL;
	if (c->node) {
		ipc = nodeipc_new(d, c, c->cluster, &io.ipc_fd);
		if (!ipc)
			return -1;
		/* Node's cluster.worker.id; never 0, which Node reads as "none". */
		if (c->cluster) {
			io.worker_id = ++d->next_worker_id;
			/* Another user cannot read it in our 0700 PM2_HOME. */
			preload = c->privs.set_user ? NULL : nodeipc_drain_preload(d);
			io.node_preload = preload;
		}
	}
	pid_t pid = spawn_instance(d, in, &io);
	int e = errno;
	free(preload);
	if (io.ipc_fd >= 0)
		close(io.ipc_fd);
	if (pid < 0) {
		nodeipc_free(d, ipc);
		errno = e;
		return -1;
	}
	nodeipc_started(ipc, pid);
	in->ipc = ipc;
	return pid;
}

void instance_arm_cron(struct daemon *d, struct instance *in)
{
	if (!in->conf->has_cron)
		return;
	time_t now = time(NULL);
	time_t next = cron_next(&in->conf->cron, now);
	if (next == (time_t)-1) {
		loop_timer_cancel(&d->loop, &in->cron_timer);
		return;
	}
	/* Wall-clock seconds to a monotonic timer; re-armed at each fire,
	 * so a clock change shifts at most one period. */
	loop_timer_arm(&d->loop, &in->cron_timer, (int64_t)(next - now) * 1000 - wall_ms() % 1000);
}

/* How often apps with max_memory_restart are measured. PM2 looks every
 * 30 s; a few seconds catches a leak before the OOM killer does. */
#define MEMORY_CHECK_MS 3000

static void memory_check(struct loop *l, struct timer *t)
{
	(void)l;
	struct daemon *d = t->ctx;
	bool any = false;
	usage_sample_all(d);
	for (struct instance *in = d->procs; in; in = in->next) {
		uint64_t lim = in->conf->max_memory;
		if (!lim || in->pid <= 0)
			continue;
		any = true;
		if (in->state != ST_ONLINE || in->usage.memory <= lim)
			continue;
		dlog_warn("App [%s:%d] uses %llu bytes, over max_memory_restart %llu: %s",
			  in->conf->name, in->pm_id, (unsigned long long)in->usage.memory,
			  (unsigned long long)lim, in->conf->cluster ? "reloading" : "restarting");
		/* In cluster mode a rolling reload keeps the app serving. */
		cJSON *busy = in->conf->cluster ? reload_request(d, &in->pm_id, 1) : NULL;
		if (!in->conf->cluster)
			instance_stop(d, in, AFTER_START);
		cJSON_Delete(busy); /* a reload already under way will do */
	}
	if (any)
		loop_timer_arm(&d->loop, &d->memory_timer, MEMORY_CHECK_MS);
	control_poke(d);
}

void memory_watch_arm(struct daemon *d)
{
	if (!d->memory_timer.fn)
		timer_init(&d->memory_timer, memory_check, d);
	if (!timer_armed(&d->memory_timer))
		loop_timer_arm(&d->loop, &d->memory_timer, MEMORY_CHECK_MS);
}

int instance_start(struct daemon *d, struct instance *in)
{
	loop_timer_cancel(&d->loop, &in->restart_timer);
	output_open_logs(d, in);

	int out_pipe[2], err_pipe[2];
	pid_t pid = -1;
	if (pipe2(out_pipe, O_CLOEXEC) == 0) {
		if (pipe2(err_pipe, O_CLOEXEC) == 0) {
			pid = spawn_worker(d, in, out_pipe[1], err_pipe[1]);
			close(err_pipe[1]);
			if (pid < 0)
				close(err_pipe[0]);
		}
		close(out_pipe[1]);
		if (pid < 0)
			close(out_pipe[0]);
	}
	if (pid < 0) {
		/* Out of processes or fds: not the app's fault, and not a
		 * reason to give up. Try again shortly. */
		dlog_warn("App [%s:%d] could not be started: %s; retrying in %d ms",
			  in->conf->name, in->pm_id, strerror(errno), SPAWN_RETRY_MS);
		in->state = ST_WAITING_RESTART;
		loop_timer_arm(&d->loop, &in->restart_timer, SPAWN_RETRY_MS);
		return -1;
	}
	in->pid = pid;
	in->pm_uptime = wall_ms();
	/* PM2 reads it at every start: a deploy may have changed it. */
	free(in->version);
	in->version = package_version(in->conf->script, in->conf->cwd);
	in->started_mono = mono_ms();
	usage_reset(in);
	output_attach(d, in, out_pipe[0], err_pipe[0]);
	write_pid_file(in);
	if (!timer_armed(&in->cron_timer))
		instance_arm_cron(d, in);
	watch_start(d, in);
	if (in->conf->max_memory)
		memory_watch_arm(d);
	if (starts_launching(in->conf)) {
		dlog_info("App [%s:%d] launching (pid %d)", in->conf->name, in->pm_id, (int)pid);
		in->state = ST_LAUNCHING;
		loop_timer_arm(&d->loop, &in->ready_timer, in->conf->listen_timeout);
		return 0;
	}
	dlog_info("App [%s:%d] online (pid %d)", in->conf->name, in->pm_id, (int)pid);
	went_online(d, in);
	return 0;
}

enum stop_step worker_stop_step(pid_t pid, struct nodeipc *ipc, const struct app_conf *c,
				enum stop_step step, int pm_id)
{
	if (pid <= 0)
		return STOP_KILL;
	if (step == STOP_DISCONNECT) {
		/* What Node's own primary does on worker.disconnect(): no
		 * request in flight is cut, unlike a signal. */
		if (nodeipc_cluster_worker(ipc) && nodeipc_open(ipc) && !c->shutdown_with_message) {
			nodeipc_send_disconnect(ipc);
			return STOP_DISCONNECT;
		}
		step = STOP_ASK;
	}
	if (step == STOP_ASK) {
		if (c->shutdown_with_message && nodeipc_open(ipc)) {
			nodeipc_send_shutdown(ipc);
			return STOP_ASK;
		}
		if (kill(-pid, c->kill_signal) < 0)
			kill(pid, c->kill_signal);
		return STOP_ASK;
	}
	dlog_warn("App [%s:%d] (pid %d) did not stop within %lld ms, sending SIGKILL", c->name,
		  pm_id, (int)pid, (long long)c->kill_timeout);
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	return STOP_KILL;
}

static void take_stop_step(struct daemon *d, struct instance *in, enum stop_step step)
{
	in->stop_step = worker_stop_step(in->pid, in->ipc, in->conf, step, in->pm_id);
	if (in->stop_step != STOP_KILL)
		loop_timer_arm(&d->loop, &in->kill_timer, in->conf->kill_timeout);
}

void instance_stop_timeout(struct daemon *d, struct instance *in)
{
	take_stop_step(d, in, in->stop_step + 1);
}

static void settle_stopped(struct daemon *d, struct instance *in)
{
	enum after_stop after = in->after_stop;
	in->after_stop = AFTER_NOTHING;
	switch (after) {
	case AFTER_START:
		if (d->stopping_all)
			break;
		instance_reset_counters(in);
		in->restart_time++;
		instance_start(d, in);
		break;
	case AFTER_DELETE:
		proc_remove(d, in);
		break;
	case AFTER_NOTHING:
		break;
	}
}

void instance_stop(struct daemon *d, struct instance *in, enum after_stop after)
{
	/* A delete outranks a restart outranks a plain stop. */
	if (after > in->after_stop)
		in->after_stop = after;
	if (in->after_stop != AFTER_START) {
		loop_timer_cancel(&d->loop, &in->cron_timer);
		watch_stop(d, in); /* PM2: stopping an app ends its watch */
	}

	reload_instance_stopping(d, in);
	switch (in->state) {
	case ST_ONLINE:
	case ST_LAUNCHING:
		in->state = ST_STOPPING;
		loop_timer_cancel(&d->loop, &in->ready_timer);
		take_stop_step(d, in, STOP_DISCONNECT);
		return;
	case ST_STOPPING:
		return;
	case ST_WAITING_RESTART:
		loop_timer_cancel(&d->loop, &in->restart_timer);
		in->state = ST_STOPPED;
		settle_stopped(d, in);
		return;
	case ST_STOPPED:
	case ST_ERRORED:
		settle_stopped(d, in);
		return;
	}
}

static bool is_stop_code(const struct app_conf *c, int code)
{
	for (size_t i = 0; i < c->nstop_codes; i++)
		if (c->stop_codes[i] == code)
			return true;
	return false;
}

static int64_t next_restart_delay(struct instance *in, int64_t uptime)
{
	const struct app_conf *c = in->conf;
	if (!c->exp_backoff)
		return c->restart_delay;
	if (uptime >= EXP_BACKOFF_RESET_MS)
		in->prev_restart_delay = 0;
	if (!in->prev_restart_delay)
		in->prev_restart_delay = c->exp_backoff;
	else
		in->prev_restart_delay = in->prev_restart_delay * 3 / 2 > EXP_BACKOFF_MAX_MS
						 ? EXP_BACKOFF_MAX_MS
						 : in->prev_restart_delay * 3 / 2;
	return in->prev_restart_delay;
}

/* An app ended on its own and will not come back: remember its code for
 * the foreground runtime's exit status (the latest failure wins). */
static void note_down_for_good(struct daemon *d, const struct instance *in)
{
	if (in->exit_code != 0 || d->final_code == 0)
		d->final_code = in->exit_code;
}

/* The app died on its own: restart it, or give up (PM2's policy). */
static void on_crash(struct daemon *d, struct instance *in, int code, int sig)
{
	const struct app_conf *c = in->conf;
	int64_t uptime = mono_ms() - in->started_mono;

	/* PM2 counts unstable restarts only in the first min_uptime ×
	 * max_restarts ms after creation, so a crash loop that starts later
	 * is never caught. We count consecutive short runs instead: a stable
	 * run resets the count. */
	if (uptime < c->min_uptime)
		in->unstable_restarts++;
	else
		in->unstable_restarts = 0;

	bool stop = !c->autorestart || d->stopping_all ||
		    (!sig && is_stop_code(c, code));
	if (sig)
		dlog_info("App [%s:%d] exited with code [%d] via signal [%s]",
			  c->name, in->pm_id, code, signal_name(sig));
	else
		dlog_info("App [%s:%d] exited with code [%d]", c->name, in->pm_id, code);

	if (!stop && in->unstable_restarts >= c->max_restarts) {
		dlog_warn("Script %s had too many unstable restarts (%d). Stopped. \"errored\"",
			  c->script, in->unstable_restarts);
		in->state = ST_ERRORED;
		in->unstable_restarts = 0;
		note_down_for_good(d, in);
		return;
	}
	if (stop) {
		in->state = ST_STOPPED;
		note_down_for_good(d, in);
		return;
	}
	int64_t delay = next_restart_delay(in, uptime);
	if (delay > 0) {
		dlog_info("App [%s:%d] will restart in %lldms", c->name, in->pm_id,
			  (long long)delay);
		in->state = ST_WAITING_RESTART;
		loop_timer_arm(&d->loop, &in->restart_timer, delay);
		return;
	}
	in->restart_time++;
	instance_start(d, in);
}

void instance_on_exit(struct daemon *d, struct instance *in, int status)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = sig ? 128 + sig : WEXITSTATUS(status);
	pid_t pgid = in->pid;

	in->exit_code = code;
	in->has_exited = true;
	in->pid = 0;
	unlink(in->pid_path);
	nodeipc_free(d, in->ipc);
	in->ipc = NULL;
	loop_timer_cancel(&d->loop, &in->ready_timer);
	if (reload_new_worker_failed(d, in, pgid, code)) {
		write_pid_file(in);
		return;
	}

	switch (in->state) {
	case ST_STOPPING:
		loop_timer_cancel(&d->loop, &in->kill_timer);
		/* The leader is gone; anything left in its group was asked to
		 * stop too and must not outlive the app. */
		if (kill(-pgid, 0) == 0)
			kill(-pgid, SIGKILL);
		dlog_info("App [%s:%d] stopped (code %d)", in->conf->name, in->pm_id, code);
		in->state = ST_STOPPED;
		settle_stopped(d, in);
		break;
	case ST_ONLINE:
	case ST_LAUNCHING:
		on_crash(d, in, sig ? 0 : code, sig);
		break;
	default:
		dlog_warn("App [%s:%d] exit in state %s", in->conf->name, in->pm_id,
			  state_name(in->state));
	}
}

void reap_children(struct daemon *d)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		struct instance *in = proc_by_pid(d, pid);
		if (in)
			instance_on_exit(d, in, status);
		else if (!rotate_reaped(d, pid) && !reload_reap(d, pid, status))
			d->orphans_reaped++;
	}
	control_poke(d);
}

/* After every round of events: is it time for the supervisor to leave?
 * After a stop signal or `kill`, once no app is running. In the
 * foreground with auto-exit, once every app is down for good. */
void supervise_check_auto_exit(struct daemon *d)
{
	bool any_running = reload_any_running(d), all_down = true;
	for (struct instance *in = d->procs; in; in = in->next) {
		if (in->pid > 0)
			any_running = true;
		if ((in->state != ST_STOPPED && in->state != ST_ERRORED) || instance_busy(in))
			all_down = false;
	}
	if (d->stopping_all) {
		if (!any_running && !control_flushing(d))
			d->loop.stop = true;
		return;
	}
	if (d->foreground && d->auto_exit && all_down && !any_running) {
		dlog_info("every app is down for good: exiting with code %d", d->final_code);
		d->exit_code = d->final_code;
		d->loop.stop = true;
	}
}
