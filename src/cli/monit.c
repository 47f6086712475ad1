/* monit: `pm2 monit` (also `pm2 dashboard`/`dash`), a full-screen
 * dashboard in plain ANSI: the process list with status, restarts, CPU
 * and memory bars; the selected app's log lines as they are written; its
 * metadata. Up/down (or j/k) select, q/Escape/Ctrl-C quit. The list is
 * asked of the daemon every second over one connection; the daemon
 * samples /proc only because we ask. */
#define _GNU_SOURCE
#include "canvas.h"
#include "cli.h"
#include "logtail.h"
#include "term.h"
#include "../common/gitinfo.h"
#include "../common/proto.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MONIT_REFRESH_MS 1000
/* Below this the three boards cannot show anything useful. */
#define MONIT_MIN_COLS 60
#define MONIT_MIN_ROWS 15
#define MONIT_LOG_LINES 500
/* While logs pour in, draw at most this often. */
#define MONIT_DRAW_GAP_MS 50
/* How long the rest of an escape sequence may take to arrive. */
#define MONIT_ESC_WAIT_MS 30
#define MONIT_REPLY_TIMEOUT_MS 5000
#define MONIT_LABEL_W 18

static const struct style ST_PLAIN = { FG_DEFAULT, 0 };
static const struct style ST_STRONG = { FG_DEFAULT, ST_BOLD };
static const struct style ST_HEAD = { FG_CYAN, ST_BOLD };
static const struct style ST_DIM = { FG_GRAY, 0 };
static const struct style ST_SELECTED = { FG_DEFAULT, ST_INVERSE | ST_BOLD };
static const struct style ST_FOCUS_BORDER = { FG_BLUE, 0 };
static const struct style ST_ERROR = { FG_RED, ST_BOLD };

struct monit {
	struct cli *c;
	struct canvas cv;
	struct logtail tail;
	cJSON *procs;        /* the last list */
	const cJSON **rows;  /* procs sorted as shown: by name, then id */
	size_t nrows;
	size_t sel;
	int selected_id;     /* follows the app across refreshes; -1 none */
	size_t scroll;       /* first list row on screen */
	size_t page;         /* list rows on screen */
	char *followed;      /* the log path being followed */
	char *git_cwd;       /* the folder git is known for */
	struct git_info git;
	bool git_ok;
	char *error;         /* why the last refresh failed, NULL if it did not */
	int fd;              /* to the daemon, -1 when not connected */
	struct buf in;
	double mem_total;
	int quit_signal;
	bool quit;
};

/* ---- the data ---- */

static double mem_total(void)
{
	char *s = read_file("/proc/meminfo", NULL, 1 << 16);
	char *p = s ? strstr(s, "MemTotal:") : NULL;
	double kb = p ? strtod(p + 9, NULL) : 0;
	free(s);
	return kb * 1024;
}

static int cmp_rows(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int r = strcmp(jstr(x, "name", ""), jstr(y, "name", ""));
	if (r)
		return r;
	double p = jnum(x, "pm_id", 0), q = jnum(y, "pm_id", 0);
	return p < q ? -1 : p > q;
}

static void set_error(struct monit *m, const char *msg)
{
	free(m->error);
	m->error = msg ? xstrdup(msg) : NULL;
}

static void disconnect(struct monit *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	buf_reset(&m->in);
}

/* The list, over our one connection (made again if the daemon left). */
static cJSON *fetch(struct monit *m)
{
	if (m->fd < 0 && (m->fd = proto_connect(m->c->paths.sock)) < 0) {
		set_error(m, "PM2 daemon not running: waiting for it");
		return NULL;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "jlist");
	cJSON_AddFalseToObject(req, "full");
	cJSON *reply = proto_send(m->fd, req) == 0
			       ? proto_recv(m->fd, &m->in, MONIT_REPLY_TIMEOUT_MS) : NULL;
	cJSON_Delete(req);
	if (!reply) {
		disconnect(m);
		set_error(m, "no answer from the PM2 daemon: retrying");
		return NULL;
	}
	const char *e = reply_error(reply);
	cJSON *procs = e ? NULL : cJSON_DetachItemFromObjectCaseSensitive(reply, "procs");
	set_error(m, e);
	cJSON_Delete(reply);
	return procs;
}

