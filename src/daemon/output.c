/* output: child stdout/stderr. Each instance's pipes are read in large
 * chunks and cut at the last newline: complete lines go on, the unfinished
 * one waits for its end (or for EOF), so a line written in two pieces stays
 * one line even in a file several writers share. Lines go to the log files
 * (log_sink), to `pm2 logs` streams and, in the foreground, to our own
 * stdout/stderr for `docker logs`.
 *
 * The hot path — no timestamp, no JSON — is one read, one memrchr and one
 * writev per chunk: no per-byte work. A reader whose sink is blocked stops
 * reading, so a slow disk slows the app through its pipe instead of
 * dropping lines. */
#define _GNU_SOURCE
#include "daemon.h"
#include "log.h"
#include "log_sink.h"
#include "../common/app_spec.h"
#include "../common/datefmt.h"
#include "../common/logline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Bytes read per wakeup, and the pipe size asked for: large enough that a
 * fast writer costs few syscalls (measured: 64 KiB pipes take 1.6x the
 * time of 256 KiB ones for 169 MB; 1 MiB gains little more and counts
 * against the user's pipe-user-pages limits), one chunk per wakeup so
 * apps take turns. */
#define OUTPUT_CHUNK (256 * 1024)
#define PIPE_SIZE (256 * 1024)
/* When an instance goes away, read at most this many chunks of leftovers. */
#define DETACH_MAX_CHUNKS 8
/* A line longer than this is passed on in pieces rather than held. */
#define LINE_HOLD_MAX (256 * 1024)
/* Formatted output (timestamps, JSON) is written in slices of about this. */
#define FORMAT_SLICE (256 * 1024)
/* PM2's format for `time: true`. */
#define TIME_DATE_FORMAT "YYYY-MM-DDTHH:mm:ss"

static const char *const kind_type[3] = { "", "out", "err" };

/* --- paths ------------------------------------------------------------ */

static bool is_null_path(const char *p)
{
	return strcmp(p, "NULL") == 0 || strcmp(p, "/dev/null") == 0;
}

/* PM2 names default log files after the app with every character but
 * letters, digits, '.', '-' and '\' turned into '-'. */
static char *file_name_of(const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '\\'))
			*p = '-';
	return s;
}

/* "~/x" is relative to HOME, as PM2's resolveHome has it. */
static char *user_path(const char *cwd, const char *p)
{
	const char *home = getenv("HOME");
	if (p[0] == '~' && p[1] == '/' && home)
		return path_absolute(home, p + 2);
	return path_absolute(cwd, p);
}

/* One of an instance's log paths. `conf` is what the app asked for (NULL:
 * nothing); `suffix` names the default file ("out", "error", or NULL for
 * the combined log). Unmerged instances get "-<pm_id>" before ".log". */
static char *log_path(struct daemon *d, struct instance *in, const char *conf, const char *suffix)
{
	const struct app_conf *c = in->conf;
	if (conf && is_null_path(conf))
		return xstrdup("/dev/null");
	/* In the foreground, output goes to our stdout; files only when asked. */
	if (!conf && d->foreground)
		return xstrdup("/dev/null");
	char *base;
	if (conf) {
		base = user_path(c->cwd, conf);
	} else {
		char *fname = file_name_of(c->name);
		base = suffix ? xasprintf("%s/%s-%s.log", d->paths.logs, fname, suffix)
			      : xasprintf("%s/%s.log", d->paths.logs, fname);
		free(fname);
	}
	if (c->merge_logs || !str_ends(base, ".log"))
		return base;
	char *p = xasprintf("%.*s-%d.log", (int)(strlen(base) - 4), base, in->pm_id);
	free(base);
	return p;
}

