/* canvas: a grid of character cells drawn off screen, then written to the
 * terminal as the rows that changed since the last frame — no flicker,
 * little output. Text put on it is made safe first: escape sequences and
 * control characters (an app's coloured log lines) never reach the
 * terminal, invalid UTF-8 shows as '?', wide characters take two cells. */
#ifndef PM2_CANVAS_H
#define PM2_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

enum fg {
	FG_DEFAULT = 0,
	FG_RED = 31,
	FG_GREEN = 32,
	FG_YELLOW = 33,
	FG_BLUE = 34,
	FG_CYAN = 36,
	FG_GRAY = 90,
};

#define ST_BOLD 1
#define ST_INVERSE 2

struct style {
	uint8_t fg; /* enum fg */
	uint8_t attr;
};

struct cell {
	uint32_t cp; /* code point; 0 = right half of a wide character */
	struct style st;
};

struct canvas {
	int w, h;
	struct cell *cells;
	char **shown; /* what each terminal row holds now, NULL = unknown */
	bool color;   /* without it, only bold and inverse are used */
};

void canvas_init(struct canvas *cv, bool color);
void canvas_free(struct canvas *cv);
/* New size: everything is redrawn on the next flush. */
void canvas_resize(struct canvas *cv, int w, int h);
void canvas_clear(struct canvas *cv);
/* Forget what the terminal shows (after it was cleared behind our back). */
void canvas_invalidate(struct canvas *cv);
/* Put text at (x, y), at most maxw columns; returns the columns used. */
int canvas_text(struct canvas *cv, int x, int y, int maxw, const char *s, struct style st);
/* Fill a style over w cells of row y (to highlight a row). */
void canvas_restyle(struct canvas *cv, int x, int y, int w, struct style st);
/* A box drawn with lines, its title on the top border. */
void canvas_box(struct canvas *cv, int x, int y, int w, int h, const char *title,
		struct style border);
/* Write the changed rows to fd. -1 if the terminal is gone. */
int canvas_flush(struct canvas *cv, int fd);
/* Columns s takes once made safe. */
int text_columns(const char *s);

#endif