/* Follow the logs of the selected app if they are not followed yet. */
static void follow_selected(struct monit *m)
{
	const cJSON *p = m->nrows ? m->rows[m->sel] : NULL;
	const char *out = p ? jstr(p, "pm2_env.pm_out_log_path", NULL) : NULL;
	const char *err = p ? jstr(p, "pm2_env.pm_err_log_path", NULL) : NULL;
	if (m->followed && out && strcmp(m->followed, out) == 0)
		return;
	free(m->followed);
	m->followed = out ? xstrdup(out) : NULL;
	logtail_follow(&m->tail, out, err);
}

static void select_row(struct monit *m, size_t i)
{
	if (!m->nrows)
		return;
	m->sel = i < m->nrows ? i : m->nrows - 1;
	m->selected_id = (int)jnum(m->rows[m->sel], "pm_id", -1);
	follow_selected(m);
}

static void refresh(struct monit *m)
{
	cJSON *procs = fetch(m);
	if (!procs)
		return;
	cJSON_Delete(m->procs);
	free(m->rows);
	m->procs = procs;
	m->nrows = (size_t)cJSON_GetArraySize(procs);
	m->rows = xcalloc(m->nrows + 1, sizeof(*m->rows));
	size_t i = 0;
	for (const cJSON *p = procs->child; p; p = p->next)
		m->rows[i++] = p;
	qsort(m->rows, m->nrows, sizeof(*m->rows), cmp_rows);
	/* The same app stays selected; if it is gone, its neighbour. */
	size_t sel = m->sel;
	for (i = 0; i < m->nrows; i++)
		if ((int)jnum(m->rows[i], "pm_id", -1) == m->selected_id)
			sel = i;
	select_row(m, sel);
	logtail_poll(&m->tail);
}

/* ---- drawing ---- */

/* Text in a field of w columns: cut with an ellipsis when longer. */
static void put_field(struct canvas *cv, int x, int y, int w, const char *s, struct style st)
{
	if (w <= 0)
		return;
	if (text_columns(s) <= w) {
		canvas_text(cv, x, y, w, s, st);
		return;
	}
	int used = canvas_text(cv, x, y, w - 1, s, st);
	canvas_text(cv, x + used, y, 1, "…", st);
}

/* Same, but a long text loses its beginning: the end of a path (the file
 * name) says more than its start. */
static void put_field_end(struct canvas *cv, int x, int y, int w, const char *s, struct style st)
{
	int cols = text_columns(s);
	if (w <= 0 || cols <= w) {
		canvas_text(cv, x, y, w, s, st);
		return;
	}
	/* Skip code points until what is left fits after the ellipsis. */
	while (*s && cols > w - 1) {
		const char *next = s + 1;
		while ((*next & 0xC0) == 0x80)
			next++;
		char cp[8];
		snprintf(cp, sizeof(cp), "%.*s", (int)(next - s), s);
		cols -= text_columns(cp);
		s = next;
	}
	canvas_text(cv, x, y, 1, "…", st);
	canvas_text(cv, x + 1, y, w - 1, s, st);
}

static struct style status_style(const char *status)
{
	if (!strcmp(status, "online"))
		return (struct style){ FG_GREEN, ST_BOLD };
	if (!strcmp(status, "launching"))
		return (struct style){ FG_BLUE, ST_BOLD };
	return (struct style){ FG_RED, ST_BOLD };
}

