/* render: what the CLI prints — PM2's message prefixes, the box table of
 * `ls`, `describe` — with PM2's column widths and colours. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/datefmt.h"
#include "../common/gitinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_INVERSE "\033[7m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BLUE "\033[34m"
#define C_CYAN "\033[36m"
#define C_GRAY "\033[90m"

static void vsay(struct cli *c, FILE *f, const char *color, const char *prefix,
		 const char *fmt, va_list ap)
{
	if (flag_set(c, "silent") && f == stdout)
		return;
	if (c->color)
		fprintf(f, "%s%s%s", color, prefix, C_RESET);
	else
		fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void say(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(c, stdout, C_GREEN, "[PM2] ", fmt, ap);
	va_end(ap);
}

void say_err(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(c, stderr, C_RED, "[PM2][ERROR] ", fmt, ap);
	va_end(ap);
}

void say_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(c, stderr, C_YELLOW, "[PM2][WARN] ", fmt, ap);
	va_end(ap);
}

/* PM2's bytesToSize(bytes, 1), trailing space included. */
char *render_bytes(double b)
{
	const double k = 1024, m = k * 1024, g = m * 1024, t = g * 1024;
	if (b < k)
		return xasprintf("%.0fb ", b);
	if (b < m)
		return xasprintf("%.1fkb ", b / k);
	if (b < g)
		return xasprintf("%.1fmb ", b / m);
	if (b < t)
		return xasprintf("%.1fgb ", b / g);
	return xasprintf("%.1ftb ", b / t);
}

/* CPU% as PM2 prints it: "0%", "12.5%". */
char *render_cpu(double cpu)
{
	return cpu == (long long)cpu ? xasprintf("%lld%%", (long long)cpu) : xasprintf("%.1f%%", cpu);
}

/* PM2's timeSince: the largest unit with a count above 1. */
char *render_since(double then)
{
	long long s = (long long)((double)wall_ms() - then) / 1000;
	if (s < 0)
		s = 0;
	static const struct { long long secs; const char *unit; } units[] = {
		{ 31536000, "Y" }, { 2592000, "M" }, { 86400, "D" }, { 3600, "h" }, { 60, "m" },
	};
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (s / units[i].secs > 1)
			return xasprintf("%lld%s", s / units[i].secs, units[i].unit);
	return xasprintf("%llds", s);
}

/* Display width of UTF-8 text: one column per code point. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* The first n columns of s (on a code point boundary). */
static size_t prefix_bytes(const char *s, size_t cols)
{
	size_t i = 0, w = 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

struct cell {
	char *text;        /* plain text */
	const char *style; /* escape to wrap it in, or NULL */
};

static void print_rule(const size_t *w, size_t n, const char *l, const char *m, const char *r)
{
	fputs(l, stdout);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i]; k++)
			fputs("─", stdout);
		fputs(i + 1 < n ? m : r, stdout);
	}
	fputc('\n', stdout);
}

static void print_row(struct cli *c, const size_t *w, struct cell *cells, size_t n)
{
	fputs("│", stdout);
	for (size_t i = 0; i < n; i++) {
		const char *t = cells[i].text;
		size_t room = w[i] - 2;
		size_t tw = text_width(t);
		fputc(' ', stdout);
		if (c->color && cells[i].style)
			fputs(cells[i].style, stdout);
		if (tw > room) {
			/* cli-tableau truncates with an ellipsis */
			fwrite(t, 1, prefix_bytes(t, room - 1), stdout);
			fputs("…", stdout);
			tw = room;
		} else {
			fputs(t, stdout);
		}
		if (c->color && cells[i].style)
			fputs(C_RESET, stdout);
		for (size_t k = tw; k < room + 1; k++)
			fputc(' ', stdout);
		fputs("│", stdout);
	}
	fputc('\n', stdout);
}

static const char *status_style(const char *status)
{
	if (!strcmp(status, "online"))
		return C_GREEN C_BOLD;
	if (!strcmp(status, "launching"))
		return C_BLUE C_BOLD;
	return C_RED C_BOLD;
}

