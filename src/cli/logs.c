/* logs: `pm2 logs`, `pm2 flush`, `pm2 reloadLogs`. `pm2 logs` asks the
 * daemon for the files of the apps it names and, in the same request, for
 * a stream of new lines; it prints the last --lines of each file (only up
 * to where the file ended when the stream began, so nothing is missed or
 * shown twice), then the stream, until Ctrl-C or the daemon goes away. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/datefmt.h"
#include "../common/logline.h"
#include "../common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define C_RESET "\033[0m"
#define C_BOLD_GRAY "\033[1m\033[90m"
#define C_GRAY "\033[90m"
#define C_DIM_GRAY "\033[2m\033[90m"
#define C_HIGHLIGHT "\033[100m"

/* PM2's defaults: 15 lines; --timestamp without a format. */
#define LOGS_DEFAULT_LINES 15
#define LOGS_DEFAULT_TIMESTAMP "YYYY-MM-DD-HH:mm:ss"
/* The tail reads backwards in blocks of this size. */
#define TAIL_BLOCK 65536
/* PM2 pads names in the tail to this width. */
#define TAIL_PADDING 10

enum logs_mode { MODE_LINES, MODE_RAW, MODE_JSON, MODE_FORMAT };

struct logs_view {
	struct cli *c;
	enum logs_mode mode;
	const char *timestamp; /* --timestamp format, or NULL */
	const char *highlight; /* --highlight text, or NULL */
	int pad;               /* the stream's name column, grows as PM2's does */
};

static const char *type_color(const char *type)
{
	if (!strcmp(type, "out"))
		return "\033[32m";
	if (!strcmp(type, "err"))
		return "\033[31m";
	return "\033[34m";
}

static void colored(const struct logs_view *v, const char *color, const char *text)
{
	if (v->c->color)
		printf("%s%s%s", color, text, C_RESET);
	else
		fputs(text, stdout);
}

/* The line, with --highlight occurrences marked when colours are on. */
static void put_text(const struct logs_view *v, FILE *f, const char *line, size_t len)
{
	size_t hl = v->highlight ? strlen(v->highlight) : 0;
	if (!hl || !v->c->color) {
		fwrite(line, 1, len, f);
		return;
	}
	const char *p = line, *end = line + len, *m;
	while ((m = memmem(p, (size_t)(end - p), v->highlight, hl))) {
		fwrite(p, 1, (size_t)(m - p), f);
		fprintf(f, "%s%s%s", C_HIGHLIGHT, v->highlight, C_RESET);
		p = m + hl;
	}
	fwrite(p, 1, (size_t)(end - p), f);
}

/* "name" padded (or cut) to width, then " | ", in the type's colour. */
static void put_prefix(const struct logs_view *v, const char *type, const char *name, int width)
{
	char col[300];
	snprintf(col, sizeof(col), "%-*.*s | ", width, width, name);
	colored(v, type_color(type), col);
}

/* --- the tail --------------------------------------------------------- */

/* The last `want` lines of path[0..end): read backwards from the end. */
static char *last_lines(const char *path, uint64_t end, int want, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint64_t stop = (uint64_t)st.st_size < end ? (uint64_t)st.st_size : end;
	struct buf b;
	buf_init(&b);
	uint64_t from = stop;
	int newlines = 0;
	/* One more newline than lines: the one that ends the line before. */
	while (from > 0 && newlines <= want) {
		size_t n = from < TAIL_BLOCK ? (size_t)from : TAIL_BLOCK;
		from -= n;
		char *blk = xmalloc(n + b.len + 1);
		ssize_t r = pread(fd, blk, n, (off_t)from);
		if (r != (ssize_t)n) {
			free(blk);
			break;
		}
		for (size_t i = 0; i < n; i++)
			newlines += blk[i] == '\n';
		if (b.len)
			memcpy(blk + n, b.data, b.len);
		size_t total = n + b.len;
		buf_free(&b);
		b.data = blk;
		b.len = total;
		b.cap = total + 1;
		b.data[total] = '\0';
	}
	close(fd);
	if (!b.data) {
		*len = 0;
		return xstrdup("");
	}
	/* Keep the last `want` lines (a last line may lack its newline). */
	size_t cut = b.len;
	int seen = 0;
	if (cut && b.data[cut - 1] == '\n')
		cut--;
	while (cut > 0) {
		if (b.data[cut - 1] == '\n' && ++seen == want)
			break;
		cut--;
	}
	*len = b.len - cut;
	char *out = xstrndup(b.data + cut, *len);
	buf_free(&b);
	return out;
}

