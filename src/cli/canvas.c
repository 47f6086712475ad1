/* canvas: see canvas.h. */
#define _GNU_SOURCE
#include "canvas.h"
#include "../common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLANK ((struct cell){ ' ', { 0, 0 } })

void canvas_init(struct canvas *cv, bool color)
{
	memset(cv, 0, sizeof(*cv));
	cv->color = color;
}

static void forget_rows(struct canvas *cv)
{
	for (int y = 0; cv->shown && y < cv->h; y++) {
		free(cv->shown[y]);
		cv->shown[y] = NULL;
	}
}

void canvas_free(struct canvas *cv)
{
	forget_rows(cv);
	free(cv->shown);
	free(cv->cells);
	memset(cv, 0, sizeof(*cv));
}

void canvas_clear(struct canvas *cv)
{
	for (int i = 0; i < cv->w * cv->h; i++)
		cv->cells[i] = BLANK;
}

void canvas_invalidate(struct canvas *cv)
{
	forget_rows(cv);
}

void canvas_resize(struct canvas *cv, int w, int h)
{
	forget_rows(cv);
	free(cv->shown);
	free(cv->cells);
	cv->w = w > 0 ? w : 1;
	cv->h = h > 0 ? h : 1;
	cv->cells = xcalloc((size_t)cv->w * (size_t)cv->h, sizeof(struct cell));
	cv->shown = xcalloc((size_t)cv->h, sizeof(char *));
	canvas_clear(cv);
}

/* Columns of a code point: 2 for East Asian wide and emoji, 0 for
 * combining marks. A fixed table, so the figure does not depend on the
 * locale (musl and glibc disagree in the C locale). */
static int cp_width(uint32_t cp)
{
	static const struct { uint32_t lo, hi; } wide[] = {
		{ 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF },
		{ 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF },
		{ 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F },
		{ 0x1F900, 0x1F9FF }, { 0x20000, 0x3FFFD },
	};
	if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(wide); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

/* Decode one UTF-8 code point; invalid input gives '?' for one byte. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	int len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
		: (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	uint32_t v = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			len = 0;
			break;
		}
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (len == 0 || v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = '?';
		return 1;
	}
	*cp = v;
	return (size_t)len;
}

/* Length of the escape sequence at s (s[0] is ESC), so it can be skipped:
 * CSI up to its final byte, OSC up to BEL or ST, else ESC and one byte. */
static size_t escape_len(const unsigned char *s)
{
	size_t i = 1;
	if (s[1] == '[') {
		for (i = 2; s[i] && !(s[i] >= 0x40 && s[i] <= 0x7E); i++)
			;
		return s[i] ? i + 1 : i;
	}
	if (s[1] == ']') {
		for (i = 2; s[i] && s[i] != '\a' && !(s[i] == '\033' && s[i + 1] == '\\'); i++)
			;
		return !s[i] ? i : s[i] == '\a' ? i + 1 : i + 2;
	}
	return s[1] ? 2 : 1;
}

/* The next printable code point of s, after skipping what must not reach
 * the terminal; *adv says how far s moved. 0 at the end. */
static uint32_t next_printable(const char *str, size_t *adv)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	for (;;) {
		if (!s[i]) {
			*adv = i;
			return 0;
		}
		if (s[i] == '\033') {
			i += escape_len(s + i);
			continue;
		}
		if (s[i] == '\t') {
			*adv = i + 1;
			return ' ';
		}
		if (s[i] < 0x20 || s[i] == 0x7F) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(s + i, &cp);
		if (cp >= 0x80 && cp < 0xA0) { /* C1 controls */
			i += n;
			continue;
		}
		*adv = i + n;
		return cp;
	}
}

int text_columns(const char *s)
{
	int w = 0;
	size_t adv;
	uint32_t cp;
	while ((cp = next_printable(s, &adv))) {
		w += cp_width(cp);
		s += adv;
	}
	return w;
}

