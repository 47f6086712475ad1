/* log_stream: the log requests — `pm2 logs` (a stream of new lines to a
 * client, after the list of files it tails), `pm2 flush` and
 * `pm2 reloadLogs` — and PM2's own lines (pm2.log) in those streams.
 *
 * A viewer never slows an app: a client that does not read its stream
 * falls behind by at most SUB_MAX_BUFFER, then loses lines (it is told
 * how many) while the files keep every one. */
#define _GNU_SOURCE
#include "control.h"
#include "log.h"
#include "log_sink.h"
#include "../common/rematch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a slow viewer may have queued before its lines are dropped. */
#define SUB_MAX_BUFFER (4u * 1024 * 1024)
/* PM2's own lines held for a stderr nobody reads, at most. */
#define DLOG_MAX_HELD (1u * 1024 * 1024)
/* How long an exiting supervisor waits for a slow reader of its output
 * (docker logs) to take what is still held. */
#define LOGS_EXIT_FLUSH_MS 5000

/* Which processes a `pm2 logs` target means: all, a pm_id, a name or a
 * namespace, or /regex/ on the name. */
struct target {
	const char *text;
	bool all, is_id;
	char *re; /* the pattern of a /regex/ target, or NULL */
	int id;
};

struct log_sub {
	struct client *c;
	struct target t;
	char *text;
	bool want_out, want_err, want_pm2;
	uint64_t dropped;
	struct log_sub *next;
};

static int target_init(struct target *t, const char *text, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->text = text;
	t->all = strcmp(text, "all") == 0;
	t->is_id = str_is_uint(text);
	t->id = t->is_id ? atoi(text) : -1;
	size_t n = strlen(text);
	if (n >= 2 && text[0] == '/' && text[n - 1] == '/') {
		t->re = xstrndup(text + 1, n - 2);
		if (rematch_check(t->re, err, errlen) < 0) {
			free(t->re);
			t->re = NULL;
			return -1;
		}
	}
	return 0;
}

static void target_free(struct target *t)
{
	free(t->re);
	t->re = NULL;
}

static bool target_matches(const struct target *t, const struct instance *in)
{
	if (t->all)
		return true;
	if (t->is_id)
		return in->pm_id == t->id;
	if (t->re)
		return rematch(t->re, in->conf->name);
	return strcmp(in->conf->name, t->text) == 0 || strcmp(in->conf->namespace, t->text) == 0;
}

static bool target_any(struct daemon *d, const struct target *t)
{
	for (struct instance *in = d->procs; in; in = in->next)
		if (target_matches(t, in))
			return true;
	return t->all;
}

static cJSON *reply_ok(void)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddTrueToObject(r, "ok");
	return r;
}

/* --- streams ------------------------------------------------------------ */

