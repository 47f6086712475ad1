/* upgrade: `pm2 update` — the daemon re-executes the binary now on disk,
 * in place, and carries its whole state across: the process table and its
 * counters, the children's output pipes with the lines they were in the
 * middle of, the control socket, the lock, timers, the `pm2 logs` viewers
 * with what they have not read yet, and the client that asked. The pid does not change, so the apps stay our children (and PID 1
 * stays PID 1); nothing is restarted and no output is lost, since what the
 * apps write meanwhile waits in their pipes. PM2 kills and resurrects every
 * app here.
 *
 * The state travels as JSON in a memfd; the fds to keep lose CLOEXEC just
 * before execve(). If the new binary does not run (checked first with
 * `-v`) or execve() fails, the daemon carries on as it was. */
#define _GNU_SOURCE
#include "cluster.h"
#include "control.h"
#include "nodeipc.h"
#include "notify.h"
#include "log.h"
#include "watch.h"
#include "log_sink.h"
#include "../common/proto.h"
#include "../common/version.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define UPGRADE_STATE_VERSION 1
/* How long the new binary may take to print its version. */
#define UPGRADE_PROBE_MS 5000
#define UPGRADE_STATE_MAX (64u * 1024 * 1024)

/* --- the binary to run ------------------------------------------------- */

/* The path we were started from: /proc/self/exe, without the " (deleted)"
 * the kernel adds once the file has been replaced. */
static char *self_path(struct daemon *d)
{
	if (d->self_exe)
		return xstrdup(d->self_exe);
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	char *del = strstr(buf, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	return xstrdup(buf);
}

/* Run `<path> -v` and read its version: a binary that cannot even do that
 * must not replace a running supervisor. */
static int probe_version(const char *path, char *version, size_t n, char *err, size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(path, "pm2", "-v", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	size_t got = 0;
	int64_t until = mono_ms() + UPGRADE_PROBE_MS;
	for (;;) {
		int left = (int)(until - mono_ms());
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		ssize_t r = read(p[0], version + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got >= n - 1)
			break;
	}
	close(p[0]);
	version[got] = '\0';
	version[strcspn(version, "\n")] = '\0';
	/* Reaped here, not by the loop: it is not an app. */
	kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!*version || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "%s does not run (`%s -v` failed)", path, path);
		return -1;
	}
	return 0;
}

/* --- saving ------------------------------------------------------------ */

static int64_t timer_left(const struct timer *t)
{
	if (!timer_armed(t))
		return -1;
	int64_t left = t->due - mono_ms();
	return left < 0 ? 0 : left;
}

/* The fds the new process keeps; the list is also what to restore if the
 * exec fails. */
struct keep {
	int *fds;
	size_t n, cap;
};

static int keep_fd(struct keep *k, int fd)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 32;
		k->fds = xrealloc(k->fds, k->cap * sizeof(int));
	}
	k->fds[k->n++] = fd;
	return fd;
}

/* Plain numbers of the instance and of the daemon, carried as they are. */
struct field {
	const char *key;
	size_t off, size;
};
#define INST(key, m) { key, offsetof(struct instance, m), sizeof(((struct instance *)0)->m) }
#define DMN(key, m) { key, offsetof(struct daemon, m), sizeof(((struct daemon *)0)->m) }

static const struct field inst_fields[] = {
	INST("pm_id", pm_id), INST("index", instance_index), INST("state", state),
	INST("after", after_stop), INST("pid", pid), INST("restart_time", restart_time),
	INST("unstable", unstable_restarts), INST("created_at", created_at),
	INST("pm_uptime", pm_uptime), INST("started_mono", started_mono),
	INST("prev_delay", prev_restart_delay), INST("exit_code", exit_code),
	INST("has_exited", has_exited), INST("out_bytes", log_bytes[0]),
	INST("err_bytes", log_bytes[1]), INST("stop_step", stop_step),
};

static const struct field daemon_fields[] = {
	DMN("next_id", next_id), DMN("orphans_reaped", orphans_reaped),
	DMN("final_code", final_code), DMN("started_wall", started_wall),
	DMN("stopping_all", stopping_all), DMN("foreground", foreground),
	DMN("auto_exit", auto_exit), DMN("view", view), DMN("next_worker_id", next_worker_id),
};