/* A level bar: [|||||     ], green, then yellow, then red as it fills. */
static void put_bar(struct canvas *cv, int x, int y, int w, double frac)
{
	if (w < 3)
		return;
	int inner = w - 2;
	frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	int fill = (int)(frac * inner + 0.5);
	if (fill == 0 && frac > 0)
		fill = 1; /* something, however little, shows */
	struct style st = { frac < 0.5 ? FG_GREEN : frac < 0.8 ? FG_YELLOW : FG_RED, ST_BOLD };
	canvas_text(cv, x, y, 1, "[", ST_DIM);
	for (int i = 0; i < inner; i++)
		canvas_text(cv, x + 1 + i, y, 1, i < fill ? "|" : " ", st);
	canvas_text(cv, x + 1 + inner, y, 1, "]", ST_DIM);
}

/* Where each column of the process list starts, for the header and rows. */
struct list_cols {
	int id, name, name_w, status, restarts, cpu, cpu_bar, cpu_val, mem, mem_bar, mem_val;
};

#define LIST_ID_W 4
#define LIST_STATUS_W 10
#define LIST_RESTARTS_W 5
#define LIST_CPU_VAL_W 7
#define LIST_MEM_VAL_W 9

static struct list_cols list_layout(const struct monit *m, int x, int w)
{
	struct list_cols lc;
	int name_w = 8;
	for (size_t i = 0; i < m->nrows; i++) {
		int n = text_columns(jstr(m->rows[i], "name", ""));
		if (n > name_w)
			name_w = n;
	}
	name_w = name_w > 24 ? 24 : name_w;
	lc.id = x + 2;
	lc.name = lc.id + LIST_ID_W + 1;
	lc.name_w = name_w;
	lc.status = lc.name + name_w + 2;
	lc.restarts = lc.status + LIST_STATUS_W + 1;
	lc.cpu = lc.restarts + LIST_RESTARTS_W + 2;
	/* What is left goes to the two bars, half each. */
	int left = x + w - lc.cpu - LIST_CPU_VAL_W - LIST_MEM_VAL_W - 5;
	int bar = left / 2 >= 5 ? left / 2 : 0;
	lc.cpu_bar = bar;
	lc.cpu_val = lc.cpu + bar + (bar ? 1 : 0);
	lc.mem = lc.cpu_val + LIST_CPU_VAL_W + 2;
	lc.mem_bar = bar;
	lc.mem_val = lc.mem + bar + (bar ? 1 : 0);
	return lc;
}

static void draw_list_row(struct monit *m, const struct list_cols *lc, int y, int x, int w,
			  size_t i)
{
	struct canvas *cv = &m->cv;
	const cJSON *p = m->rows[i];
	const char *status = jstr(p, "pm2_env.status", "unknown");
	double cpu = jnum(p, "monit.cpu", 0), mem = jnum(p, "monit.memory", 0);
	char num[32];
	if (i == m->sel)
		canvas_text(cv, x, y, 1, ">", ST_STRONG);
	snprintf(num, sizeof(num), "%*d", LIST_ID_W, (int)jnum(p, "pm_id", 0));
	canvas_text(cv, lc->id, y, LIST_ID_W, num, ST_HEAD);
	put_field(cv, lc->name, y, lc->name_w, jstr(p, "name", ""), ST_STRONG);
	put_field(cv, lc->status, y, LIST_STATUS_W, status, status_style(status));
	snprintf(num, sizeof(num), "%*d", LIST_RESTARTS_W, (int)jnum(p, "pm2_env.restart_time", 0));
	canvas_text(cv, lc->restarts, y, LIST_RESTARTS_W, num, ST_PLAIN);
	put_bar(cv, lc->cpu, y, lc->cpu_bar, cpu / 100);
	char *t = render_cpu(cpu);
	snprintf(num, sizeof(num), "%*s", LIST_CPU_VAL_W, t);
	free(t);
	canvas_text(cv, lc->cpu_val, y, LIST_CPU_VAL_W, num, ST_PLAIN);
	put_bar(cv, lc->mem, y, lc->mem_bar, m->mem_total > 0 ? mem / m->mem_total : 0);
	t = render_bytes(mem);
	snprintf(num, sizeof(num), "%*s", LIST_MEM_VAL_W, t);
	free(t);
	canvas_text(cv, lc->mem_val, y, LIST_MEM_VAL_W, num, ST_PLAIN);
	if (i == m->sel)
		canvas_restyle(cv, x + 1, y, w - 2, ST_SELECTED);
}

