/* json_pos: see json_pos.h. */
#include "json_pos.h"

#include <stdbool.h>
#include <string.h>

void json_pos_of_offset(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	*line = l;
	*col = c;
}

/* Index of `item` in a pre-order walk; members count as their value. */
static int preorder_index(const cJSON *node, const cJSON *item, int *counter)
{
	int mine = (*counter)++;
	if (node == item)
		return mine;
	for (const cJSON *c = node->child; c; c = c->next) {
		int r = preorder_index(c, item, counter);
		if (r >= 0)
			return r;
	}
	return -1;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

/* Walk the text the way the parser did, counting value starts. For an
 * object member we remember where its key began, which reads better in an
 * error ("line of the key"). */
static const char *scan_value(const char *p, int target, int *counter,
			      const char *key_at, const char **found)
{
	p = skip_ws(p);
	if (*counter == target && !*found)
		*found = key_at ? key_at : p;
	(*counter)++;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		int is_obj = *p == '{';
		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		while (*p && !*found) {
			const char *key = NULL;
			if (is_obj) {
				key = p;
				p = skip_ws(skip_string(p));
				if (*p == ':')
					p++;
			}
			p = skip_ws(scan_value(p, target, counter, key, found));
			if (*p == ',') {
				p = skip_ws(p + 1);
				continue;
			}
			if (*p == close)
				return p + 1;
			return p; /* malformed: stop */
		}
		return p;
	}
	if (*p == '"')
		return skip_string(p);
	while (*p && !strchr(",}] \t\r\n", *p))
		p++;
	return p;
}

int json_pos_locate(const char *text, const cJSON *root, const cJSON *item,
		    int *line, int *col)
{
	int counter = 0;
	int target = preorder_index(root, item, &counter);
	if (target < 0)
		return -1;
	const char *found = NULL;
	counter = 0;
	scan_value(text, target, &counter, NULL, &found);
	if (!found)
		return -1;
	json_pos_of_offset(text, (size_t)(found - text), line, col);
	return 0;
}

void json_blank_comments(char *t)
{
	bool in_string = false;
	for (char *p = t; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = false;
			continue;
		}
		if (*p == '"') {
			in_string = true;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			p--;
		} else if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p + 2, "*/");
			char *stop = end ? end + 2 : p + strlen(p);
			for (; p < stop; p++)
				if (*p != '\n')
					*p = ' ';
			p--;
		}
	}
}