/* Fields are whole numbers of 1, 4 or 8 bytes (enums, bools, counters,
 * ms clocks); a double carries them exactly up to 2^53. */
static void fields_save(cJSON *o, const void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)base + f[i].off;
		double v = f[i].size == 1 ? *(const int8_t *)p
			   : f[i].size == 4 ? *(const int32_t *)p : (double)*(const int64_t *)p;
		cJSON_AddNumberToObject(o, f[i].key, v);
	}
}

static void fields_load(const cJSON *o, void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f[i].key);
		double x = cJSON_IsNumber(v) ? v->valuedouble : 0;
		char *p = (char *)base + f[i].off;
		if (f[i].size == 1)
			*(int8_t *)p = (int8_t)x;
		else if (f[i].size == 4)
			*(int32_t *)p = (int32_t)x;
		else
			*(int64_t *)p = (int64_t)x;
	}
}

static int keep_cb(void *ctx, int fd)
{
	return keep_fd(ctx, fd);
}

static cJSON *save_instance(struct instance *in, cJSON *confs, struct keep *k)
{
	cJSON *o = cJSON_CreateObject();
	int conf_idx = 0;
	for (cJSON *c = confs->child; c; c = c->next, conf_idx++)
		if (cJSON_Compare(c, in->conf->spec, 1))
			break;
	if (conf_idx == cJSON_GetArraySize(confs))
		cJSON_AddItemToArray(confs, cJSON_Duplicate(in->conf->spec, 1));
	cJSON_AddNumberToObject(o, "conf", conf_idx);
	fields_save(o, in, inst_fields, ARRAY_LEN(inst_fields));
	cJSON_AddBoolToObject(o, "watching", in->watcher != NULL);
	if (in->version)
		cJSON_AddStringToObject(o, "version", in->version);
	cJSON_AddNumberToObject(o, "restart_timer", (double)timer_left(&in->restart_timer));
	cJSON_AddNumberToObject(o, "kill_timer", (double)timer_left(&in->kill_timer));
	cJSON_AddNumberToObject(o, "ready_timer", (double)timer_left(&in->ready_timer));
	cJSON *ipc = nodeipc_save(in->ipc, keep_cb, k);
	if (ipc)
		cJSON_AddItemToObject(o, "ipc", ipc);
	cJSON *readers = cJSON_AddArrayToObject(o, "readers");
	for (struct pipe_reader *r = in->readers; r; r = r->next) {
		cJSON *ro = cJSON_CreateObject();
		cJSON_AddNumberToObject(ro, "fd", keep_fd(k, r->io.fd));
		cJSON_AddNumberToObject(ro, "kind", r->kind);
		char *hex = hex_encode(r->partial.data ? r->partial.data : "", r->partial.len);
		cJSON_AddStringToObject(ro, "partial", hex);
		free(hex);
		/* oldest first, so the restored list has the same order */
		cJSON_InsertItemInArray(readers, 0, ro);
	}
	return o;
}

static char *save_state(struct daemon *d, struct client *c, struct keep *k)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddNumberToObject(s, "v", UPGRADE_STATE_VERSION);
	cJSON_AddStringToObject(s, "from", PM2_VERSION);
	fields_save(s, d, daemon_fields, ARRAY_LEN(daemon_fields));
	cJSON_AddNumberToObject(s, "lock_fd", keep_fd(k, d->lock_fd));
	cJSON_AddNumberToObject(s, "listen_fd", keep_fd(k, d->listen_fd));
	cJSON_AddNumberToObject(s, "client_fd", keep_fd(k, c->io.fd));
	if (d->notify_fd >= 0) {
		cJSON_AddNumberToObject(s, "notify_fd", keep_fd(k, d->notify_fd));
		cJSON_AddStringToObject(s, "notify_path", d->notify_path);
	}
	cJSON_AddItemToObject(s, "sockets", cluster_save(d, keep_cb, k));
	cJSON_AddItemToObject(s, "viewers", logs_save_viewers(d, keep_cb, k));
	char listen[80];
	const char *token = NULL;
	if (web_where(d, listen, sizeof(listen), &token)) {
		cJSON *w = cJSON_AddObjectToObject(s, "web");
		cJSON_AddStringToObject(w, "listen", listen);
		cJSON_AddNumberToObject(w, "fd", keep_fd(k, web_fd(d)));
		if (token)
			cJSON_AddStringToObject(w, "token", token);
	}
	cJSON *confs = cJSON_AddArrayToObject(s, "confs");
	cJSON *procs = cJSON_AddArrayToObject(s, "procs");
	for (struct instance *in = d->procs; in; in = in->next)
		cJSON_AddItemToArray(procs, save_instance(in, confs, k));
	char *text = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	return text;
}