static size_t count_lines(const struct iovec *iov, int n)
{
	size_t lines = 0;
	for (int i = 0; i < n; i++)
		for (const char *p = iov[i].iov_base, *end = p + iov[i].iov_len;
		     (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
	return lines;
}

/* Queue one message for a viewer, unless it has fallen too far behind. */
static void sub_send(struct log_sub *s, const struct buf *msg, size_t lines)
{
	struct client *c = s->c;
	if (c->out.len + msg->len > SUB_MAX_BUFFER) {
		s->dropped += lines;
		return;
	}
	if (s->dropped) {
		char note[64];
		int n = snprintf(note, sizeof(note), "{\"dropped\":%llu}\n",
				 (unsigned long long)s->dropped);
		s->dropped = 0;
		buf_append(&c->out, note, (size_t)n);
	}
	client_send_raw(c, msg->data, msg->len);
}

static void message_start(struct buf *b, const char *type, int64_t at)
{
	buf_reset(b);
	buf_printf(b, "{\"log\":\"%s\",\"at\":%lld", type, (long long)at);
}

static void message_data(struct buf *b, const struct iovec *iov, int n)
{
	buf_puts(b, ",\"data\":");
	if (n == 1) {
		buf_json_str(b, iov[0].iov_base, iov[0].iov_len);
	} else {
		struct buf joined;
		buf_init(&joined);
		for (int i = 0; i < n; i++)
			buf_append(&joined, iov[i].iov_base, iov[i].iov_len);
		buf_json_str(b, joined.data ? joined.data : "", joined.len);
		buf_free(&joined);
	}
	buf_puts(b, "}\n");
}

void logs_broadcast(struct daemon *d, struct instance *in, int kind, const struct iovec *iov,
		    int n)
{
	static struct buf msg;
	size_t lines = 0;
	bool built = false;
	struct log_sub *next;
	for (struct log_sub *s = d->subs; s; s = next) {
		next = s->next;
		if (!(kind == 1 ? s->want_out : s->want_err) || !target_matches(&s->t, in))
			continue;
		if (!built) {
			message_start(&msg, kind == 1 ? "out" : "err", wall_ms());
			buf_printf(&msg, ",\"pm_id\":%d,\"name\":", in->pm_id);
			buf_json_str(&msg, in->conf->name, strlen(in->conf->name));
			buf_puts(&msg, ",\"namespace\":");
			buf_json_str(&msg, in->conf->namespace, strlen(in->conf->namespace));
			message_data(&msg, iov, n);
			lines = count_lines(iov, n);
			built = true;
		}
		sub_send(s, &msg, lines);
	}
}

/* PM2's own lines go to viewers of everything, as in PM2. */
static void broadcast_pm2(struct daemon *d, const char *line, size_t len)
{
	static struct buf msg;
	bool built = false;
	struct log_sub *next;
	for (struct log_sub *s = d->subs; s; s = next) {
		next = s->next;
		if (!s->want_pm2)
			continue;
		if (!built) {
			struct iovec v = { (char *)line, len };
			message_start(&msg, "PM2", wall_ms());
			message_data(&msg, &v, 1);
			built = true;
		}
		sub_send(s, &msg, 1);
	}
}

static void on_dlog(void *ctx, const char *line, size_t len)
{
	struct daemon *d = ctx;
	if (!d->foreground)
		rotate_daemon_log_check(d);
	if (d->subs)
		broadcast_pm2(d, line, len);
}

void logs_client_gone(struct daemon *d, struct client *c)
{
	struct log_sub **pp = &d->subs;
	while (*pp && *pp != c->sub)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->sub->next;
	target_free(&c->sub->t);
	free(c->sub->text);
	free(c->sub);
	c->sub = NULL;
}

/* --- requests ----------------------------------------------------------- */

static const char *req_str(const cJSON *req, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
	if (cJSON_IsNumber(v)) {
		static char num[32];
		snprintf(num, sizeof(num), "%d", v->valueint);
		return num;
	}
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : dflt;
}

static struct log_sink *sink_by_path(struct daemon *d, const char *path)
{
	for (struct log_sink *s = d->sinks; s; s = s->next)
		if (s->path && strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

static bool listed(const cJSON *files, const char *path)
{
	for (const cJSON *f = files->child; f; f = f->next) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)
			return true;
	}
	return false;
}

/* One file to tail: where it ends now, so the tail and the stream that
 * follows neither miss nor repeat a line. */
static void add_file(struct daemon *d, cJSON *files, const struct instance *in, const char *type,
		     const char *path)
{
	if (!path || strcmp(path, "/dev/null") == 0 || listed(files, path))
		return;
	struct log_sink *s = sink_by_path(d, path);
	struct stat st;
	double end = s ? (double)sink_end(s) : stat(path, &st) == 0 ? (double)st.st_size : 0;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "path", path);
	cJSON_AddStringToObject(f, "type", type);
	cJSON_AddNumberToObject(f, "pm_id", in->pm_id);
	cJSON_AddStringToObject(f, "name", in->conf->name);
	cJSON_AddNumberToObject(f, "end", end);
	cJSON_AddItemToArray(files, f);
}

static void sub_attach(struct daemon *d, struct client *c, struct log_sub *s)
{
	s->c = c;
	c->sub = s;
	s->next = d->subs;
	d->subs = s;
}

/* logs {target, type: "out"|"err", stream}: the files to tail, then (if
 * stream) every new line of the matching processes. */
cJSON *logs_cmd_logs(struct daemon *d, struct client *c, const cJSON *req)
{
	const char *text = req_str(req, "target", "all");
	const char *type = req_str(req, "type", "");
	bool stream = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(req, "stream"));
	struct log_sub *s = xcalloc(1, sizeof(*s));
	s->text = xstrdup(text);
	char err[300];
	if (target_init(&s->t, s->text, err, sizeof(err)) < 0) {
		free(s->text);
		free(s);
		return reply_err("%s", err);
	}
	if (!target_any(d, &s->t)) {
		snprintf(err, sizeof(err), "Process or Namespace %s not found", text);
		target_free(&s->t);
		free(s->text);
		free(s);
		return reply_err("%s", err);
	}
	s->want_out = strcmp(type, "err") != 0;
	s->want_err = strcmp(type, "out") != 0;
	s->want_pm2 = s->t.all && !*type;

	cJSON *files = cJSON_CreateArray();
	for (struct instance *in = d->procs; in; in = in->next) {
		if (!target_matches(&s->t, in))
			continue;
		if (s->want_out)
			add_file(d, files, in, "out", in->out_path);
		if (s->want_err)
			add_file(d, files, in, "err", in->err_path);
	}
	cJSON *r = reply_ok();
	cJSON_AddItemToObject(r, "files", files);
	if (!d->foreground)
		cJSON_AddStringToObject(r, "daemon_log", d->paths.daemon_log);
	if (!stream || c->sub) {
		target_free(&s->t);
		free(s->text);
		free(s);
		return r;
	}
	sub_attach(d, c, s);
	return r;
}