static void replace_str(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

/* Point a sink slot at `path`, keeping the open file if it is the same
 * (reopened if it was deleted or moved away). */
static void use_sink(struct daemon *d, struct log_sink **slot, const char *path)
{
	if (*slot && (*slot)->path && path && strcmp((*slot)->path, path) == 0) {
		sink_follow_path(d, *slot);
		return;
	}
	struct log_sink *old = *slot;
	*slot = path && strcmp(path, "/dev/null") != 0 ? sink_get(d, path) : NULL;
	sink_put(d, old);
}

void output_open_logs(struct daemon *d, struct instance *in)
{
	const cJSON *spec = in->conf->spec;
	struct inst_logs *lg = &in->logs;
	replace_str(&in->out_path, log_path(d, in, spec_str(spec, "out_file", NULL), "out"));
	replace_str(&in->err_path, log_path(d, in, spec_str(spec, "error_file", NULL), "error"));
	const cJSON *lf = cJSON_GetObjectItemCaseSensitive(spec, "log_file");
	char *all = NULL;
	if (cJSON_IsTrue(lf))
		all = log_path(d, in, NULL, NULL);
	else if (cJSON_IsString(lf))
		all = log_path(d, in, lf->valuestring, NULL);
	if (all && strcmp(all, "/dev/null") == 0 && !cJSON_IsString(lf)) {
		free(all); /* log_file: true in the foreground: still not asked where */
		all = NULL;
	}
	replace_str(&lg->all_path, all);
	if (!in->pid_path)
		in->pid_path = in->conf->pid_file
				       ? path_absolute(in->conf->cwd, in->conf->pid_file)
				       : xasprintf("%s/%s-%d.pid", d->paths.pids, in->conf->name,
						   in->pm_id);

	const char *fmt = spec_str(spec, "log_date_format", NULL);
	if (!fmt && spec_bool(spec, "time", false))
		fmt = TIME_DATE_FORMAT;
	replace_str(&lg->date_format, fmt && *fmt ? xstrdup(fmt) : NULL);
	lg->json = strcmp(spec_str(spec, "log_type", ""), "json") == 0;
	lg->disabled = spec_bool(spec, "disable_logs", false);

	use_sink(d, &lg->out, lg->disabled ? NULL : in->out_path);
	use_sink(d, &lg->err, lg->disabled ? NULL : in->err_path);
	use_sink(d, &lg->all, lg->disabled ? NULL : lg->all_path);
}

void output_close_logs(struct daemon *d, struct instance *in)
{
	use_sink(d, &in->logs.out, NULL);
	use_sink(d, &in->logs.err, NULL);
	use_sink(d, &in->logs.all, NULL);
	free(in->logs.all_path);
	free(in->logs.date_format);
	in->logs.all_path = in->logs.date_format = NULL;
}

/* --- the foreground view ---------------------------------------------- */

/* PM2's `pm2 logs` column: "id|name" padded to a width that grows to the
 * longest name seen, then " | ". */
static void put_prefix(struct buf *b, int *pad, const struct instance *in)
{
	char name[256];
	int n = snprintf(name, sizeof(name), "%d|%s", in->pm_id, in->conf->name);
	if (n < 0)
		return;
	if (n > *pad)
		*pad = n + 1;
	buf_printf(b, "%-*s | ", *pad, name);
}

/* One line as the foreground shows it, in views that rewrite lines. */
static void view_line(struct daemon *d, struct buf *b, const struct instance *in, int kind,
		      const char *line, size_t len, int64_t now)
{
	char ts[DATEFMT_MAX];
	switch (d->view) {
	case VIEW_PREFIX:
		put_prefix(b, &d->mirror_pad, in);
		buf_append(b, line, len);
		break;
	case VIEW_JSON:
		datefmt_iso(ts, sizeof(ts), now);
		logline_json(b, line, len, ts, kind_type[kind], in->pm_id, in->conf->name);
		break;
	case VIEW_FORMAT:
		datefmt(ts, sizeof(ts), "YYYY-MM-DD-HH:mm:ssZZ", now);
		logline_kv(b, ts, kind_type[kind], in->pm_id, in->conf->name);
		buf_append(b, line, len);
		break;
	case VIEW_RAW:
		buf_append(b, line, len);
		break;
	}
	buf_append(b, "\n", 1);
}

/* Call fn for each line of the pieces (a last piece may lack its '\n'). */
typedef void (*line_fn)(void *ctx, const char *line, size_t len);

static void each_line(const struct iovec *iov, int n, line_fn fn, void *ctx)
{
	for (int i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left) {
			const char *nl = memchr(p, '\n', left);
			size_t len = nl ? (size_t)(nl - p) : left;
			fn(ctx, p, len);
			len += nl ? 1 : 0;
			p += len;
			left -= len;
		}
	}
}

struct view_ctx {
	struct daemon *d;
	const struct instance *in;
	int kind;
	struct log_sink *sink;
	struct buf *b;
	int64_t now;
};

static void slice_out(struct daemon *d, struct log_sink *s, struct buf *b)
{
	struct iovec v = { b->data, b->len };
	if (b->len)
		sink_write(d, s, &v, 1);
	buf_reset(b);
}

static void view_one(void *ctx, const char *line, size_t len)
{
	struct view_ctx *v = ctx;
	view_line(v->d, v->b, v->in, v->kind, line, len, v->now);
	if (v->b->len >= FORMAT_SLICE)
		slice_out(v->d, v->sink, v->b);
}

/* Our own stdout/stderr in the foreground. Error lines stay on stderr in
 * the line views; JSON and key=value lines are one stream, on stdout. */