const cJSON *jget(const cJSON *o, const char *path)
{
	/* compared in place: tables call this a dozen times per row */
	while (o && *path) {
		size_t n = strcspn(path, ".");
		const cJSON *k = cJSON_IsObject(o) ? o->child : NULL;
		while (k && !(k->string && strncmp(k->string, path, n) == 0 && !k->string[n]))
			k = k->next;
		o = k;
		path += n + (path[n] == '.');
	}
	return o;
}

const char *jstr(const cJSON *o, const char *path, const char *dflt)
{
	const cJSON *v = jget(o, path);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

double jnum(const cJSON *o, const char *path, double dflt)
{
	const cJSON *v = jget(o, path);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static char *num_text(double v)
{
	return xasprintf("%lld", (long long)v);
}

/* --sort name|id|pid|cpu|memory|uptime|status|namespace [:asc|:desc].
 * Each row's key is read once: qsort compares n log n times, and a path
 * lookup each time made `ls` of 1000 apps spend milliseconds sorting. */
struct sort_key {
	const cJSON *p;
	const char *str; /* NULL when the field is a number */
	double num, id;
};
static bool sort_desc;

static int cmp_procs(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	int r = x->str ? strcmp(x->str, y->str) : (x->num > y->num) - (x->num < y->num);
	if (!r)
		r = (x->id > y->id) - (x->id < y->id);
	return sort_desc ? -r : r;
}

static void sort_procs(struct cli *c, const cJSON **v, size_t n)
{
	static const struct { const char *field, *path; bool numeric; } fields[] = {
		{ "name", "pm2_env.name", false },   { "namespace", "pm2_env.namespace", false },
		{ "pid", "pid", true },              { "id", "pm_id", true },
		{ "cpu", "monit.cpu", true },        { "memory", "monit.memory", true },
		{ "uptime", "pm2_env.pm_uptime", true }, { "status", "pm2_env.status", false },
	};
	const char *sort_path = "pm2_env.name";
	bool sort_numeric = false;
	sort_desc = false;
	const char *s = flag_str(c, "sort");
	if (s) {
		const char *colon = strchr(s, ':');
		size_t n2 = colon ? (size_t)(colon - s) : strlen(s);
		for (size_t i = 0; i < ARRAY_LEN(fields); i++)
			if (strlen(fields[i].field) == n2 && strncasecmp(fields[i].field, s, n2) == 0) {
				sort_path = fields[i].path;
				sort_numeric = fields[i].numeric;
				sort_desc = colon && strcmp(colon + 1, "desc") == 0;
			}
	}
	struct sort_key *keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		keys[i].p = v[i];
		keys[i].str = sort_numeric ? NULL : jstr(v[i], sort_path, "");
		keys[i].num = sort_numeric ? jnum(v[i], sort_path, 0) : 0;
		keys[i].id = jnum(v[i], "pm_id", 0);
	}
	qsort(keys, n, sizeof(*keys), cmp_procs);
	for (size_t i = 0; i < n; i++)
		v[i] = keys[i].p;
	free(keys);
}

static int term_columns(void)
{
	struct winsize ws;
	if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 300; /* PM2's fallback when not a terminal: the full table */
}

enum col { COL_ID, COL_NAME, COL_NS, COL_VERSION, COL_MODE, COL_PID, COL_UPTIME,
	   COL_RESTARTS, COL_STATUS, COL_CPU, COL_MEM, COL_USER, COL_WATCH, COL_MAX };

void render_table(struct cli *c, cJSON *procs)
{
	size_t n = (size_t)cJSON_GetArraySize(procs);
	const cJSON **v = xcalloc(n + 1, sizeof(*v));
	size_t i = 0;
	size_t maxname = 0, maxid = 1;
	for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next) {
		v[i++] = p;
		size_t nl = text_width(jstr(p, "name", ""));
		if (nl > maxname)
			maxname = nl;
		char tmp[32];
		size_t il = (size_t)snprintf(tmp, sizeof(tmp), "%d", (int)jnum(p, "pm_id", 0));
		if (il > maxid)
			maxid = il;
	}
	sort_procs(c, v, n);

	size_t name_w = n ? (maxname + 5 < 40 ? maxname + 5 : 40) : 11;
	size_t id_w = 2 + maxid > 4 ? 2 + maxid : 4;

	/* PM2 picks the widest layout that fits: full, condensed, mini. */
	static const char *heads[COL_MAX] = { "id", "name", "namespace", "version", "mode", "pid",
					      "uptime", "↺", "status", "cpu", "mem", "user", "watching" };
	size_t full_w[COL_MAX] = { id_w, name_w, 13, 9, 9, 10, 8, 6, 11, 10, 10, 10, 10 };
	static const enum col full_cols[] = { COL_ID, COL_NAME, COL_NS, COL_VERSION, COL_MODE, COL_PID,
					      COL_UPTIME, COL_RESTARTS, COL_STATUS, COL_CPU, COL_MEM,
					      COL_USER, COL_WATCH };
	static const enum col condensed_cols[] = { COL_ID, COL_NAME, COL_MODE, COL_RESTARTS, COL_STATUS,
						   COL_CPU, COL_MEM };
	static const enum col mini_cols[] = { COL_ID, COL_NAME, COL_STATUS, COL_CPU, COL_MEM };
	const enum col *cols = full_cols;
	size_t ncols = ARRAY_LEN(full_cols);
	size_t w[COL_MAX];
	int term = term_columns();
	size_t total = ncols + 1;
	for (size_t k = 0; k < ncols; k++)
		total += full_w[full_cols[k]];
	if ((size_t)term < total) {
		size_t cond[] = { id_w, name_w < 20 ? name_w : 20, 10, 6, 11, 10, 10 };
		size_t ctotal = ARRAY_LEN(cond) + 1;
		for (size_t k = 0; k < ARRAY_LEN(cond); k++)
			ctotal += cond[k];
		if ((size_t)term >= ctotal) {
			cols = condensed_cols;
			ncols = ARRAY_LEN(condensed_cols);
			full_w[COL_NAME] = cond[1];
			full_w[COL_MODE] = 10;
		} else {
			cols = mini_cols;
			ncols = ARRAY_LEN(mini_cols);
			full_w[COL_NAME] = name_w < 16 ? name_w : 16;
			full_w[COL_CPU] = 8;
		}
	}
	for (size_t k = 0; k < ncols; k++)
		w[k] = full_w[cols[k]];

	struct cell cells[COL_MAX];
	print_rule(w, ncols, "┌", "┬", "┐");
	for (size_t k = 0; k < ncols; k++) {
		cells[k].text = xstrdup(cols[k] == COL_MEM && cols == condensed_cols ? "memory" : heads[cols[k]]);
		cells[k].style = C_CYAN C_BOLD;
	}
	print_row(c, w, cells, ncols);
	for (size_t k = 0; k < ncols; k++)
		free(cells[k].text);
	if (n)
		print_rule(w, ncols, "├", "┼", "┤");

	for (i = 0; i < n; i++) {
		const cJSON *p = v[i];
		const char *status = jstr(p, "pm2_env.status", "unknown");
		bool online = !strcmp(status, "online");
		bool cluster = !strcmp(jstr(p, "pm2_env.exec_mode", ""), "cluster_mode");
		const cJSON *watch = jget(p, "pm2_env.watch");
		bool watching = watch && !cJSON_IsFalse(watch) && !cJSON_IsNull(watch);
		for (size_t k = 0; k < ncols; k++) {
			struct cell *cl = &cells[k];
			cl->style = NULL;
			switch (cols[k]) {
			case COL_ID:
				cl->text = num_text(jnum(p, "pm_id", 0));
				cl->style = C_BOLD C_CYAN;
				break;
			case COL_NAME: cl->text = xstrdup(jstr(p, "name", "")); break;
			case COL_NS: cl->text = xstrdup(jstr(p, "pm2_env.namespace", "default")); break;
			case COL_VERSION: cl->text = xstrdup(jstr(p, "pm2_env.version", "N/A")); break;
			case COL_MODE:
				cl->text = xstrdup(cluster ? "cluster" : "fork");
				cl->style = cluster ? C_BLUE C_BOLD : C_INVERSE C_BOLD;
				break;
			case COL_PID: cl->text = num_text(jnum(p, "pid", 0)); break;
			case COL_UPTIME:
				cl->text = online && jnum(p, "pm2_env.pm_uptime", 0) > 0
						   ? render_since(jnum(p, "pm2_env.pm_uptime", 0))
						   : xstrdup("0");
				break;
			case COL_RESTARTS: cl->text = num_text(jnum(p, "pm2_env.restart_time", 0)); break;
			case COL_STATUS:
				cl->text = xstrdup(status);
				cl->style = status_style(status);
				break;
			case COL_CPU: cl->text = render_cpu(jnum(p, "monit.cpu", 0)); break;
			case COL_MEM: cl->text = render_bytes(jnum(p, "monit.memory", 0)); break;
			case COL_USER:
				cl->text = xstrdup(jstr(p, "pm2_env.username", "N/A"));
				cl->style = C_BOLD;
				break;
			case COL_WATCH:
				cl->text = xstrdup(watching ? "enabled" : "disabled");
				cl->style = watching ? C_GREEN C_BOLD : C_GRAY;
				break;
			case COL_MAX: break;
			}
		}
		print_row(c, w, cells, ncols);
		for (size_t k = 0; k < ncols; k++)
			free(cells[k].text);
	}
	print_rule(w, ncols, "└", "┴", "┘");
	fflush(stdout);
	free(v);
}