static void draw_list(struct monit *m, int x, int y, int w, int h)
{
	struct canvas *cv = &m->cv;
	canvas_box(cv, x, y, w, h, " Process List ", ST_FOCUS_BORDER);
	int ix = x + 1, iw = w - 2;
	struct list_cols lc = list_layout(m, ix, iw);
	canvas_text(cv, lc.id + LIST_ID_W - 2, y + 1, 2, "id", ST_HEAD);
	canvas_text(cv, lc.name, y + 1, lc.name_w, "name", ST_HEAD);
	canvas_text(cv, lc.status, y + 1, LIST_STATUS_W, "status", ST_HEAD);
	canvas_text(cv, lc.restarts + LIST_RESTARTS_W - 1, y + 1, 1, "↺", ST_HEAD);
	canvas_text(cv, lc.cpu, y + 1, 3, "cpu", ST_HEAD);
	canvas_text(cv, lc.mem, y + 1, 6, "memory", ST_HEAD);
	m->page = (size_t)(h - 3);
	if (!m->nrows) {
		canvas_text(cv, ix + 1, y + 2, iw - 2,
			    m->procs ? "No process available: start one with `pm2 start app.js`"
				     : "Waiting for the process list...", ST_DIM);
		return;
	}
	if (m->sel < m->scroll)
		m->scroll = m->sel;
	if (m->sel >= m->scroll + m->page)
		m->scroll = m->sel - m->page + 1;
	for (size_t r = 0; r < m->page && m->scroll + r < m->nrows; r++)
		draw_list_row(m, &lc, y + 2 + (int)r, ix, iw, m->scroll + r);
}

static void draw_logs(struct monit *m, int x, int y, int w, int h)
{
	struct canvas *cv = &m->cv;
	const cJSON *p = m->nrows ? m->rows[m->sel] : NULL;
	const char *name = p ? jstr(p, "name", "") : "";
	char *title = xasprintf("  %s Logs  ", name);
	canvas_box(cv, x, y, w, h, title, (struct style){ FG_DEFAULT, 0 });
	free(title);
	int inner = h - 2;
	size_t n = logtail_count(&m->tail);
	size_t first = n > (size_t)inner ? n - (size_t)inner : 0;
	for (size_t i = first; i < n; i++) {
		const struct log_line *l = logtail_line(&m->tail, i);
		int ly = y + 1 + (int)(i - first);
		struct style who = { l->kind == LOG_ERR ? FG_RED : FG_GREEN, 0 };
		int used = canvas_text(cv, x + 2, ly, w - 4, name, who);
		used += canvas_text(cv, x + 2 + used, ly, w - 4 - used, " > ", ST_PLAIN);
		canvas_text(cv, x + 2 + used, ly, w - 4 - used, l->text, ST_PLAIN);
	}
}

/* The selected app's checkout, read again when the selection moves to
 * another folder. */
static const struct git_info *selected_git(struct monit *m, const cJSON *p)
{
	const char *cwd = jstr(p, "pm2_env.pm_cwd", "");
	if (cJSON_IsFalse(jget(p, "pm2_env.vizion")))
		return NULL;
	if (!m->git_cwd || strcmp(m->git_cwd, cwd) != 0) {
		if (m->git_ok)
			git_info_free(&m->git);
		free(m->git_cwd);
		m->git_cwd = xstrdup(cwd);
		m->git_ok = git_info_read(cwd, &m->git) == 0;
	}
	return m->git_ok ? &m->git : NULL;
}

static char *first_line(const char *s)
{
	if (!s)
		return xstrdup("N/A");
	while (*s == '\n' || *s == ' ')
		s++;
	return xstrndup(s, strcspn(s, "\n"));
}