static void mirror(struct daemon *d, const struct instance *in, int kind, const struct iovec *iov,
		   int n)
{
	bool one_stream = d->view == VIEW_JSON || d->view == VIEW_FORMAT;
	struct log_sink *s = d->mirror[one_stream ? 0 : kind - 1];
	if (d->view == VIEW_RAW) {
		sink_write(d, s, iov, n);
		/* A last line without its newline (the app exited) is ended
		 * here, so what we print next starts on a line of its own. */
		const struct iovec *last = &iov[n - 1];
		if (last->iov_len && ((const char *)last->iov_base)[last->iov_len - 1] != '\n')
			sink_write(d, s, &(struct iovec){ "\n", 1 }, 1);
		return;
	}
	static struct buf b;
	struct view_ctx v = { d, in, kind, s, &b, wall_ms() };
	each_line(iov, n, view_one, &v);
	slice_out(d, s, &b);
}

/* --- the files' format -------------------------------------------------- */

struct format_ctx {
	struct daemon *d;
	struct pipe_reader *r;
	struct buf *b;
	char stamp[DATEFMT_MAX];
};

static void send_lines(struct daemon *d, struct pipe_reader *r, const struct iovec *iov, int n);

static void format_one(void *ctx, const char *line, size_t len)
{
	struct format_ctx *f = ctx;
	const struct instance *in = f->r->in;
	if (in->logs.json) {
		logline_json(f->b, line, len, f->stamp, kind_type[f->r->kind], in->pm_id,
			     in->conf->name);
		buf_append(f->b, "\n", 1);
	} else {
		buf_printf(f->b, "%s: ", f->stamp);
		buf_append(f->b, line, len);
		buf_append(f->b, "\n", 1);
	}
	if (f->b->len >= FORMAT_SLICE) {
		struct iovec v = { f->b->data, f->b->len };
		send_lines(f->d, f->r, &v, 1);
		buf_reset(f->b);
	}
}

/* PM2's line formats: "<date>: line" with log_date_format, one JSON object
 * per line with log_type json. One timestamp per chunk: its lines were
 * read at the same moment. */
static void format_lines(struct daemon *d, struct pipe_reader *r, const struct iovec *iov, int n)
{
	static struct buf b;
	struct format_ctx f = { d, r, &b, "" };
	const struct inst_logs *lg = &r->in->logs;
	if (lg->date_format)
		datefmt(f.stamp, sizeof(f.stamp), lg->date_format, wall_ms());
	else
		datefmt_iso(f.stamp, sizeof(f.stamp), wall_ms());
	each_line(iov, n, format_one, &f);
	struct iovec v = { b.data, b.len };
	if (b.len)
		send_lines(d, r, &v, 1);
	buf_reset(&b);
}

/* Lines ready to be written: to the files, the streams, our stdout. */
static void send_lines(struct daemon *d, struct pipe_reader *r, const struct iovec *iov, int n)
{
	struct inst_logs *lg = &r->in->logs;
	sink_write(d, r->kind == 1 ? lg->out : lg->err, iov, n);
	sink_write(d, lg->all, iov, n);
	if (d->subs)
		logs_broadcast(d, r->in, r->kind, iov, n);
	if (d->foreground)
		mirror(d, r->in, r->kind, iov, n);
}

static void emit(struct daemon *d, struct pipe_reader *r, const struct iovec *iov, int n)
{
	const struct inst_logs *lg = &r->in->logs;
	if (lg->disabled)
		return;
	if (lg->date_format || lg->json)
		format_lines(d, r, iov, n);
	else
		send_lines(d, r, iov, n);
}

/* --- reading ------------------------------------------------------------- */

/* Keep the unfinished line; pass it on in pieces if it grows too long. */
static void hold(struct daemon *d, struct pipe_reader *r, const char *p, size_t n)
{
	buf_append(&r->partial, p, n);
	if (r->partial.len < LINE_HOLD_MAX)
		return;
	struct iovec v = { r->partial.data, r->partial.len };
	emit(d, r, &v, 1);
	buf_reset(&r->partial);
}

/* Cut a chunk at its last newline: the held line plus the chunk up to
 * there go on (as two pieces, without copying the chunk); the rest waits. */