static int state_fd(const char *text)
{
	int fd = memfd_create("pm2-state", 0);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

cJSON *upgrade_request(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)req;
	char err[512], version[64];
	char *path = self_path(d);
	if (!path)
		return reply_err("cannot tell which binary this daemon runs");
	if (probe_version(path, version, sizeof(version), err, sizeof(err)) < 0) {
		free(path);
		return reply_err("not updating: %s", err);
	}
	/* A rolling reload, or a message half way to a Node worker, would not
	 * survive the exec: wait for them. */
	if (d->reloads || d->retirees) {
		free(path);
		return reply_err("not updating now: a reload is in progress (try again when it is done)");
	}
	for (struct instance *in = d->procs; in; in = in->next)
		if (nodeipc_busy(in->ipc)) {
			free(path);
			return reply_err("not updating now: App [%s:%d] is talking to the daemon "
					   "(try again in a moment)", in->conf->name, in->pm_id);
		}
	/* What a full disk holds back must reach its file first. */
	sinks_flush(d, 1000);
	for (struct log_sink *s = d->sinks; s; s = s->next)
		if (sink_blocked(s)) {
			free(path);
			return reply_err("not updating: log %s cannot be written now (full disk?)",
					   s->path ? s->path : "?");
		}

	struct keep k = { 0 };
	char *text = save_state(d, c, &k);
	int sfd = state_fd(text);
	free(text);
	if (sfd < 0) {
		free(k.fds);
		free(path);
		return reply_err("not updating: cannot keep the state: %s", strerror(errno));
	}
	for (size_t i = 0; i < k.n; i++)
		fd_set_cloexec(k.fds[i], false);

	dlog_info("updating in place: %s (%s -> %s)", path, PM2_VERSION, version);
	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", sfd);
	char *argv[] = { "pm2", "__resume", fdarg, NULL };
	execve(path, argv, environ);

	/* Still here: nothing changed; carry on as before. */
	int e = errno;
	for (size_t i = 0; i < k.n; i++)
		fd_set_cloexec(k.fds[i], true);
	close(sfd);
	free(k.fds);
	dlog_warn("update failed: cannot execute %s: %s", path, strerror(e));
	cJSON *r = reply_err("not updating: cannot execute %s: %s", path, strerror(e));
	free(path);
	return r;
}

/* --- resuming ---------------------------------------------------------- */

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void resume_timer(struct daemon *d, struct timer *t, double left)
{
	if (left >= 0)
		loop_timer_arm(&d->loop, t, (int64_t)left);
}

static void resume_instance(struct daemon *d, const cJSON *o, struct app_conf **confs, size_t nconf)
{
	size_t ci = (size_t)num(o, "conf");
	int pm_id = (int)num(o, "pm_id");
	if (ci >= nconf || !confs[ci]) {
		/* Its configuration no longer loads (a user gone from
		 * /etc/passwd?): the process is still ours and will be reaped. */
		dlog_error("App with pm_id %d could not be carried over the update", pm_id);
		return;
	}
	struct instance *in = proc_restore(d, confs[ci], pm_id, (int)num(o, "index"));
	fields_load(o, in, inst_fields, ARRAY_LEN(inst_fields));
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (cJSON_IsString(version))
		in->version = xstrdup(version->valuestring);
	output_open_logs(d, in);
	const cJSON *readers = cJSON_GetObjectItemCaseSensitive(o, "readers");
	for (const cJSON *r = readers ? readers->child : NULL; r; r = r->next) {
		const cJSON *hex = cJSON_GetObjectItemCaseSensitive(r, "partial");
		size_t hl = cJSON_IsString(hex) ? strlen(hex->valuestring) : 0;
		char *partial = xmalloc(hl / 2 + 1);
		size_t pn = hl ? hex_decode(hex->valuestring, partial) : 0;
		int fd = (int)num(r, "fd");
		fd_set_cloexec(fd, true);
		output_adopt(d, in, fd, (int)num(r, "kind"), partial, pn);
		free(partial);
	}
	resume_timer(d, &in->restart_timer, num(o, "restart_timer"));
	resume_timer(d, &in->kill_timer, num(o, "kill_timer"));
	resume_timer(d, &in->ready_timer, num(o, "ready_timer"));
	const cJSON *ipc = cJSON_GetObjectItemCaseSensitive(o, "ipc");
	if (ipc)
		in->ipc = nodeipc_restore(d, in->conf, ipc);
	if (in->pid > 0 && (in->state == ST_ONLINE || in->state == ST_LAUNCHING)) {
		instance_arm_cron(d, in);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "watching")))
			watch_start(d, in);
		if (in->conf->max_memory)
			memory_watch_arm(d);
	}
}