static char *or_na(const char *s)
{
	return xstrdup(s ? s : "N/A");
}

static char *int_text(const cJSON *p, const char *path)
{
	return xasprintf("%d", (int)jnum(p, path, 0));
}

/* PM2's metadata rows (its dashboard's), plus PID, CPU and memory. */
static void draw_meta(struct monit *m, int x, int y, int w, int h)
{
	struct canvas *cv = &m->cv;
	canvas_box(cv, x, y, w, h, " Metadata ", (struct style){ FG_DEFAULT, 0 });
	const cJSON *p = m->nrows ? m->rows[m->sel] : NULL;
	if (!p)
		return;
	const char *status = jstr(p, "pm2_env.status", "unknown");
	double up = !strcmp(status, "online") ? jnum(p, "pm2_env.pm_uptime", 0) : 0;
	bool cluster = !strcmp(jstr(p, "pm2_env.exec_mode", ""), "cluster_mode");
	const cJSON *watch = jget(p, "pm2_env.watch");
	bool watching = watch && !cJSON_IsFalse(watch) && !cJSON_IsNull(watch);
	const struct git_info *g = selected_git(m, p);
	struct {
		const char *label;
		char *value;
		struct style st;
		bool path; /* cut from the left */
	} rows[] = {
		{ "App Name", xstrdup(jstr(p, "name", "")), ST_STRONG, false },
		{ "Namespace", xstrdup(jstr(p, "pm2_env.namespace", "default")), ST_STRONG, false },
		{ "Status", xstrdup(status), status_style(status), false },
		{ "PID", int_text(p, "pid"), ST_PLAIN, false },
		{ "Version", xstrdup(jstr(p, "pm2_env.version", "N/A")), ST_STRONG, false },
		{ "Restarts", int_text(p, "pm2_env.restart_time"), ST_PLAIN, false },
		{ "Uptime", up > 0 ? render_since(up) : xstrdup("0"), ST_PLAIN, false },
		{ "CPU", render_cpu(jnum(p, "monit.cpu", 0)), ST_PLAIN, false },
		{ "Memory", render_bytes(jnum(p, "monit.memory", 0)), ST_PLAIN, false },
		{ "Script path", xstrdup(jstr(p, "pm2_env.pm_exec_path", "N/A")), ST_PLAIN, true },
		{ "Script args", render_join(jget(p, "pm2_env.args")), ST_PLAIN, false },
		{ "Exec cwd", xstrdup(jstr(p, "pm2_env.pm_cwd", "N/A")), ST_PLAIN, true },
		{ "Interpreter", xstrdup(jstr(p, "pm2_env.exec_interpreter", "N/A")), ST_PLAIN, false },
		{ "Interpreter args", render_join(jget(p, "pm2_env.node_args")), ST_PLAIN, false },
		{ "Exec mode", xstrdup(cluster ? "cluster" : "fork"),
		  cluster ? (struct style){ FG_BLUE, ST_BOLD } : ST_STRONG, false },
		{ "watch & reload", xstrdup(watching ? "✔" : "✘"),
		  (struct style){ watching ? FG_GREEN : FG_RED, ST_BOLD }, false },
		{ "Unstable restarts", int_text(p, "pm2_env.unstable_restarts"), ST_PLAIN, false },
		{ "Comment", first_line(g ? g->comment : NULL), ST_PLAIN, false },
		{ "Revision", or_na(g ? g->revision : NULL), ST_PLAIN, false },
		{ "Branch", or_na(g ? g->branch : NULL), ST_PLAIN, false },
		{ "Remote url", or_na(g ? g->url : NULL), ST_PLAIN, false },
		{ "Last update", or_na(g ? g->update_time : NULL), ST_PLAIN, false },
	};
	int ix = x + 2, vw = w - 4 - MONIT_LABEL_W;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int ly = y + 1 + (int)i;
		if (ly < y + h - 1) {
			canvas_text(cv, ix, ly, MONIT_LABEL_W, rows[i].label, ST_PLAIN);
			if (rows[i].path)
				put_field_end(cv, ix + MONIT_LABEL_W, ly, vw, rows[i].value, rows[i].st);
			else
				put_field(cv, ix + MONIT_LABEL_W, ly, vw, rows[i].value, rows[i].st);
		}
		free(rows[i].value);
	}
}