static void tail_file(struct logs_view *v, int lines, const char *path, uint64_t end,
		      const char *type, const char *name)
{
	size_t len;
	char *text = last_lines(path, end, lines, &len);
	if (!text)
		return;
	char head[4200];
	snprintf(head, sizeof(head), "%s last %d lines:", path, lines);
	colored(v, C_GRAY, head);
	putchar('\n');
	for (char *p = text, *nl; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		FILE *f = stdout;
		if (v->mode == MODE_RAW)
			f = !strcmp(type, "err") ? stderr : stdout;
		else
			put_prefix(v, type, name, TAIL_PADDING);
		put_text(v, f, p, (size_t)(nl - p));
		fputc('\n', f);
	}
	if (len)
		putchar('\n');
	free(text);
	fflush(stdout);
	fflush(stderr);
}

static int64_t mtime_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec
				    : 0;
}

static int by_mtime(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int64_t mx = mtime_of(cJSON_GetObjectItemCaseSensitive(x, "path")->valuestring);
	int64_t my = mtime_of(cJSON_GetObjectItemCaseSensitive(y, "path")->valuestring);
	return mx < my ? -1 : mx > my;
}

/* PM2's order: the least recently written file first, the freshest last,
 * right above the stream. */
static void tail_all(struct logs_view *v, const cJSON *reply, const char *target, int lines,
		     bool with_pm2)
{
	char head[512];
	snprintf(head, sizeof(head),
		 "[TAILING] Tailing last %d lines for [%s] process%s (change the value with --lines option)",
		 lines, target, strcmp(target, "all") == 0 ? "es" : "");
	colored(v, C_BOLD_GRAY, head);
	putchar('\n');
	const cJSON *dlog = cJSON_GetObjectItemCaseSensitive(reply, "daemon_log");
	if (with_pm2 && cJSON_IsString(dlog))
		tail_file(v, lines, dlog->valuestring, UINT64_MAX, "PM2", "PM2");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(reply, "files");
	int n = cJSON_GetArraySize(files);
	const cJSON **sorted = xcalloc((size_t)n + 1, sizeof(*sorted));
	int i = 0;
	for (const cJSON *f = files ? files->child : NULL; f; f = f->next)
		sorted[i++] = f;
	qsort(sorted, (size_t)n, sizeof(*sorted), by_mtime);
	for (i = 0; i < n; i++) {
		const cJSON *f = sorted[i];
		char name[300];
		snprintf(name, sizeof(name), "%d|%s",
			 cJSON_GetObjectItemCaseSensitive(f, "pm_id")->valueint,
			 cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring);
		tail_file(v, lines, cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring,
			  (uint64_t)cJSON_GetObjectItemCaseSensitive(f, "end")->valuedouble,
			  cJSON_GetObjectItemCaseSensitive(f, "type")->valuestring, name);
	}
	free(sorted);
}

/* --- the stream ------------------------------------------------------- */

struct stream_msg {
	const char *type; /* out, err, PM2 */
	const char *name;
	int pm_id;
	int64_t at;
};

static void stream_line(struct logs_view *v, const struct stream_msg *m, const char *line,
			size_t len)
{
	char ts[DATEFMT_MAX];
	bool pm2 = !strcmp(m->type, "PM2");
	switch (v->mode) {
	case MODE_RAW: {
		FILE *f = !strcmp(m->type, "err") ? stderr : stdout;
		put_text(v, f, line, len);
		fputc('\n', f);
		return;
	}
	case MODE_JSON: {
		if (pm2)
			return;
		struct buf b;
		buf_init(&b);
		datefmt_iso(ts, sizeof(ts), m->at);
		logline_json(&b, line, len, ts, m->type, m->pm_id, m->name);
		puts(b.data);
		buf_free(&b);
		return;
	}
	case MODE_FORMAT: {
		datefmt(ts, sizeof(ts), "YYYY-MM-DD-HH:mm:ssZZ", m->at);
		if (pm2) {
			printf("timestamp=%s app=pm2 message=", ts);
			break;
		}
		struct buf b;
		buf_init(&b);
		logline_kv(&b, ts, m->type, m->pm_id, m->name);
		fputs(b.data, stdout);
		buf_free(&b);
		break;
	}
	case MODE_LINES: {
		if (v->timestamp) {
			datefmt(ts, sizeof(ts), v->timestamp, m->at);
			strcat(ts, " ");
			colored(v, C_DIM_GRAY, ts);
		}
		char name[300];
		if (pm2)
			snprintf(name, sizeof(name), "PM2");
		else
			snprintf(name, sizeof(name), "%d|%s", m->pm_id, m->name);
		if ((int)strlen(name) > v->pad)
			v->pad = (int)strlen(name) + 1;
		put_prefix(v, m->type, name, v->pad);
		break;
	}
	}
	put_text(v, stdout, line, len);
	putchar('\n');
}

