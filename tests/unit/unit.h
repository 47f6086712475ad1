/* A minimal TAP harness for the C unit tests. */
#ifndef PM2_UNIT_H
#define PM2_UNIT_H

#include <stdio.h>

extern int unit_count, unit_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		unit_count++;                                                                      \
		if (cond) {                                                                        \
			printf("ok %d unit: ", unit_count);                                        \
		} else {                                                                           \
			unit_failed++;                                                             \
			printf("not ok %d unit: ", unit_count);                                    \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

#include <stdbool.h>
#include <string.h>

/* A string compared with what is wanted; both shown when they differ. */
static inline void check_str(const char *what, const char *name, const char *got,
			     const char *want)
{
	bool ok = strcmp(got, want) == 0;
	CHECK(ok, "%s: %s%s%s%s%s", what, name, ok ? "" : "\n#   got:  ", ok ? "" : got,
	      ok ? "" : "\n#   want: ", ok ? "" : want);
}

#endif