/* `ls -m`: PM2's list without a table, one block per process. */
void render_mini_list(struct cli *c, const cJSON *procs)
{
	for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next) {
		const char *status = jstr(p, "pm2_env.status", "unknown");
		bool online = !strcmp(status, "online");
		double uptime = jnum(p, "pm2_env.pm_uptime", 0);
		char *up = online && uptime > 0 ? render_since(uptime) : xstrdup("0");
		char *mem = render_bytes(jnum(p, "monit.memory", 0));
		const cJSON *watch = jget(p, "pm2_env.watch");
		bool watching = watch && !cJSON_IsFalse(watch) && !cJSON_IsNull(watch);
		char mode[32];
		snprintf(mode, sizeof(mode), "%s", jstr(p, "pm2_env.exec_mode", "fork_mode"));
		char *suffix = strstr(mode, "_mode");
		if (suffix)
			*suffix = '\0';
		printf("+--- %s\n", jstr(p, "name", ""));
		printf("namespace : %s\n", jstr(p, "pm2_env.namespace", "default"));
		printf("version : %s\n", jstr(p, "pm2_env.version", "N/A"));
		printf("pid : %lld\n", (long long)jnum(p, "pid", 0));
		printf("pm2 id : %lld\n", (long long)jnum(p, "pm_id", 0));
		printf("status : %s\n", status);
		printf("mode : %s\n", mode);
		printf("restarted : %lld\n", (long long)jnum(p, "pm2_env.restart_time", 0));
		printf("uptime : %s\n", up);
		printf("memory usage : %s\n", mem);
		printf("error log : %s\n", jstr(p, "pm2_env.pm_err_log_path", ""));
		printf("watching : %s\n", watching ? "yes" : "no");
		printf("PID file : %s\n\n", jstr(p, "pm2_env.pm_pid_path", ""));
		free(up);
		free(mem);
	}
	fflush(stdout);
}

