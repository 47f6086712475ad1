/* package_json: see package_json.h. */
#define _GNU_SOURCE
#include "package_json.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A package.json is small; anything bigger is not one worth reading. */
#define PACKAGE_JSON_MAX (1 << 20)

char *package_version(const char *script, const char *cwd)
{
	char dir[PATH_MAX];
	int n = script[0] == '/' || !cwd ? snprintf(dir, sizeof(dir), "%s", script)
					 : snprintf(dir, sizeof(dir), "%s/%s", cwd, script);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return NULL;
	/* Like PM2, start at the script itself: it is a file, so the first
	 * real look is in its folder. */
	for (char *slash; (slash = strrchr(dir, '/')) && slash != dir; *slash = '\0') {
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/package.json", dir);
		char *text = read_file(path, NULL, PACKAGE_JSON_MAX);
		if (!text)
			continue;
		/* a byte order mark would make it unparseable */
		cJSON *pkg = cJSON_Parse(strncmp(text, "\xef\xbb\xbf", 3) ? text : text + 3);
		free(text);
		if (!pkg)
			continue;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(pkg, "version");
		char *version = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
		cJSON_Delete(pkg);
		return version;
	}
	return NULL;
}
