/* canvas: what an app writes to its log cannot reach the terminal as
 * control: escape sequences and control characters are dropped, invalid
 * UTF-8 becomes '?', wide characters take two cells; only changed rows
 * are written again. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/cli/canvas.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct style plain = { 0, 0 };

/* Row y as plain UTF-8. */
static char *row_text(const struct canvas *cv, int y)
{
	char *s = calloc((size_t)cv->w * 4 + 1, 1);
	size_t n = 0;
	for (int x = 0; x < cv->w; x++) {
		uint32_t cp = cv->cells[y * cv->w + x].cp;
		if (!cp)
			continue;
		if (cp < 0x80) {
			s[n++] = (char)cp;
		} else if (cp < 0x800) {
			s[n++] = (char)(0xC0 | (cp >> 6));
			s[n++] = (char)(0x80 | (cp & 0x3F));
		} else {
			s[n++] = (char)(0xE0 | (cp >> 12));
			s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			s[n++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static int put(struct canvas *cv, const char *text, const char *want)
{
	canvas_clear(cv);
	canvas_text(cv, 0, 0, cv->w, text, plain);
	char *got = row_text(cv, 0);
	int ok = strcmp(got, want) == 0;
	if (!ok)
		printf("# got \"%s\", want \"%s\"\n", got, want);
	free(got);
	return ok;
}

/* Bytes a flush writes. */
static size_t flush_size(struct canvas *cv)
{
	char path[] = "/tmp/pm2-canvas-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	canvas_flush(cv, fd);
	off_t n = lseek(fd, 0, SEEK_CUR);
	close(fd);
	return (size_t)n;
}

void test_canvas(void)
{
	struct canvas cv;
	canvas_init(&cv, true);
	canvas_resize(&cv, 20, 3);
	CHECK(put(&cv, "\033[2J\033[31mred\033[0m text", "red text"),
	      "canvas: CSI sequences (colour, clear screen) are dropped");
	CHECK(put(&cv, "a\033]0;title\007b\033]2;t\033\\c", "abc"),
	      "canvas: OSC sequences (window title) are dropped");
	CHECK(put(&cv, "tab\there\r\b\x7f!", "tab here!"),
	      "canvas: control characters are dropped, a tab is a space");
	CHECK(put(&cv, "bad \xff\xfe utf8 \xc3", "bad ?? utf8 ?"),
	      "canvas: invalid UTF-8 shows as '?'");
	CHECK(put(&cv, "caf\xc3\xa9 \xe2\x9c\x94", "café ✔"), "canvas: UTF-8 text is kept");
	CHECK(put(&cv, "\xe4\xb8\xad\xe6\x96\x87", "中文") &&
		      cv.cells[1].cp == 0 && text_columns("\xe4\xb8\xad\xe6\x96\x87") == 4,
	      "canvas: a wide character takes two cells");
	CHECK(put(&cv, "0123456789012345678901234", "01234567890123456789"),
	      "canvas: text is cut at the edge");

	canvas_clear(&cv);
	canvas_box(&cv, 0, 0, 20, 3, " T ", plain);
	size_t first = flush_size(&cv);
	size_t again = flush_size(&cv);
	canvas_text(&cv, 1, 1, 5, "x", plain);
	size_t one_row = flush_size(&cv);
	CHECK(first > 0 && again == 0 && one_row > 0 && one_row < first,
	      "canvas: a flush writes only the rows that changed");
	canvas_invalidate(&cv);
	CHECK(flush_size(&cv) >= first, "canvas: after invalidate everything is written");
	canvas_free(&cv);
}
