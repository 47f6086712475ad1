/* glob: shell-style wildcard matching for ignore_watch patterns — "*",
 * "?", "[a-z]", "[!x]" and backslash escapes, with "*" crossing "/" as
 * fnmatch() without FNM_PATHNAME does. Our own because musl's fnmatch
 * pulls in 13 KB of wide-character tables. Bytes, not characters. */
#ifndef PM2_GLOB_H
#define PM2_GLOB_H

#include <stdbool.h>

bool glob_match(const char *pattern, const char *s);

#endif