static void draw_help(struct monit *m, int y)
{
	struct canvas *cv = &m->cv;
	if (m->error) {
		canvas_text(cv, 1, y, cv->w - 2, m->error, ST_ERROR);
		return;
	}
	canvas_text(cv, 1, y, cv->w - 2,
		    "up/down j/k: select | PgUp/PgDn Home/End | q, Esc, Ctrl-C: exit", ST_PLAIN);
}

/* A terminal too small for the boards gets a few words, not garbage. */
static void draw_too_small(struct monit *m)
{
	struct canvas *cv = &m->cv;
	char need[64];
	snprintf(need, sizeof(need), "need %dx%d, have %dx%d", MONIT_MIN_COLS, MONIT_MIN_ROWS,
		 cv->w, cv->h);
	const char *lines[] = { "pm2 monit: terminal too small", need, "enlarge it, or q to quit" };
	int top = (cv->h - 3) / 2;
	for (int i = 0; i < 3; i++) {
		int len = text_columns(lines[i]);
		int x = len < cv->w ? (cv->w - len) / 2 : 0;
		canvas_text(cv, x, top + i, cv->w - x, lines[i], i ? ST_PLAIN : ST_STRONG);
	}
}

static int draw(struct monit *m)
{
	struct canvas *cv = &m->cv;
	canvas_clear(cv);
	if (cv->w < MONIT_MIN_COLS || cv->h < MONIT_MIN_ROWS) {
		draw_too_small(m);
		return canvas_flush(cv, STDOUT_FILENO);
	}
	int body = cv->h - 1; /* the last row is for help */
	int want = (int)m->nrows + 3;
	int list_h = want < 5 ? 5 : want;
	if (list_h > body * 45 / 100)
		list_h = body * 45 / 100;
	int meta_w = cv->w * 40 / 100;
	meta_w = meta_w < 34 ? 34 : meta_w > 64 ? 64 : meta_w;
	draw_list(m, 0, 0, cv->w, list_h);
	draw_logs(m, 0, list_h, cv->w - meta_w, body - list_h);
	draw_meta(m, cv->w - meta_w, list_h, meta_w, body - list_h);
	draw_help(m, cv->h - 1);
	return canvas_flush(cv, STDOUT_FILENO);
}

/* ---- input ---- */

static void on_key(struct monit *m, enum key k)
{
	size_t page = m->page ? m->page : 1;
	switch (k) {
	case KEY_UP:
		select_row(m, m->sel ? m->sel - 1 : 0);
		break;
	case KEY_DOWN:
		select_row(m, m->sel + 1);
		break;
	case KEY_PAGE_UP:
		select_row(m, m->sel > page ? m->sel - page : 0);
		break;
	case KEY_PAGE_DOWN:
		select_row(m, m->sel + page);
		break;
	case KEY_HOME:
		select_row(m, 0);
		break;
	case KEY_END:
		select_row(m, m->nrows ? m->nrows - 1 : 0);
		break;
	case KEY_QUIT:
		m->quit = true;
		break;
	case KEY_REDRAW:
		canvas_invalidate(&m->cv);
		break;
	case KEY_SUSPEND:
		term_suspend();
		canvas_invalidate(&m->cv);
		break;
	case KEY_NONE:
	case KEY_OTHER:
		break;
	}
}

static bool stdin_ready(int timeout_ms)
{
	struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
	return poll(&pf, 1, timeout_ms) > 0;
}

