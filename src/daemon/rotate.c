/* rotate: the built-in pm2-logrotate. `pm2 install pm2-logrotate` turns it
 * on; its settings are the module's, in module_conf.json. A file rotates
 * by renaming it to <name>__<date>.log and reopening its path: no line is
 * copied, cut off or written twice (no copytruncate race), and a line is
 * never split, since the daemon only writes whole lines. Rotated files
 * beyond `retain` are deleted; with `compress` they are gzipped by a
 * forked child, so the loop never waits on it.
 *
 * Sizes are checked at every write, so a file rotates as it crosses
 * max_size instead of every workerInterval seconds (the setting is kept
 * for compatibility); rotateInterval, a cron expression, forces a rotation
 * of every non-empty file. PM2's own log (pm2.log) rotates too. */
#define _GNU_SOURCE
#include "daemon.h"
#include "gzip.h"
#include "log.h"
#include "log_sink.h"
#include "../common/module_conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct logrotate {
	struct logrotate_conf conf;
	struct timer cron_timer;
	int64_t cron_due;   /* wall ms the cron timer is for */
	pid_t *kids;        /* compressors still running */
	size_t nkids, capkids;
	bool busy;          /* rotating: its own log lines must not recurse */
};

/* --- names and retention ---------------------------------------------- */

/* "<path without .log>__<date>.log", made unique with "-N" when a file of
 * that name (or its .gz) is already there: two rotations in one second
 * must not overwrite each other. */
static char *rotated_name(const char *path, const char *date_format)
{
	char date[DATEFMT_MAX];
	datefmt(date, sizeof(date), date_format, wall_ms());
	bool dotlog = str_ends(path, ".log");
	int base = (int)strlen(path) - (dotlog ? 4 : 0);
	const char *ext = dotlog ? ".log" : "";
	char *name = xasprintf("%.*s__%s%s", base, path, date, ext);
	for (int i = 1;; i++) {
		char *gz = xasprintf("%s.gz", name);
		bool taken = file_exists(name) || file_exists(gz);
		free(gz);
		if (!taken)
			return name;
		free(name);
		name = xasprintf("%.*s__%s-%d%s", base, path, date, i, ext);
	}
}

struct rotated {
	char *name;
	struct timespec mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(y->name, x->name);
}

/* Delete the rotated files of `path` beyond the newest `retain`. */
static void prune(const char *path, int retain)
{
	if (retain < 0)
		return;
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	const char *file = slash + 1;
	size_t stem = strlen(file) - (str_ends(file, ".log") ? 4 : 0);
	char *prefix = xasprintf("%.*s__", (int)stem, file);
	DIR *dh = opendir(*dir ? dir : "/");
	struct rotated *list = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; dh && (e = readdir(dh));) {
		if (!str_starts(e->d_name, prefix))
			continue;
		char *full = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[n++] = (struct rotated){ full, st.st_mtim };
	}
	if (dh)
		closedir(dh);
	qsort(list, n, sizeof(*list), newest_first);
	for (size_t i = 0; i < n; i++) {
		if (i >= (size_t)retain && unlink(list[i].name) < 0 && errno != ENOENT)
			dlog_warn("cannot delete old log %s: %s", list[i].name, strerror(errno));
		free(list[i].name);
	}
	free(list);
	free(prefix);
	free(dir);
}

/* The child that gzips a rotated file, then applies retain. */
static void compress_child(const char *path, const char *rotated, int retain)
{
	dlog_set_hook(NULL, NULL); /* nothing of the daemon's state from here */
	char *gz = xasprintf("%s.gz", rotated);
	struct stat st;
	if (gzip_file(rotated, gz) < 0) {
		dlog_warn("cannot compress %s: %s", rotated, strerror(errno));
	} else {
		/* Keep the rotated file's time: retain orders by it. */
		if (stat(rotated, &st) == 0) {
			struct timespec times[2] = { st.st_atim, st.st_mtim };
			utimensat(AT_FDCWD, gz, times, 0);
		}
		unlink(rotated);
	}
	prune(path, retain);
	_exit(0);
}

