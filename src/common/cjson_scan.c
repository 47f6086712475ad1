/* cjson_scan: the one scanf cJSON makes, without musl's scanf.
 *
 * cJSON prints a number with 15 digits and reads it back with
 * sscanf("%lg") to see whether that was exact (else it prints 17). The
 * static build compiles cJSON with -Dsscanf=cjson_sscanf
 * (scripts/build-deps.sh), so this strtod stands in and musl's scanf
 * machinery, 5 KB, stays out of the binary. Builds against the system's
 * cJSON (ASan, fuzzing) never call it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cjson_sscanf(const char *s, const char *fmt, ...);

int cjson_sscanf(const char *s, const char *fmt, ...)
{
	if (strcmp(fmt, "%lg") != 0)
		return 0; /* no conversion: cJSON falls back to 17 digits */
	va_list ap;
	va_start(ap, fmt);
	double *out = va_arg(ap, double *);
	va_end(ap);
	char *end;
	*out = strtod(s, &end);
	return end != s;
}
