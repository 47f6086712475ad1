/* json_pos: the line and column of an item in its source text. */
#include "unit.h"
#include "../../src/common/json_pos.h"

#include <string.h>

/* The first item (depth-first) whose key is `key`. */
static const cJSON *find_key(const cJSON *n, const char *key)
{
	if (n->string && strcmp(n->string, key) == 0)
		return n;
	for (const cJSON *c = n->child; c; c = c->next) {
		const cJSON *f = find_key(c, key);
		if (f)
			return f;
	}
	return NULL;
}

static void at(const char *text, const char *key, int want_line, int want_col)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *found = root ? find_key(root, key) : NULL;
	int line = 0, col = 0;
	int rc = found ? json_pos_locate(text, root, found, &line, &col) : -1;
	CHECK(rc == 0 && line == want_line && col == want_col, "\"%s\" is at %d:%d (got %d:%d)",
	      key, want_line, want_col, line, col);
	cJSON_Delete(root);
}

void test_json_pos(void)
{
	const char *t = "{\n  \"apps\": [\n    { \"name\": \"a\", \"script\": \"x\" },\n"
			"    {\n      \"name\": \"b\",\n      \"instances\": \"two\"\n    }\n  ]\n}\n";
	at(t, "apps", 2, 3);
	at(t, "script", 3, 20);
	at(t, "instances", 6, 7);
	/* strings with escapes and multi-byte characters do not shift columns */
	const char *u = "{\"a\":\"\xc3\xa9\",\"b\":[1,{\"c\":\"\\\"}\"}],\"d\":2}";
	at(u, "c", 1, 18);
	at(u, "d", 1, 30);
}