int canvas_text(struct canvas *cv, int x, int y, int maxw, const char *s, struct style st)
{
	if (y < 0 || y >= cv->h || x < 0 || !s)
		return 0;
	if (x + maxw > cv->w)
		maxw = cv->w - x;
	int used = 0;
	size_t adv;
	uint32_t cp;
	while (used < maxw && (cp = next_printable(s, &adv))) {
		s += adv;
		int w = cp_width(cp);
		if (w == 0)
			continue;
		if (used + w > maxw)
			break;
		struct cell *c = &cv->cells[y * cv->w + x + used];
		c[0] = (struct cell){ cp, st };
		if (w == 2)
			c[1] = (struct cell){ 0, st };
		used += w;
	}
	return used;
}

void canvas_restyle(struct canvas *cv, int x, int y, int w, struct style st)
{
	if (y < 0 || y >= cv->h)
		return;
	for (int i = x; i < x + w && i < cv->w; i++)
		if (i >= 0)
			cv->cells[y * cv->w + i].st = st;
}

static void put_cp(struct canvas *cv, int x, int y, uint32_t cp, struct style st)
{
	if (x >= 0 && x < cv->w && y >= 0 && y < cv->h)
		cv->cells[y * cv->w + x] = (struct cell){ cp, st };
}

void canvas_box(struct canvas *cv, int x, int y, int w, int h, const char *title,
		struct style border)
{
	if (w < 2 || h < 2)
		return;
	for (int i = 1; i < w - 1; i++) {
		put_cp(cv, x + i, y, 0x2500, border);
		put_cp(cv, x + i, y + h - 1, 0x2500, border);
	}
	for (int j = 1; j < h - 1; j++) {
		put_cp(cv, x, y + j, 0x2502, border);
		put_cp(cv, x + w - 1, y + j, 0x2502, border);
	}
	put_cp(cv, x, y, 0x250C, border);
	put_cp(cv, x + w - 1, y, 0x2510, border);
	put_cp(cv, x, y + h - 1, 0x2514, border);
	put_cp(cv, x + w - 1, y + h - 1, 0x2518, border);
	if (title && w > 4)
		canvas_text(cv, x + 1, y, w - 2, title, border);
}

static void append_style(const struct canvas *cv, struct buf *b, struct style st)
{
	buf_puts(b, "\033[0");
	if (st.attr & ST_BOLD)
		buf_puts(b, ";1");
	if (st.attr & ST_INVERSE)
		buf_puts(b, ";7");
	if (cv->color && st.fg)
		buf_printf(b, ";%d", st.fg);
	buf_puts(b, "m");
}

/* One row as the bytes that draw it. */
static void render_row(const struct canvas *cv, int y, struct buf *row)
{
	struct style cur = { 0, 0 };
	buf_reset(row);
	for (int x = 0; x < cv->w; x++) {
		const struct cell *c = &cv->cells[y * cv->w + x];
		if (!c->cp)
			continue;
		if (c->st.fg != cur.fg || c->st.attr != cur.attr) {
			append_style(cv, row, c->st);
			cur = c->st;
		}
		buf_put_utf8(row, c->cp);
	}
	if (cur.fg || cur.attr)
		buf_puts(row, "\033[0m");
}

int canvas_flush(struct canvas *cv, int fd)
{
	struct buf out, row;
	buf_init(&out);
	buf_init(&row);
	for (int y = 0; y < cv->h; y++) {
		render_row(cv, y, &row);
		if (cv->shown[y] && strcmp(cv->shown[y], row.data) == 0)
			continue;
		buf_printf(&out, "\033[%d;1H", y + 1);
		buf_append(&out, row.data, row.len);
		free(cv->shown[y]);
		cv->shown[y] = xstrdup(row.data);
	}
	int rc = out.len ? write_all(fd, out.data, out.len) : 0;
	buf_free(&out);
	buf_free(&row);
	return rc;
}
