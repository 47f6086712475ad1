/* libFuzzer target: the YAML reader. Any input parses or fails with a
 * place; every recorded position is a real line and column. */
#include "../../src/common/yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct yaml_doc doc;
	struct yaml_error err;
	if (yaml_parse(text, &doc, &err) == 0) {
		for (size_t i = 0; i < doc.npos; i++)
			if (doc.pos[i].line < 1 || doc.pos[i].col < 1)
				abort();
		yaml_doc_free(&doc);
	} else if (err.line < 1 || err.col < 1 || !err.msg[0]) {
		abort();
	}
	free(text);
	return 0;
}