cJSON *logs_save_viewers(struct daemon *d, int (*keep)(void *, int), void *ctx)
{
	cJSON *a = cJSON_CreateArray();
	for (struct log_sub *s = d->subs; s; s = s->next) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "fd", keep(ctx, s->c->io.fd));
		cJSON_AddStringToObject(o, "target", s->text);
		cJSON_AddNumberToObject(o, "wants", s->want_out | s->want_err << 1 | s->want_pm2 << 2);
		cJSON_AddNumberToObject(o, "dropped", (double)s->dropped);
		/* the rest of a line half sent included */
		char *hex = hex_encode(s->c->out.data ? s->c->out.data : "", s->c->out.len);
		cJSON_AddStringToObject(o, "unsent", hex);
		free(hex);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

void logs_restore_viewers(struct daemon *d, const cJSON *viewers)
{
	for (const cJSON *o = viewers ? viewers->child : NULL; o; o = o->next) {
		const cJSON *fd = cJSON_GetObjectItemCaseSensitive(o, "fd");
		const cJSON *target = cJSON_GetObjectItemCaseSensitive(o, "target");
		const cJSON *unsent = cJSON_GetObjectItemCaseSensitive(o, "unsent");
		if (!cJSON_IsNumber(fd) || !cJSON_IsString(target) || !cJSON_IsString(unsent))
			continue;
		fd_set_cloexec(fd->valueint, true);
		struct client *c = client_adopt(d, fd->valueint);
		if (!c)
			continue;
		struct log_sub *s = xcalloc(1, sizeof(*s));
		s->text = xstrdup(target->valuestring);
		char err[300];
		if (target_init(&s->t, s->text, err, sizeof(err)) < 0)
			s->t.all = true; /* it parsed before the exec */
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "wants");
		const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(o, "dropped");
		int wants = cJSON_IsNumber(w) ? w->valueint : 3;
		s->want_out = wants & 1;
		s->want_err = wants & 2;
		s->want_pm2 = wants & 4;
		s->dropped = cJSON_IsNumber(dropped) ? (uint64_t)dropped->valuedouble : 0;
		char *bytes = xmalloc(strlen(unsent->valuestring) / 2 + 1);
		size_t n = hex_decode(unsent->valuestring, bytes);
		if (n)
			client_send_raw(c, bytes, n);
		free(bytes);
		sub_attach(d, c, s);
	}
}