int upgrade_resume(struct daemon *d, int fd, char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char *text = read_file(path, NULL, UPGRADE_STATE_MAX);
	close(fd);
	cJSON *s = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!s || num(s, "v") != UPGRADE_STATE_VERSION) {
		snprintf(err, errlen, "the state left by the update cannot be read");
		cJSON_Delete(s);
		return -1;
	}
	d->lock_fd = (int)num(s, "lock_fd");
	fd_set_cloexec(d->lock_fd, true);
	if (control_adopt_listener(d, (int)num(s, "listen_fd")) < 0) {
		snprintf(err, errlen, "cannot watch the control socket: %s", strerror(errno));
		cJSON_Delete(s);
		return -1;
	}
	fields_load(s, d, daemon_fields, ARRAY_LEN(daemon_fields));
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(s, "notify_path");
	if (cJSON_IsString(np))
		notify_adopt(d, (int)num(s, "notify_fd"), np->valuestring);
	cluster_restore(d, cJSON_GetObjectItemCaseSensitive(s, "sockets"));
	logs_init(d); /* our stdout/stderr views depend on the above */

	const cJSON *confs = cJSON_GetObjectItemCaseSensitive(s, "confs");
	size_t nconf = (size_t)cJSON_GetArraySize(confs);
	struct app_conf **cv = xcalloc(nconf + 1, sizeof(*cv));
	size_t i = 0;
	for (const cJSON *c = confs ? confs->child : NULL; c; c = c->next, i++) {
		cv[i] = app_conf_new(c, err, errlen);
		if (!cv[i])
			dlog_error("update: an app's configuration no longer loads: %s", err);
	}
	const cJSON *procs = cJSON_GetObjectItemCaseSensitive(s, "procs");
	for (const cJSON *o = procs ? procs->child : NULL; o; o = o->next)
		resume_instance(d, o, cv, nconf);
	for (i = 0; i < nconf; i++)
		app_conf_unref(cv[i]);
	free(cv);

	const cJSON *web = cJSON_GetObjectItemCaseSensitive(s, "web");
	if (web) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(web, "listen");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(web, "token");
		const cJSON *wfd = cJSON_GetObjectItemCaseSensitive(web, "fd");
		const char *token = cJSON_IsString(t) ? t->valuestring : NULL;
		if (cJSON_IsNumber(wfd))
			fd_set_cloexec(wfd->valueint, true);
		/* The socket carried over; binding anew is the fallback. */
		if ((!cJSON_IsNumber(wfd) || web_adopt(d, wfd->valueint, token) < 0) &&
		    web_start(d, cJSON_IsString(l) ? l->valuestring : NULL, token, err, errlen) < 0)
			dlog_warn("update: web interface not restored: %s", err);
	}

	logs_restore_viewers(d, cJSON_GetObjectItemCaseSensitive(s, "viewers"));

	/* The one who asked gets the answer from the new binary. */
	int cfd = (int)num(s, "client_fd");
	fd_set_cloexec(cfd, true);
	struct client *c = client_adopt(d, cfd);
	if (c) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddTrueToObject(r, "ok");
		cJSON_AddStringToObject(r, "version", PM2_VERSION);
		cJSON_AddStringToObject(r, "from", cJSON_GetObjectItemCaseSensitive(s, "from")->valuestring);
		cJSON_AddNumberToObject(r, "pid", getpid());
		client_send(c, r);
		cJSON_Delete(r);
	}
	dlog_info("updated in place to %s: %d app(s) carried over", PM2_VERSION, proc_count(d));
	cJSON_Delete(s);
	/* Children that ended while we were exec'ing are waiting to be reaped. */
	reap_children(d);
	return 0;
}