/* A two-column table without a header, sized to its content. */
static void print_kv_table(struct cli *c, char **keys, char **vals, const char **styles, size_t n)
{
	size_t w[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++) {
		size_t a = text_width(keys[i]) + 2, b = text_width(vals[i]) + 2;
		if (a > w[0])
			w[0] = a;
		if (b > w[1])
			w[1] = b;
	}
	print_rule(w, 2, "┌", "┬", "┐");
	for (size_t i = 0; i < n; i++) {
		struct cell cells[2] = { { keys[i], C_BOLD C_CYAN }, { vals[i], styles[i] } };
		print_row(c, w, cells, 2);
	}
	print_rule(w, 2, "└", "┴", "┘");
}

char *render_join(const cJSON *a)
{
	if (!cJSON_IsArray(a) || !cJSON_GetArraySize(a))
		return xstrdup("N/A");
	struct buf b;
	buf_init(&b);
	for (const cJSON *e = a->child; e; e = e->next) {
		if (b.len)
			buf_puts(&b, " ");
		buf_puts(&b, cJSON_IsString(e) ? e->valuestring : "?");
	}
	return b.data;
}

static char *iso_time(double ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((long long)ms % 1000));
}

/* Now, as dayjs().format() writes it: 2024-05-01T12:34:56+02:00. */
const char *render_now_local(char *buf, size_t n)
{
	datefmt(buf, n, "YYYY-MM-DDTHH:mm:ssZ", wall_ms());
	return buf;
}

