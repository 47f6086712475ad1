/* inflate: a small DEFLATE decoder (RFC 1951) behind the zlib wrapper
 * (RFC 1950), enough to read git objects without zlib. Input is untrusted:
 * every read is bounds-checked and the output has a hard limit. */
#ifndef PM2_INFLATE_H
#define PM2_INFLATE_H

#include <stddef.h>
#include <stdint.h>

enum inflate_status {
	INFLATE_OK = 0,
	INFLATE_SHORT = -1,  /* the input ended early: give more */
	INFLATE_BAD = -2,    /* not valid DEFLATE data */
	INFLATE_TOOBIG = -3, /* more than max_out bytes */
};

/* Decompress one zlib stream from in[0..n). On INFLATE_OK, *out holds
 * *out_len bytes plus a NUL (caller frees) and *used the input consumed. */
enum inflate_status zlib_inflate(const uint8_t *in, size_t n, size_t max_out, uint8_t **out,
				 size_t *out_len, size_t *used);

#endif
