/* tap: the smallest TAP producer for the C unit tests: one "ok N name" or
 * "not ok N name" line per check; the exit status says if all passed. */
#ifndef PM2_TAP_H
#define PM2_TAP_H

#include <stdio.h>

static int tap_count, tap_failed;

#define CHECK(cond, name)                                                              \
	do {                                                                           \
		tap_count++;                                                           \
		if (cond) {                                                            \
			printf("ok %d %s\n", tap_count, name);                         \
		} else {                                                               \
			tap_failed++;                                                  \
			printf("not ok %d %s (%s:%d)\n", tap_count, name, __FILE__, __LINE__); \
		}                                                                      \
	} while (0)

static inline int tap_done(void)
{
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