/* Rows of a two-column table, built up in order. */
struct kv_rows {
	char **keys, **vals;
	const char **styles;
	size_t n, cap;
};

static void kv_add(struct kv_rows *r, const char *key, char *val, const char *style)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->keys = xrealloc(r->keys, r->cap * sizeof(char *));
		r->vals = xrealloc(r->vals, r->cap * sizeof(char *));
		r->styles = xrealloc(r->styles, r->cap * sizeof(char *));
	}
	r->keys[r->n] = xstrdup(key);
	r->vals[r->n] = val;
	r->styles[r->n++] = style;
}

/* Print (if any rows) and free. */
static void kv_print(struct cli *c, struct kv_rows *r)
{
	if (r->n)
		print_kv_table(c, r->keys, r->vals, r->styles, r->n);
	for (size_t i = 0; i < r->n; i++) {
		free(r->keys[i]);
		free(r->vals[i]);
	}
	free(r->keys);
	free(r->vals);
	free(r->styles);
	memset(r, 0, sizeof(*r));
}

static void print_title(struct cli *c, const char *text)
{
	if (c->color)
		printf(C_BOLD C_INVERSE "%s" C_RESET "\n", text);
	else
		printf("%s\n", text);
}

static char *str_or_na(const char *s)
{
	return xstrdup(s ? s : "N/A");
}

/* PM2's rows, in PM2's order: max memory restart and cron restart go in
 * before uptime when the app has them. */
static void describe_rows(const cJSON *p, struct kv_rows *r)
{
	const char *status = jstr(p, "pm2_env.status", "unknown");
	bool online = !strcmp(status, "online");
	const cJSON *watch = jget(p, "pm2_env.watch");
	bool watching = watch && !cJSON_IsFalse(watch) && !cJSON_IsNull(watch);
	double created = jnum(p, "pm2_env.created_at", 0);
	kv_add(r, "status", xstrdup(status), status_style(status));
	kv_add(r, "name", xstrdup(jstr(p, "name", "")), NULL);
	kv_add(r, "namespace", xstrdup(jstr(p, "pm2_env.namespace", "default")), NULL);
	kv_add(r, "version", xstrdup(jstr(p, "pm2_env.version", "N/A")), NULL);
	kv_add(r, "restarts", num_text(jnum(p, "pm2_env.restart_time", 0)), NULL);
	if (jnum(p, "pm2_env.max_memory_restart", 0) > 0)
		kv_add(r, "max memory restart", num_text(jnum(p, "pm2_env.max_memory_restart", 0)), NULL);
	if (jget(p, "pm2_env.cron_restart"))
		kv_add(r, "cron restart", str_or_na(jstr(p, "pm2_env.cron_restart", NULL)), NULL);
	kv_add(r, "uptime", online ? render_since(jnum(p, "pm2_env.pm_uptime", 0)) : xstrdup("0"), NULL);
	kv_add(r, "script path", xstrdup(jstr(p, "pm2_env.pm_exec_path", "N/A")), NULL);
	kv_add(r, "script args", render_join(jget(p, "pm2_env.args")), NULL);
	kv_add(r, "error log path", xstrdup(jstr(p, "pm2_env.pm_err_log_path", "N/A")), NULL);
	kv_add(r, "out log path", xstrdup(jstr(p, "pm2_env.pm_out_log_path", "N/A")), NULL);
	kv_add(r, "pid path", xstrdup(jstr(p, "pm2_env.pm_pid_path", "N/A")), NULL);
	kv_add(r, "interpreter", xstrdup(jstr(p, "pm2_env.exec_interpreter", "N/A")), NULL);
	kv_add(r, "interpreter args", render_join(jget(p, "pm2_env.node_args")), NULL);
	kv_add(r, "script id", num_text(jnum(p, "pm_id", 0)), NULL);
	kv_add(r, "exec cwd", xstrdup(jstr(p, "pm2_env.pm_cwd", "N/A")), NULL);
	kv_add(r, "exec mode", xstrdup(jstr(p, "pm2_env.exec_mode", "fork_mode")), NULL);
	kv_add(r, "node.js version", xstrdup(jstr(p, "pm2_env.node_version", "N/A")), NULL);
	kv_add(r, "node env", xstrdup(jstr(p, "pm2_env.env.NODE_ENV", "N/A")), NULL);
	kv_add(r, "watch & reload", xstrdup(watching ? "✔" : "✘"), watching ? C_GREEN C_BOLD : NULL);
	kv_add(r, "unstable restarts", num_text(jnum(p, "pm2_env.unstable_restarts", 0)), NULL);
	kv_add(r, "created at", created > 0 ? iso_time(created) : xstrdup("N/A"), NULL);
}

