/* log_sink: see log_sink.h. */
#define _GNU_SOURCE
#include "log_sink.h"
#include "daemon.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

/* A full disk is tried again this often; a pipe wakes us itself. */
#define SINK_RETRY_MS 1000

static void sink_retry(struct loop *l, struct timer *t);
static void sink_on_writable(struct loop *l, struct io *io, uint32_t events);

static int open_append(const char *path, bool truncate)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0755);
	}
	free(dir);
	/* O_NONBLOCK: a FIFO with no reader must not hang the daemon in
	 * open(); it fails (ENXIO) instead, and writes to it never block. */
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | (truncate ? O_TRUNC : 0);
	return open(path, flags, 0644);
}

/* Pipes, sockets and character devices say when they can take more. */
static bool is_pollable(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 &&
	       (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode));
}

static uint64_t fd_size(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

static struct log_sink *sink_new(struct daemon *d, const char *path, int fd)
{
	struct log_sink *s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->path = path ? xstrdup(path) : NULL;
	s->fd = fd;
	s->refs = 1;
	s->size = fd_size(fd);
	s->pollable = is_pollable(fd);
	buf_init(&s->pending);
	io_init(&s->io, fd, sink_on_writable, s);
	timer_init(&s->retry, sink_retry, s);
	s->next = d->sinks;
	d->sinks = s;
	return s;
}

struct log_sink *sink_get(struct daemon *d, const char *path)
{
	for (struct log_sink *s = d->sinks; s; s = s->next)
		if (s->path && strcmp(s->path, path) == 0) {
			s->refs++;
			return s;
		}
	int fd = open_append(path, false);
	if (fd < 0)
		dlog_warn("cannot open log %s: %s (its lines are not kept until `pm2 reloadLogs`)",
			  path, strerror(errno));
	return sink_new(d, path, fd);
}

struct log_sink *sink_stream(struct daemon *d, int fd)
{
	struct log_sink *s = sink_new(d, NULL, fd);
	struct stat st;
	/* A pipe or socket (docker, kubectl logs) is made non-blocking so a
	 * reader that stalls stalls the apps, not the supervisor. A terminal
	 * or file stays as it is: we share it with whoever started us. */
	s->pollable = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	if (s->pollable)
		fd_set_nonblock(fd, true);
	return s;
}

static void sink_unblock_events(struct daemon *d, struct log_sink *s)
{
	loop_io_del(&d->loop, &s->io);
	loop_timer_cancel(&d->loop, &s->retry);
}

void sink_put(struct daemon *d, struct log_sink *s)
{
	if (!s || --s->refs > 0)
		return;
	if (s->pending.len)
		dlog_warn("%s: %zu bytes of output could not be written and are lost",
			  s->path ? s->path : "output", s->pending.len);
	sink_unblock_events(d, s);
	struct log_sink **pp = &d->sinks;
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	if (s->path && s->fd >= 0)
		close(s->fd);
	if (!s->path && s->pollable)
		fd_set_nonblock(s->fd, false);
	buf_free(&s->pending);
	free(s->path);
	loop_defer_free(&d->loop, s);
}

/* Errors after which the data is worth keeping: the file will take it
 * once space returns or the reader catches up. */
static bool worth_keeping(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOSPC || e == EDQUOT || e == EFBIG ||
	       e == EIO;
}

/* writev until done or an error; returns the bytes written. */
static size_t write_some(int fd, const struct iovec *iov, int n, int *err)
{
	struct iovec v[8];
	int cnt = n < 8 ? n : 8;
	memcpy(v, iov, (size_t)cnt * sizeof(*v));
	size_t done = 0;
	int i = 0;
	*err = 0;
	while (i < cnt) {
		if (!v[i].iov_len) {
			i++;
			continue;
		}
		ssize_t w = writev(fd, v + i, cnt - i);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
		for (size_t left = (size_t)w; left && i < cnt;) {
			size_t take = left < v[i].iov_len ? left : v[i].iov_len;
			v[i].iov_base = (char *)v[i].iov_base + take;
			v[i].iov_len -= take;
			left -= take;
			if (!v[i].iov_len)
				i++;
		}
	}
	return done;
}

static const char *sink_name(const struct log_sink *s)
{
	if (s->path)
		return s->path;
	return s->fd == 1 ? "stdout" : "stderr";
}

/* Wait until the sink can take more: EPOLLOUT for a pipe, a timer for a
 * full disk. Warn once per episode. */
static void sink_block(struct daemon *d, struct log_sink *s, int err)
{
	/* A full pipe is ordinary flow control, not worth a warning. */
	if (err == EAGAIN && s->pollable && loop_io_add(&d->loop, &s->io, EPOLLOUT) == 0)
		return;
	if (s->failing != err)
		dlog_warn("cannot write to %s: %s; holding its output (the app waits) until it can",
			  sink_name(s), strerror(err));
	s->failing = err;
	loop_timer_arm(&d->loop, &s->retry, SINK_RETRY_MS);
}

/* Write what is held; once it is all out, the paused readers go on. */
static void sink_drain(struct daemon *d, struct log_sink *s)
{
	sink_unblock_events(d, s);
	struct iovec v = { s->pending.data, s->pending.len };
	int err;
	size_t w = write_some(s->fd, &v, 1, &err);
	s->size += w;
	buf_consume(&s->pending, w);
	if (s->pending.len && worth_keeping(err)) {
		sink_block(d, s, err);
		return;
	}
	if (s->pending.len) {
		dlog_warn("cannot write to %s: %s; %zu bytes dropped", sink_name(s), strerror(err),
			  s->pending.len);
		buf_reset(&s->pending);
	}
	if (s->failing)
		dlog_info("writing to %s again", sink_name(s));
	s->failing = 0;
	rotate_check(d, s);
	output_resume(d);
}

static void sink_retry(struct loop *l, struct timer *t)
{
	(void)l;
	struct log_sink *s = t->ctx;
	sink_drain(s->d, s);
}

static void sink_on_writable(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct log_sink *s = io->ctx;
	sink_drain(s->d, s);
}

void sink_write(struct daemon *d, struct log_sink *s, const struct iovec *iov, int n)
{
	if (!s || s->fd < 0)
		return;
	if (s->pending.len) {
		/* Already blocked: keep the order, the drain writes it. */
		for (int i = 0; i < n; i++)
			buf_append(&s->pending, iov[i].iov_base, iov[i].iov_len);
		return;
	}
	int err;
	size_t w = write_some(s->fd, iov, n, &err);
	s->size += w;
	if (err) {
		if (!worth_keeping(err)) {
			if (s->failing != err)
				dlog_warn("cannot write to %s: %s; output dropped", sink_name(s),
					  strerror(err));
			s->failing = err;
			return;
		}
		/* Keep the part not written, from where the write stopped. */
		size_t skip = w;
		for (int i = 0; i < n; i++) {
			size_t len = iov[i].iov_len;
			size_t k = skip < len ? skip : len;
			skip -= k;
			buf_append(&s->pending, (const char *)iov[i].iov_base + k, len - k);
		}
		sink_block(d, s, err);
		return;
	}
	if (s->failing) {
		dlog_info("writing to %s again", sink_name(s));
		s->failing = 0;
	}
	rotate_check(d, s);
}

int sink_reopen(struct daemon *d, struct log_sink *s, bool truncate)
{
	if (!s->path)
		return 0;
	int fd = open_append(s->path, truncate);
	if (fd < 0) {
		int e = errno;
		dlog_warn("cannot reopen log %s: %s", s->path, strerror(e));
		errno = e;
		return -1;
	}
	if (s->fd >= 0)
		close(s->fd);
	loop_io_del(&d->loop, &s->io);
	s->fd = fd;
	s->io.fd = fd;
	s->size = fd_size(fd);
	s->pollable = is_pollable(fd);
	/* What was held goes into the new file now, if it can. */
	if (s->pending.len)
		sink_drain(d, s);
	return 0;
}

void sink_follow_path(struct daemon *d, struct log_sink *s)
{
	struct stat at_path, ours;
	if (!s || !s->path || s->fd < 0 || fstat(s->fd, &ours) < 0)
		return;
	if (stat(s->path, &at_path) == 0 && at_path.st_dev == ours.st_dev &&
	    at_path.st_ino == ours.st_ino)
		return;
	sink_reopen(d, s, false);
}

uint64_t sink_end(const struct log_sink *s)
{
	return s->size + s->pending.len;
}

void sinks_flush(struct daemon *d, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	for (struct log_sink *s = d->sinks; s; s = s->next) {
		while (s->pending.len && s->pollable) {
			int left = (int)(deadline - mono_ms());
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };
			if (left <= 0 || poll(&p, 1, left) <= 0)
				break;
			sink_drain(d, s);
		}
	}
}
