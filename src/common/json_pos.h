/* json_pos: where a parsed cJSON item sits in its source text.
 * cJSON keeps no positions, so we count: a pre-order walk of the tree and a
 * token scan of the text meet values in the same order. Used only to put
 * file:line:col in error messages. Comments are blanked out before parsing
 * (json_blank_comments), so positions in the text still hold. */
#ifndef PM2_JSON_POS_H
#define PM2_JSON_POS_H

#include <cjson/cJSON.h>

/* Line and column (1-based) of `item` (its key if it is an object member)
 * inside `text`, whose parse produced `root`. Returns 0, or -1 if the item
 * is not in the tree. */
int json_pos_locate(const char *text, const cJSON *root, const cJSON *item,
		    int *line, int *col);
/* PM2 reads .json ecosystem files as JavaScript, so line and block comments
 * are allowed: overwrite them (outside strings) with spaces, keeping line
 * breaks, so cJSON can parse the text and positions do not move. */
void json_blank_comments(char *text);
/* Line and column of a byte offset. */
void json_pos_of_offset(const char *text, size_t off, int *line, int *col);

#endif