static void flush_path(struct daemon *d, cJSON *done, const char *path)
{
	if (!path || strcmp(path, "/dev/null") == 0)
		return;
	for (const cJSON *p = done->child; p; p = p->next)
		if (strcmp(p->valuestring, path) == 0)
			return;
	struct log_sink *s = sink_by_path(d, path);
	if (s ? sink_reopen(d, s, true) < 0 : truncate(path, 0) < 0 && errno != ENOENT)
		dlog_warn("cannot flush %s: %s", path, strerror(errno));
	cJSON_AddItemToArray(done, cJSON_CreateString(path));
}

/* flush [target]: empty the log files (the apps go on writing at the new
 * end). Without a target, every app's and PM2's own log. */
cJSON *logs_cmd_flush(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	const char *text = req_str(req, "target", NULL);
	struct target t;
	char err[300];
	if (target_init(&t, text ? text : "all", err, sizeof(err)) < 0)
		return reply_err("%s", err);
	if (!target_any(d, &t)) {
		snprintf(err, sizeof(err), "Process or Namespace %s not found", text);
		target_free(&t);
		return reply_err("%s", err);
	}
	cJSON *done = cJSON_CreateArray();
	for (struct instance *in = d->procs; in; in = in->next) {
		if (!target_matches(&t, in))
			continue;
		flush_path(d, done, in->logs.all_path);
		flush_path(d, done, in->out_path);
		flush_path(d, done, in->err_path);
	}
	target_free(&t);
	cJSON *r = reply_ok();
	if (!text) {
		if (d->foreground ? truncate(d->paths.daemon_log, 0) < 0 && errno != ENOENT
				  : ftruncate(2, 0) < 0)
			dlog_warn("cannot flush %s: %s", d->paths.daemon_log, strerror(errno));
		cJSON_AddStringToObject(r, "daemon_log", d->paths.daemon_log);
	}
	dlog_info("flushed %d log file(s)", cJSON_GetArraySize(done));
	cJSON_AddItemToObject(r, "files", done);
	return r;
}

int logs_reopen_daemon_log(struct daemon *d)
{
	if (d->foreground)
		return 0;
	int fd = open(d->paths.daemon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	return 0;
}

int logs_reopen_all(struct daemon *d)
{
	int n = 0;
	for (struct log_sink *s = d->sinks; s; s = s->next)
		if (s->path && sink_reopen(d, s, false) == 0)
			n++;
	if (!d->foreground && logs_reopen_daemon_log(d) == 0)
		n++;
	dlog_info("Reloading logs: %d file(s) reopened", n);
	return n;
}

cJSON *logs_cmd_reload(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	(void)req;
	cJSON *r = reply_ok();
	cJSON_AddNumberToObject(r, "reopened", logs_reopen_all(d));
	return r;
}

/* PM2's lines on our stderr in the foreground, queued with the apps'. A
 * reader that never reads does not make them pile up without end. */
static void write_dlog(void *ctx, const char *line, size_t len)
{
	struct daemon *d = ctx;
	struct log_sink *s = d->mirror[1];
	if (s->pending.len > DLOG_MAX_HELD)
		return;
	sink_write(d, s, &(struct iovec){ (char *)line, len }, 1);
}

void logs_init(struct daemon *d)
{
	dlog_set_hook(on_dlog, d);
	d->mirror_pad = 3; /* PM2's starting width */
	if (d->foreground) {
		d->mirror[0] = sink_stream(d, 1);
		d->mirror[1] = sink_stream(d, 2);
		dlog_set_writer(write_dlog, d);
	}
}

void logs_before_exit(struct daemon *d)
{
	for (struct instance *in = d->procs; in; in = in->next)
		output_detach_all(d, in);
	sinks_flush(d, LOGS_EXIT_FLUSH_MS);
}

void logs_close(struct daemon *d)
{
	dlog_set_hook(NULL, NULL);
	dlog_set_writer(NULL, NULL);
	sink_put(d, d->mirror[0]);
	sink_put(d, d->mirror[1]);
	d->mirror[0] = d->mirror[1] = NULL;
}
