/* libFuzzer target: an HTTP request head as the web interface reads it
 * off the wire, then the query and path decoding its routes use. */
#include "../../src/daemon/http_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the bytes given. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct http_req req;
	int n = http_parse_head(buf, size, &req);
	if (n > 0) {
		char out[256];
		http_query_get(req.query, "app", out, sizeof(out));
		http_pct_decode(req.path, strlen(req.path), out, sizeof(out));
	}
	free(buf);
	return 0;
}
