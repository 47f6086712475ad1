/* tap: the smallest TAP producer. Each check prints "ok N - what" or
 * "not ok N - what"; tap_done() returns the exit status. */
#ifndef PM2_TAP_H
#define PM2_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		int ok_ = (cond) ? 1 : 0;                                    \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		if (!ok_) {                                                  \
			tap_failed++;                                        \
			printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                            \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
