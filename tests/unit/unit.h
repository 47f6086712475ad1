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

#endif