static void stream_message(struct logs_view *v, const cJSON *msg)
{
	const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(msg, "dropped");
	if (cJSON_IsNumber(dropped)) {
		say_warn(v->c, "%.0f lines were not shown: this terminal was too slow (the log files have them)",
			 dropped->valuedouble);
		return;
	}
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "log");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(msg, "data");
	if (!cJSON_IsString(type) || !cJSON_IsString(data))
		return;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(msg, "name");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "pm_id");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(msg, "at");
	struct stream_msg m = {
		.type = type->valuestring,
		.name = cJSON_IsString(name) ? name->valuestring : "PM2",
		.pm_id = cJSON_IsNumber(id) ? id->valueint : -1,
		.at = cJSON_IsNumber(at) ? (int64_t)at->valuedouble : wall_ms(),
	};
	const char *p = data->valuestring;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		stream_line(v, &m, p, len);
		p += len + (nl ? 1 : 0);
	}
	fflush(stdout);
	fflush(stderr);
}

/* --- pm2 logs ----------------------------------------------------------- */

static int parse_lines(struct cli *c, int *lines)
{
	const char *s = flag_str(c, "lines");
	*lines = LOGS_DEFAULT_LINES;
	if (!flag_set(c, "lines"))
		return 0;
	char *end;
	long n = s ? strtol(s, &end, 10) : 0;
	if (!s || end == s || *end || n < -1000000 || n > 1000000) {
		say_err(c, "--lines must be a number, got \"%s\"", s ? s : "");
		return -1;
	}
	*lines = (int)(n < 0 ? -n : n); /* PM2 takes -N as N */
	return 0;
}

int cmd_logs(struct cli *c)
{
	const char *target = c->npos ? c->pos[0] : "all";
	int lines;
	if (parse_lines(c, &lines) < 0)
		return 1;
	struct logs_view v = { .c = c, .mode = MODE_LINES, .pad = 3 };
	if (flag_set(c, "raw"))
		v.mode = MODE_RAW;
	if (flag_set(c, "format"))
		v.mode = MODE_FORMAT;
	if (flag_set(c, "json"))
		v.mode = MODE_JSON;
	if (flag_set(c, "timestamp"))
		v.timestamp = flag_str(c, "timestamp") ? flag_str(c, "timestamp") : LOGS_DEFAULT_TIMESTAMP;
	v.highlight = flag_str(c, "highlight");
	const char *only = flag_set(c, "err") ? "err" : flag_set(c, "out") ? "out" : NULL;
	bool stream = !flag_set(c, "nostream");

	int fd = client_connect(c, true, false);
	if (fd < 0)
		return 1;
	cJSON *req = client_request("logs");
	cJSON_AddStringToObject(req, "target", target);
	if (only)
		cJSON_AddStringToObject(req, "type", only);
	cJSON_AddBoolToObject(req, "stream", stream);
	struct buf in;
	buf_init(&in);
	cJSON *reply = client_exchange(c, fd, req, &in, 60000);
	cJSON_Delete(req);
	if (!reply) {
		buf_free(&in);
		close(fd);
		return 1;
	}
	/* PM2 tails nothing for --json and --format: they are for machines. */
	if (lines > 0 && (v.mode == MODE_LINES || v.mode == MODE_RAW))
		tail_all(&v, reply, target, lines,
			 v.mode != MODE_RAW && !only && strcmp(target, "all") == 0);
	cJSON_Delete(reply);
	fflush(stdout);
	for (cJSON *msg; stream && (msg = proto_recv(fd, &in, -1));) {
		stream_message(&v, msg);
		cJSON_Delete(msg);
	}
	buf_free(&in);
	close(fd);
	return 0;
}

/* --- flush, reloadLogs -------------------------------------------------- */

int cmd_flush(struct cli *c)
{
	cJSON *req = client_request("flush");
	if (c->npos)
		cJSON_AddStringToObject(req, "target", c->pos[0]);
	cJSON *reply = client_do(c, req, true, false);
	if (!reply)
		return 1;
	const cJSON *dlog = cJSON_GetObjectItemCaseSensitive(reply, "daemon_log");
	if (cJSON_IsString(dlog))
		say(c, "Flushing %s", dlog->valuestring);
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(reply, "files");
	if (cJSON_GetArraySize(files))
		say(c, "Flushing:");
	for (const cJSON *f = files ? files->child : NULL; f; f = f->next)
		say(c, "%s", f->valuestring);
	say(c, "Logs flushed");
	cJSON_Delete(reply);
	return 0;
}

int cmd_reload_logs(struct cli *c)
{
	puts("Reloading all logs...");
	cJSON *reply = client_do(c, client_request("reloadLogs"), true, false);
	if (!reply)
		return 1;
	cJSON_Delete(reply);
	puts("All logs reloaded");
	return 0;
}
