/* libFuzzer target: an ecosystem file as the CLI reads it — JSON parse,
 * the apps list, PM2's keys normalised, and file:line:col for every
 * warning and error. */
#include "../../src/common/app_spec.h"
#include "../../src/common/json_pos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *fuzz_text;
static const cJSON *fuzz_root;

static void locate(const cJSON *item)
{
	int line, col;
	if (item)
		json_pos_locate(fuzz_text, fuzz_root, item, &line, &col);
}

static void on_warn(void *ctx, const cJSON *item, const char *msg)
{
	(void)ctx;
	(void)msg;
	locate(item);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		int line, col;
		const char *at = cJSON_GetErrorPtr();
		if (at >= text && at <= text + size)
			json_pos_of_offset(text, (size_t)(at - text), &line, &col);
		free(text);
		return 0;
	}
	fuzz_text = text;
	fuzz_root = root;
	const cJSON *apps = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "apps")
				    ? cJSON_GetObjectItemCaseSensitive(root, "apps")
				    : root;
	const cJSON *first = cJSON_IsArray(apps) ? apps->child : apps;
	for (const cJSON *a = first; a; a = cJSON_IsArray(apps) ? a->next : NULL) {
		struct spec_error err;
		cJSON *spec = app_spec_normalize(a, &err, on_warn, NULL);
		if (!spec) {
			locate(err.item);
			continue;
		}
		/* what the daemon does with it: normalise again */
		cJSON *again = app_spec_normalize(spec, &err, NULL, NULL);
		if (!again)
			abort(); /* normalising must be idempotent */
		spec_parse_ms(cJSON_GetObjectItemCaseSensitive(spec, "min_uptime"));
		cJSON_Delete(again);
		cJSON_Delete(spec);
	}
	cJSON_Delete(root);
	free(text);
	return 0;
}
