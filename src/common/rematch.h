/* rematch: the small regular expressions `pm2 logs /api|worker/` takes
 * to pick apps by name: literals, `.`, `[a-z]` and `[^...]` classes,
 * `\d \w \s` and escapes, `* + ?`, `^ $` and top-level `|`. Groups and
 * counted repeats are refused rather than misread. (musl's regcomp would
 * cost the static binary ~45 KB of wide-character tables for this.) */
#ifndef PM2_REMATCH_H
#define PM2_REMATCH_H

#include <stdbool.h>
#include <stddef.h>

/* 0 if re is one we read, else -1 with a reason. */
int rematch_check(const char *re, char *err, size_t errlen);
/* Does re match anywhere in s (like JavaScript's RegExp.test)? */
bool rematch(const char *re, const char *s);

#endif