static void on_input(struct monit *m)
{
	char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf) - 16);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			m->quit = true; /* the terminal is gone */
		return;
	}
	size_t len = (size_t)n, i = 0;
	while (i < len && !m->quit) {
		enum key k;
		size_t used = term_decode_key(buf + i, len - i, false, &k);
		if (!used) {
			/* An escape sequence cut short: wait a moment for the
			 * rest, or it was a lone Escape. */
			if (len < sizeof(buf) - 1 && stdin_ready(MONIT_ESC_WAIT_MS)) {
				ssize_t more = read(STDIN_FILENO, buf + len, sizeof(buf) - len);
				if (more > 0) {
					len += (size_t)more;
					continue;
				}
			}
			used = term_decode_key(buf + i, len - i, true, &k);
		}
		on_key(m, k);
		i += used;
	}
}

static void on_signal(struct monit *m)
{
	int sig;
	while ((sig = term_take_signal())) {
		switch (sig) {
		case SIGWINCH: {
			int w, h;
			term_size(&w, &h);
			canvas_resize(&m->cv, w, h);
			break;
		}
		case SIGTSTP:
			term_suspend();
			canvas_invalidate(&m->cv);
			break;
		case SIGCONT:
			term_resume();
			canvas_invalidate(&m->cv);
			break;
		default:
			m->quit = true;
			m->quit_signal = sig;
			break;
		}
	}
}

static void monit_loop(struct monit *m)
{
	int64_t next_refresh = 0, last_draw = 0;
	bool dirty = true;
	while (!m->quit) {
		int64_t now = mono_ms();
		if (now >= next_refresh) {
			refresh(m);
			next_refresh = now + MONIT_REFRESH_MS;
			dirty = true;
		}
		if (dirty && now - last_draw >= MONIT_DRAW_GAP_MS) {
			if (draw(m) < 0)
				return; /* the terminal is gone */
			last_draw = now;
			dirty = false;
		}
		int64_t wake = dirty ? last_draw + MONIT_DRAW_GAP_MS : next_refresh;
		if (wake > next_refresh)
			wake = next_refresh;
		struct pollfd pf[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = term_signal_fd(), .events = POLLIN },
			{ .fd = logtail_fd(&m->tail), .events = POLLIN },
		};
		int r = poll(pf, 3, wake > now ? (int)(wake - now) : 0);
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		if (pf[1].revents)
			on_signal(m);
		if (pf[0].revents & POLLIN)
			on_input(m);
		else if (pf[0].revents & (POLLHUP | POLLERR))
			m->quit = true;
		if (pf[2].revents)
			logtail_poll(&m->tail);
		dirty = true;
	}
}

int monit_run(struct cli *c)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		say_err(c, "monit needs a terminal: stdin and stdout must be a tty");
		return 1;
	}
	struct monit m;
	memset(&m, 0, sizeof(m));
	m.c = c;
	m.selected_id = -1;
	buf_init(&m.in);
	/* Like every command, start the daemon if it is not there. */
	m.fd = client_connect(c, true, false);
	if (m.fd < 0)
		return 1;
	if (term_enter() < 0) {
		close(m.fd);
		say_err(c, "cannot set up the terminal");
		return 1;
	}
	int w, h;
	term_size(&w, &h);
	canvas_init(&m.cv, c->color);
	canvas_resize(&m.cv, w, h);
	logtail_init(&m.tail, MONIT_LOG_LINES);
	m.mem_total = mem_total();

	monit_loop(&m);

	term_leave();
	disconnect(&m);
	buf_free(&m.in);
	logtail_free(&m.tail);
	canvas_free(&m.cv);
	cJSON_Delete(m.procs);
	free(m.rows);
	free(m.followed);
	free(m.error);
	free(m.git_cwd);
	if (m.git_ok)
		git_info_free(&m.git);
	if (m.quit_signal) {
		/* Killed: go the way the signal says, now the terminal is back. */
		signal(m.quit_signal, SIG_DFL);
		raise(m.quit_signal);
	}
	return 0;
}
