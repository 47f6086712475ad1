/* term: keys decode from what terminals send, in normal and application
 * cursor mode; an Escape that may start a sequence waits for more. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/cli/term.h"

#include <string.h>

static enum key decode(const char *s, bool complete, size_t *used)
{
	enum key k = KEY_NONE;
	*used = term_decode_key(s, strlen(s), complete, &k);
	return k;
}

void test_term(void)
{
	static const struct {
		const char *bytes;
		enum key key;
		const char *name;
	} keys[] = {
		{ "\033[A", KEY_UP, "up" },
		{ "\033OA", KEY_UP, "up (application mode)" },
		{ "\033[B", KEY_DOWN, "down" },
		{ "\033OB", KEY_DOWN, "down (application mode)" },
		{ "k", KEY_UP, "k" },
		{ "j", KEY_DOWN, "j" },
		{ "\033[5~", KEY_PAGE_UP, "page up" },
		{ "\033[6~", KEY_PAGE_DOWN, "page down" },
		{ "\033[H", KEY_HOME, "home" },
		{ "\033[1~", KEY_HOME, "home (vt)" },
		{ "\033[F", KEY_END, "end" },
		{ "\033[4~", KEY_END, "end (vt)" },
		{ "q", KEY_QUIT, "q" },
		{ "\003", KEY_QUIT, "Ctrl-C" },
		{ "\014", KEY_REDRAW, "Ctrl-L" },
		{ "\032", KEY_SUSPEND, "Ctrl-Z" },
		{ "\033[1;5A", KEY_UP, "Ctrl-up" },
		{ "x", KEY_OTHER, "another key" },
	};
	char name[80];
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t used;
		enum key k = decode(keys[i].bytes, false, &used);
		snprintf(name, sizeof(name), "term: %s", keys[i].name);
		CHECK(k == keys[i].key && used == strlen(keys[i].bytes), "%s", name);
	}
	size_t used;
	enum key k = decode("\033", false, &used);
	CHECK(used == 0, "term: a lone Escape waits for more bytes");
	k = decode("\033", true, &used);
	CHECK(k == KEY_QUIT && used == 1, "term: a lone Escape with nothing after quits");
	k = decode("\033[", false, &used);
	CHECK(used == 0, "term: a cut sequence waits for its end");
	k = decode("\033[Bj", false, &used);
	CHECK(k == KEY_DOWN && used == 3, "term: one key at a time from a burst");
	(void)k;
}