static void take_chunk(struct daemon *d, struct pipe_reader *r, const char *p, size_t n)
{
	const char *last = memrchr(p, '\n', n);
	if (!last) {
		hold(d, r, p, n);
		return;
	}
	size_t upto = (size_t)(last - p) + 1;
	struct iovec v[2];
	int cnt = 0;
	size_t from = 0;
	if (r->partial.len) {
		const char *first = memchr(p, '\n', upto);
		from = (size_t)(first - p) + 1;
		buf_append(&r->partial, p, from);
		v[cnt++] = (struct iovec){ r->partial.data, r->partial.len };
	}
	if (from < upto)
		v[cnt++] = (struct iovec){ (char *)p + from, upto - from };
	emit(d, r, v, cnt);
	buf_reset(&r->partial);
	if (upto < n)
		buf_append(&r->partial, p + upto, n - upto);
}

static bool reader_blocked(const struct pipe_reader *r)
{
	const struct daemon *d = r->d;
	const struct inst_logs *lg = &r->in->logs;
	if (sink_blocked(r->kind == 1 ? lg->out : lg->err) || sink_blocked(lg->all))
		return true;
	return d->foreground && (sink_blocked(d->mirror[0]) || sink_blocked(d->mirror[1]));
}

static void reader_pause(struct daemon *d, struct pipe_reader *r, bool pause)
{
	if (r->paused == pause)
		return;
	r->paused = pause;
	loop_io_mod(&d->loop, &r->io, pause ? 0 : EPOLLIN);
}

static void reader_close(struct daemon *d, struct pipe_reader *r)
{
	/* The last line, even without its newline, is still the app's. */
	if (r->partial.len) {
		struct iovec v = { r->partial.data, r->partial.len };
		emit(d, r, &v, 1);
	}
	buf_free(&r->partial);
	loop_io_del(&d->loop, &r->io);
	close(r->io.fd);
	struct pipe_reader **pp = &r->in->readers;
	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	loop_defer_free(&d->loop, r);
}

enum read_result { READ_DATA, READ_AGAIN, READ_EOF };

static enum read_result reader_read(struct daemon *d, struct pipe_reader *r)
{
	static char chunk[OUTPUT_CHUNK];
	for (;;) {
		ssize_t n = read(r->io.fd, chunk, sizeof(chunk));
		if (n > 0) {
			r->in->log_bytes[r->kind - 1] += (uint64_t)n;
			take_chunk(d, r, chunk, (size_t)n);
			return READ_DATA;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? READ_AGAIN : READ_EOF;
	}
}

static void on_pipe(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct pipe_reader *r = io->ctx;
	struct daemon *d = r->d;
	switch (reader_read(d, r)) {
	case READ_EOF:
		reader_close(d, r);
		return;
	case READ_DATA:
		if (reader_blocked(r))
			reader_pause(d, r, true);
		return;
	case READ_AGAIN:
		return;
	}
}

static struct pipe_reader *reader_add(struct daemon *d, struct instance *in, int fd, int kind)
{
	fd_set_nonblock(fd, true);
	/* A bigger pipe: fewer wakeups for a chatty app. Best effort. */
	(void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
	struct pipe_reader *r = xcalloc(1, sizeof(*r));
	r->d = d;
	r->in = in;
	r->kind = kind;
	buf_init(&r->partial);
	io_init(&r->io, fd, on_pipe, r);
	r->paused = reader_blocked(r);
	if (loop_io_add(&d->loop, &r->io, r->paused ? 0 : EPOLLIN) < 0) {
		dlog_warn("cannot watch output of App [%s:%d]: %s", in->conf->name, in->pm_id,
			  strerror(errno));
		close(fd);
		free(r);
		return NULL;
	}
	r->next = in->readers;
	in->readers = r;
	return r;
}

void output_adopt(struct daemon *d, struct instance *in, int fd, int kind, const char *partial,
		  size_t n)
{
	struct pipe_reader *r = reader_add(d, in, fd, kind);
	if (r && n)
		buf_append(&r->partial, partial, n);
}

void output_attach(struct daemon *d, struct instance *in, int out_fd, int err_fd)
{
	reader_add(d, in, out_fd, 1);
	reader_add(d, in, err_fd, 2);
}

void output_resume(struct daemon *d)
{
	for (struct instance *in = d->procs; in; in = in->next)
		for (struct pipe_reader *r = in->readers; r; r = r->next)
			if (r->paused && !reader_blocked(r))
				reader_pause(d, r, false);
}

/* The instance is going away: keep what its pipes still hold (blocked
 * sinks keep it too), then close them. */
void output_detach_all(struct daemon *d, struct instance *in)
{
	while (in->readers) {
		struct pipe_reader *r = in->readers;
		/* What the pipe holds, not what a grandchild may go on writing. */
		for (int n = 0; n < DETACH_MAX_CHUNKS && reader_read(d, r) == READ_DATA; n++)
			;
		reader_close(d, r);
	}
}