static void after_rotation(struct daemon *d, const char *path, const char *rotated)
{
	struct logrotate *r = d->rotate;
	dlog_info("rotated %s to %s", path, rotated);
	if (!r->conf.compress) {
		prune(path, r->conf.retain);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		compress_child(path, rotated, r->conf.retain);
	if (pid < 0) {
		dlog_warn("cannot start compressing %s: %s", rotated, strerror(errno));
		prune(path, r->conf.retain);
		return;
	}
	if (r->nkids == r->capkids) {
		r->capkids = r->capkids ? r->capkids * 2 : 8;
		r->kids = xrealloc(r->kids, r->capkids * sizeof(pid_t));
	}
	r->kids[r->nkids++] = pid;
}

/* --- rotating ------------------------------------------------------------ */

static void rotate_sink(struct daemon *d, struct log_sink *s)
{
	struct logrotate *r = d->rotate;
	char *dst = rotated_name(s->path, r->conf.date_format);
	if (rename(s->path, dst) < 0) {
		if (errno != ENOENT)
			dlog_warn("cannot rotate %s: %s", s->path, strerror(errno));
		else
			sink_reopen(d, s, false); /* moved away: start a new one */
		s->size = 0; /* try again after another max_size, not at every line */
		free(dst);
		return;
	}
	sink_reopen(d, s, false);
	after_rotation(d, s->path, dst);
	free(dst);
}

static uint64_t daemon_log_size(void)
{
	struct stat st;
	return fstat(2, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

static void rotate_daemon_log(struct daemon *d)
{
	struct logrotate *r = d->rotate;
	char *dst = rotated_name(d->paths.daemon_log, r->conf.date_format);
	if (rename(d->paths.daemon_log, dst) == 0 && logs_reopen_daemon_log(d) == 0)
		after_rotation(d, d->paths.daemon_log, dst);
	free(dst);
}

static bool active(const struct logrotate *r)
{
	return r && r->conf.enabled && !r->busy;
}

void rotate_check(struct daemon *d, struct log_sink *s)
{
	struct logrotate *r = d->rotate;
	if (!active(r) || !s->path || s->size < (uint64_t)r->conf.max_size)
		return;
	r->busy = true;
	rotate_sink(d, s);
	r->busy = false;
}

void rotate_daemon_log_check(struct daemon *d)
{
	struct logrotate *r = d->rotate;
	if (!active(r) || d->foreground || daemon_log_size() < (uint64_t)r->conf.max_size)
		return;
	r->busy = true;
	rotate_daemon_log(d);
	r->busy = false;
}

/* Every file over max_size now (after the settings changed). */
static void check_all(struct daemon *d)
{
	for (struct log_sink *s = d->sinks; s; s = s->next)
		rotate_check(d, s);
	rotate_daemon_log_check(d);
}

/* rotateInterval: every non-empty file, whatever its size. */
static void rotate_all(struct daemon *d)
{
	struct logrotate *r = d->rotate;
	r->busy = true;
	for (struct log_sink *s = d->sinks; s; s = s->next)
		if (s->path && s->fd >= 0 && s->size > 0)
			rotate_sink(d, s);
	if (!d->foreground && daemon_log_size() > 0)
		rotate_daemon_log(d);
	r->busy = false;
}

static void arm_cron(struct daemon *d, int64_t after)
{
	struct logrotate *r = d->rotate;
	loop_timer_cancel(&d->loop, &r->cron_timer);
	if (!r->conf.enabled)
		return;
	time_t next = cron_next(&r->conf.cron, (time_t)(after / 1000));
	r->cron_due = next == (time_t)-1 ? -1 : (int64_t)next * 1000;
	if (r->cron_due > 0)
		loop_timer_arm(&d->loop, &r->cron_timer, r->cron_due - wall_ms());
}

static void on_cron(struct loop *l, struct timer *t)
{
	(void)l;
	struct daemon *d = t->ctx;
	struct logrotate *r = d->rotate;
	int64_t now = wall_ms();
	/* The timer runs on the monotonic clock; if the wall clock says it
	 * is not time yet (it was set back), wait for it. */
	if (now < r->cron_due) {
		loop_timer_arm(&d->loop, &r->cron_timer, r->cron_due - now);
		return;
	}
	rotate_all(d);
	arm_cron(d, now > r->cron_due ? now : r->cron_due);
}

/* --- settings ------------------------------------------------------------ */

static void load(struct daemon *d)
{
	struct logrotate *r = d->rotate;
	char err[300];
	cJSON *conf = modconf_load(d->paths.home, err, sizeof(err));
	if (!conf) {
		dlog_warn("%s; log rotation settings unchanged", err);
		return;
	}
	struct logrotate_conf lc;
	if (logrotate_read(conf, &lc, err, sizeof(err)) < 0)
		dlog_warn("%s", err);
	cJSON_Delete(conf);
	if (lc.enabled)
		dlog_info("pm2-logrotate: max_size %lld bytes, retain %d, compress %s",
			  lc.max_size, lc.retain, lc.compress ? "on" : "off");
	else if (r->conf.enabled)
		dlog_info("pm2-logrotate: off");
	r->conf = lc;
	arm_cron(d, wall_ms());
}

void rotate_init(struct daemon *d)
{
	d->rotate = xcalloc(1, sizeof(*d->rotate));
	timer_init(&d->rotate->cron_timer, on_cron, d);
	load(d);
}

void rotate_close(struct daemon *d)
{
	if (!d->rotate)
		return;
	loop_timer_cancel(&d->loop, &d->rotate->cron_timer);
	free(d->rotate->kids);
	free(d->rotate);
	d->rotate = NULL;
}

bool rotate_reaped(struct daemon *d, pid_t pid)
{
	struct logrotate *r = d->rotate;
	for (size_t i = 0; r && i < r->nkids; i++)
		if (r->kids[i] == pid) {
			r->kids[i] = r->kids[--r->nkids];
			return true;
		}
	return false;
}

/* The CLI changed module_conf.json (install, set, uninstall). */
cJSON *rotate_cmd_reload(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	(void)req;
	load(d);
	check_all(d);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddTrueToObject(r, "ok");
	cJSON_AddBoolToObject(r, "enabled", d->rotate->conf.enabled);
	return r;
}