/* The app's checkout, read from .git by us (PM2 runs git, and only with
 * PM2_ENABLE_GIT_PARSING); --no-vizion turns it off as in PM2. Unlike
 * PM2, "repository root" is the top of the work tree, not the app's cwd. */
static void describe_revision(struct cli *c, const cJSON *p)
{
	const char *cwd = jstr(p, "pm2_env.pm_cwd", NULL);
	struct git_info gi;
	if (cJSON_IsFalse(jget(p, "pm2_env.vizion")) || !cwd || git_info_read(cwd, &gi) < 0)
		return;
	char *comment = NULL;
	if (gi.comment) {
		char *t = gi.comment;
		while (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r')
			t++;
		comment = xstrndup(t, prefix_bytes(t, 60));
		size_t n = strlen(comment);
		while (n && (comment[n - 1] == '\n' || comment[n - 1] == ' ' || comment[n - 1] == '\r'))
			comment[--n] = '\0';
		/* The table has one line per row. */
		for (char *q = comment; *q; q++)
			if (*q == '\n' || *q == '\r' || *q == '\t')
				*q = ' ';
	}
	struct kv_rows r = { 0 };
	kv_add(&r, "revision control", xstrdup("git"), NULL);
	kv_add(&r, "remote url", str_or_na(gi.url), NULL);
	kv_add(&r, "repository root", xstrdup(gi.root), NULL);
	kv_add(&r, "last update", str_or_na(gi.update_time), NULL);
	kv_add(&r, "revision", str_or_na(gi.revision), NULL);
	kv_add(&r, "comment", comment ? comment : xstrdup(""), NULL);
	kv_add(&r, "branch", str_or_na(gi.branch), NULL);
	print_title(c, " Revision control metadata ");
	kv_print(c, &r);
	git_info_free(&gi);
}

/* The app's environment variables whose value differs from ours. */
static void describe_env(struct cli *c, const cJSON *p)
{
	extern char **environ;
	const cJSON *env = jget(p, "pm2_env.env");
	int cols = term_columns();
	size_t cut = cols > 80 ? (size_t)cols - 60 : 20;
	struct kv_rows r = { 0 };
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char *key = xstrndup(*e, (size_t)(eq - *e));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, key);
		if (cJSON_IsString(v) && v->valuestring[0] && strcmp(v->valuestring, eq + 1) != 0)
			kv_add(&r, key, xstrndup(v->valuestring, prefix_bytes(v->valuestring, cut)), NULL);
		free(key);
	}
	print_title(c, " Divergent env variables from local env ");
	if (!r.n)
		putchar('\n');
	kv_print(c, &r);
	putchar('\n');
}

void render_describe(struct cli *c, const cJSON *p)
{
	const char *name = jstr(p, "name", "");
	int id = (int)jnum(p, "pm_id", 0);
	char *title = xasprintf(" Describing process with id %d - name %s ", id, name);
	print_title(c, title);
	free(title);
	struct kv_rows r = { 0 };
	describe_rows(p, &r);
	kv_print(c, &r);
	describe_revision(c, p);
	describe_env(c, p);
	printf(" Use `pm2 logs %s [--lines 1000]` to display logs\n", name);
	printf(" Use `pm2 env %d` to display environment variables\n", id);
	printf(" Use `pm2 monit` to monitor CPU and Memory usage %s\n", name);
	fflush(stdout);
}
