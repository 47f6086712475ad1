/* Unit tests for json_pos: comments blanked in place, positions kept. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/common/json_pos.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *name, const char *got, const char *want)
{
	check_str("json comments", name, got, want);
}

static void blanks(const char *name, const char *in, const char *want)
{
	char *t = strdup(in);
	json_blank_comments(t);
	check(name, t, want);
	free(t);
}

/* Comments blanked, then the item at `key` of the first object located. */
static void locates(const char *name, const char *in, const char *key, const char *want)
{
	char *t = strdup(in);
	json_blank_comments(t);
	cJSON *root = cJSON_Parse(t);
	char got[64] = "parse error";
	int line, col;
	if (root) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
		if (it && json_pos_locate(t, root, it, &line, &col) == 0)
			snprintf(got, sizeof(got), "%d:%d", line, col);
		else
			snprintf(got, sizeof(got), "not found");
	}
	check(name, got, want);
	cJSON_Delete(root);
	free(t);
}

void test_json_comments(void)
{
	blanks("line comments", "{ // x\n\"a\": 1 }", "{     \n\"a\": 1 }");
	blanks("block comments keep line breaks", "/* a\nb */{}", "    \n    {}");
	blanks("comment markers inside strings stay", "{\"u\": \"http://x/*y*/\"}",
	       "{\"u\": \"http://x/*y*/\"}");
	blanks("escaped quotes do not end a string", "{\"a\": \"\\\"//\"} // c",
	       "{\"a\": \"\\\"//\"}     ");
	blanks("an unterminated block comment blanks the rest", "{} /* open", "{}        ");
	locates("positions after comments still hold", "{\n  // one\n  /* two */ \"k\": 1\n}", "k",
		"3:13");
}
