/* gzip: compress a file to gzip format (RFC 1952) with a small deflate of
 * our own (RFC 1951): LZ77 over a 32 KiB window, fixed Huffman codes.
 * Looser than zlib, but no library in the static binary, and log text
 * still shrinks several times. rotate.c runs it in a forked child, so it
 * may take its time and block. */
#ifndef PM2_GZIP_H
#define PM2_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* Compress src into dst (created or replaced). 0, or -1 with errno. */
int gzip_file(const char *src, const char *dst);

/* CRC-32 as gzip uses it (exposed for the unit tests). */
uint32_t gzip_crc32(uint32_t crc, const unsigned char *p, size_t n);

#endif
