/* output: child stdout/stderr. Each instance's pipes are read in large
 * chunks and written straight to its log files (and, in the foreground, to
 * our own stdout/stderr for `docker logs`). Reading stops while a write
 * cannot complete, so a slow disk slows the app through its pipe instead
 * of dropping lines. */
#define _GNU_SOURCE
#include "daemon.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define OUTPUT_CHUNK 65536

/* The path of one of an instance's logs: the configured file (with
 * "-<pm_id>" before the extension unless logs are merged) or PM2's
 * default <logs>/<name>-out.log. */
static char *log_path(struct daemon *d, struct instance *in, const char *conf,
		      const char *suffix)
{
	const struct app_conf *c = in->conf;
	if (conf && (strcmp(conf, "NULL") == 0 || strcmp(conf, "/dev/null") == 0))
		return xstrdup("/dev/null");
	char *base = conf ? path_absolute(c->cwd, conf)
			  : xasprintf("%s/%s-%s.log", d->paths.logs, c->name, suffix);
	if (c->merge_logs)
		return base;
	char *dot = strrchr(base, '.');
	char *slash = strrchr(base, '/');
	char *p;
	if (dot && (!slash || dot > slash))
		p = xasprintf("%.*s-%d%s", (int)(dot - base), base, in->pm_id, dot);
	else
		p = xasprintf("%s-%d", base, in->pm_id);
	free(base);
	return p;
}

static int open_log(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0755);
	}
	free(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		dlog_warn("cannot open log %s: %s", path, strerror(errno));
	return fd;
}

void output_open_logs(struct daemon *d, struct instance *in)
{
	if (!in->out_path)
		in->out_path = log_path(d, in, in->conf->out_file, "out");
	if (!in->err_path)
		in->err_path = log_path(d, in, in->conf->err_file, "error");
	if (!in->pid_path)
		in->pid_path = in->conf->pid_file
				       ? path_absolute(in->conf->cwd, in->conf->pid_file)
				       : xasprintf("%s/%s-%d.pid", d->paths.pids,
						   in->conf->name, in->pm_id);
	if (in->out_fd < 0)
		in->out_fd = open_log(in->out_path);
	if (in->err_fd < 0)
		in->err_fd = open_log(in->err_path);
}

void output_close_logs(struct instance *in)
{
	if (in->out_fd >= 0)
		close(in->out_fd);
	if (in->err_fd >= 0)
		close(in->err_fd);
	in->out_fd = in->err_fd = -1;
}

static void write_out(struct daemon *d, struct instance *in, int kind,
		      const char *p, size_t n)
{
	int fd = kind == 1 ? in->out_fd : in->err_fd;
	in->log_bytes[kind == 1 ? 0 : 1] += n;
	if (fd >= 0 && write_all(fd, p, n) < 0)
		dlog_warn("App [%s:%d] log write failed: %s", in->conf->name,
			  in->pm_id, strerror(errno));
	if (d->foreground)
		(void)write_all(kind == 1 ? 1 : 2, p, n);
}

static void reader_close(struct daemon *d, struct pipe_reader *r)
{
	loop_io_del(&d->loop, &r->io);
	close(r->io.fd);
	struct pipe_reader **pp = &r->in->readers;
	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	loop_defer_free(&d->loop, r);
}

/* Read what the pipe holds now; false once it reached EOF. */
static bool reader_drain(struct daemon *d, struct pipe_reader *r)
{
	static char chunk[OUTPUT_CHUNK];
	for (;;) {
		ssize_t n = read(r->io.fd, chunk, sizeof(chunk));
		if (n > 0) {
			write_out(d, r->in, r->kind, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		return false;
	}
}

static void on_pipe(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct pipe_reader *r = io->ctx;
	if (!reader_drain(r->d, r))
		reader_close(r->d, r);
}

static void reader_add(struct daemon *d, struct instance *in, int fd, int kind)
{
	fd_set_nonblock(fd, true);
	struct pipe_reader *r = xcalloc(1, sizeof(*r));
	r->d = d;
	r->in = in;
	r->kind = kind;
	io_init(&r->io, fd, on_pipe, r);
	if (loop_io_add(&d->loop, &r->io, EPOLLIN) < 0) {
		dlog_warn("cannot watch output of App [%s:%d]: %s", in->conf->name,
			  in->pm_id, strerror(errno));
		close(fd);
		free(r);
		return;
	}
	r->next = in->readers;
	in->readers = r;
}

void output_attach(struct daemon *d, struct instance *in, int out_fd, int err_fd)
{
	reader_add(d, in, out_fd, 1);
	reader_add(d, in, err_fd, 2);
}

void output_detach_all(struct daemon *d, struct instance *in)
{
	while (in->readers) {
		struct pipe_reader *r = in->readers;
		reader_drain(d, r);
		reader_close(d, r);
	}
}
