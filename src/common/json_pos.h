/* json_pos: where a parsed cJSON item sits in its source text.
 * cJSON keeps no positions, so we count: a pre-order walk of the tree and a
 * token scan of the text meet values in the same order. Used only to put
 * file:line:col in error messages. Comments and trailing commas are not
 * expected (the text is what cJSON parsed). */
#ifndef PM2_JSON_POS_H
#define PM2_JSON_POS_H

#include <cjson/cJSON.h>

/* Line and column (1-based) of `item` (its key if it is an object member)
 * inside `text`, whose parse produced `root`. Returns 0, or -1 if the item
 * is not in the tree. */
int json_pos_locate(const char *text, const cJSON *root, const cJSON *item,
		    int *line, int *col);
/* Line and column of a byte offset. */
void json_pos_of_offset(const char *text, size_t off, int *line, int *col);

#endif
