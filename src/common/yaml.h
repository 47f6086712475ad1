/* yaml: a small reader for the YAML that ecosystem files are written in —
 * block mappings and sequences by indentation, plain, quoted and block
 * (| >) scalars, flow [..] and {..}, comments, anchors, aliases and "<<"
 * merges — into a cJSON tree, remembering the line and column of every
 * value for error messages. Not a general YAML 1.2 parser: tags, complex
 * keys and multiple documents are refused with the line they are on.
 * Plain scalars resolve as js-yaml's default schema does (PM2 uses it):
 * null/~, true/false, integers, floats, else strings. */
#ifndef PM2_YAML_H
#define PM2_YAML_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct yaml_pos {
	const cJSON *item;
	int line, col;
};

struct yaml_doc {
	cJSON *root;
	struct yaml_pos *pos; /* where each value (or its key) starts */
	size_t npos, cap;
};

struct yaml_error {
	int line, col;
	char msg[160];
};

/* Parse `text` into doc->root; 0, or -1 with *err filled (and doc empty). */
int yaml_parse(const char *text, struct yaml_doc *doc, struct yaml_error *err);
/* Line and column of `item` (its key if it is a mapping member): 0 or -1. */
int yaml_locate(const struct yaml_doc *doc, const cJSON *item, int *line, int *col);
void yaml_doc_free(struct yaml_doc *doc);

#endif
