/* watch: restart an app when its files change (PM2's --watch). One
 * inotify descriptor per watching instance, a watch on every folder of the
 * watched trees (new folders are added as they appear), and a delay timer
 * so that a burst of writes gives one restart. node_modules and .git are
 * ignored by default, and so are the app's own log files. */
#define _GNU_SOURCE
#include "daemon.h"
#include "log.h"
#include "watch.h"
#include "../common/app_spec.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* PM2 restarts a watched app this long after the last change. */
#define WATCH_DEFAULT_DELAY_MS 1000
/* A bound on folders per app, so a watch on "/" cannot eat the kernel's
 * inotify budget. */
#define WATCH_MAX_DIRS 8192

static const char *const default_ignores[] = { "node_modules", ".git" };

struct watched_dir {
	int wd;
	char *path;
};

struct watcher {
	struct io io;
	struct daemon *d;
	struct instance *in;
	struct timer delay;
	int64_t delay_ms;
	struct watched_dir *dirs;
	size_t ndirs, capdirs;
	char **ignore;
	size_t nignore;
	char *changed; /* first path that changed, for the log line */
};

static bool ignored(const struct watcher *w, const char *path)
{
	const char *base = path_basename(path);
	for (size_t i = 0; i < ARRAY_LEN(default_ignores); i++)
		if (strcmp(base, default_ignores[i]) == 0 || strstr(path, "/node_modules/") ||
		    strstr(path, "/.git/"))
			return true;
	for (size_t i = 0; i < w->nignore; i++) {
		const char *pat = w->ignore[i];
		if (fnmatch(pat, base, 0) == 0 || fnmatch(pat, path, 0) == 0)
			return true;
		/* a plain name or relative path: match it anywhere in the tree */
		if (!strpbrk(pat, "*?[") && (strcmp(base, pat) == 0 || str_ends(path, pat)))
			return true;
	}
	const struct instance *in = w->in;
	return (in->out_path && strcmp(path, in->out_path) == 0) ||
	       (in->err_path && strcmp(path, in->err_path) == 0) ||
	       (in->pid_path && strcmp(path, in->pid_path) == 0);
}

static void add_tree(struct watcher *w, const char *path)
{
	if (w->ndirs >= WATCH_MAX_DIRS || ignored(w, path))
		return;
	int wd = inotify_add_watch(w->io.fd, path,
				   IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
					   IN_MOVED_TO | IN_MODIFY | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd < 0) {
		if (errno != ENOTDIR && errno != ENOENT)
			dlog_warn("App [%s:%d] cannot watch %s: %s", w->in->conf->name,
				  w->in->pm_id, path, strerror(errno));
		return;
	}
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return; /* already watched (a second path to the same folder) */
	if (w->ndirs == w->capdirs) {
		w->capdirs = w->capdirs ? w->capdirs * 2 : 16;
		w->dirs = xrealloc(w->dirs, w->capdirs * sizeof(*w->dirs));
	}
	w->dirs[w->ndirs].wd = wd;
	w->dirs[w->ndirs].path = xstrdup(path);
	w->ndirs++;

	DIR *dir = opendir(path);
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = xasprintf("%s/%s", strcmp(path, "/") ? path : "", de->d_name);
		struct stat st;
		if (de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)))
			add_tree(w, sub);
		free(sub);
	}
	closedir(dir);
}

static const char *dir_of(const struct watcher *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	return NULL;
}

static void on_delay(struct loop *l, struct timer *t)
{
	(void)l;
	struct watcher *w = t->ctx;
	struct instance *in = w->in;
	dlog_info("Change detected on path %s for app %s - restarting",
		  w->changed ? w->changed : "?", in->conf->name);
	free(w->changed);
	w->changed = NULL;
	if (in->state == ST_ONLINE || in->state == ST_LAUNCHING)
		instance_stop(w->d, in, AFTER_START);
	else if (in->state == ST_ERRORED || in->state == ST_STOPPED)
		instance_stop(w->d, in, AFTER_START); /* a fix on disk revives it */
	control_poke(w->d);
}

static void changed(struct watcher *w, const char *path)
{
	if (!w->changed)
		w->changed = xstrdup(path);
	if (!timer_armed(&w->delay))
		loop_timer_arm(&w->d->loop, &w->delay, w->delay_ms);
}

static void on_events(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct watcher *w = io->ctx;
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(io->fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				changed(w, "(many files)");
				continue;
			}
			const char *dir = dir_of(w, ev->wd);
			if (!dir || !ev->len)
				continue;
			char *path = xasprintf("%s/%s", dir, ev->name);
			if (!ignored(w, path)) {
				if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR))
					add_tree(w, path);
				changed(w, path);
			}
			free(path);
		}
	}
}

/* The paths an app watches: `watch: true` is its cwd; a string or a list
 * names paths relative to it. */
static void watch_paths(struct watcher *w, const cJSON *watch, const char *cwd)
{
	if (cJSON_IsString(watch)) {
		char *p = path_absolute(cwd, watch->valuestring);
		add_tree(w, p);
		free(p);
		return;
	}
	if (cJSON_IsArray(watch) && cJSON_GetArraySize(watch)) {
		for (const cJSON *e = watch->child; e; e = e->next)
			watch_paths(w, e, cwd);
		return;
	}
	add_tree(w, cwd);
}

bool watch_configured(const struct app_conf *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->spec, "watch");
	if (!v || cJSON_IsFalse(v) || cJSON_IsNull(v))
		return false;
	if (cJSON_IsString(v) && (!strcmp(v->valuestring, "false") || !*v->valuestring))
		return false;
	return true;
}

void watch_start(struct daemon *d, struct instance *in)
{
	if (in->watcher || !watch_configured(in->conf))
		return;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		dlog_warn("App [%s:%d] cannot watch files: %s", in->conf->name, in->pm_id,
			  strerror(errno));
		return;
	}
	struct watcher *w = xcalloc(1, sizeof(*w));
	w->d = d;
	w->in = in;
	io_init(&w->io, fd, on_events, w);
	timer_init(&w->delay, on_delay, w);
	const cJSON *spec = in->conf->spec;
	w->delay_ms = spec_int(spec, "watch_delay", WATCH_DEFAULT_DELAY_MS);
	const cJSON *ign = cJSON_GetObjectItemCaseSensitive(spec, "ignore_watch");
	w->nignore = (size_t)cJSON_GetArraySize(ign);
	w->ignore = xcalloc(w->nignore + 1, sizeof(char *));
	size_t k = 0;
	for (const cJSON *e = ign ? ign->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			w->ignore[k++] = xstrdup(e->valuestring);
	w->nignore = k;
	watch_paths(w, cJSON_GetObjectItemCaseSensitive(spec, "watch"), in->conf->cwd);
	if (loop_io_add(&d->loop, &w->io, EPOLLIN) < 0) {
		in->watcher = w;
		watch_stop(d, in);
		return;
	}
	in->watcher = w;
	dlog_info("App [%s:%d] watching %zu folder(s)", in->conf->name, in->pm_id, w->ndirs);
}

void watch_stop(struct daemon *d, struct instance *in)
{
	struct watcher *w = in->watcher;
	if (!w)
		return;
	in->watcher = NULL;
	loop_timer_cancel(&d->loop, &w->delay);
	loop_io_del(&d->loop, &w->io);
	close(w->io.fd);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	for (size_t i = 0; i < w->nignore; i++)
		free(w->ignore[i]);
	free(w->ignore);
	free(w->changed);
	loop_defer_free(&d->loop, w);
}
