/* gzip: see gzip.h. */
#define _GNU_SOURCE
#include "gzip.h"
#include "../common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WSIZE 32768u   /* deflate's largest distance */
#define HASH_BITS 15
#define MIN_MATCH 3
#define MAX_MATCH 258
#define CHAIN_DEPTH 24 /* candidates tried per position: speed vs size */
#define OUT_BUF 65536

/* Lengths 3..258 and distances 1..32768 as deflate's symbols: base value
 * and how many extra bits follow (RFC 1951 3.2.5). */
static const uint16_t len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
				       15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
				       67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1,    2,    3,    4,     5,     7,     9,    13,
					17,   25,   33,   49,    65,    97,    129,  193,
					257,  385,  513,  769,   1025,  1537,  2049, 3073,
					4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
					6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

struct bitw {
	int fd;
	unsigned char buf[OUT_BUF];
	size_t n;
	uint64_t acc;
	int nbits;
	int err;
};

static void flush_out(struct bitw *w)
{
	if (w->n && !w->err && write_all(w->fd, w->buf, w->n) < 0)
		w->err = errno;
	w->n = 0;
}

static void put_byte(struct bitw *w, unsigned char b)
{
	if (w->n == sizeof(w->buf))
		flush_out(w);
	w->buf[w->n++] = b;
}

/* Deflate packs bits starting with the least significant. */
static void put_bits(struct bitw *w, uint32_t v, int n)
{
	w->acc |= (uint64_t)v << w->nbits;
	w->nbits += n;
	while (w->nbits >= 8) {
		put_byte(w, (unsigned char)w->acc);
		w->acc >>= 8;
		w->nbits -= 8;
	}
}

/* Huffman codes go most significant bit first: reverse them. */
static void put_code(struct bitw *w, uint32_t code, int len)
{
	uint32_t r = 0;
	for (int i = 0; i < len; i++)
		r |= (code >> i & 1) << (len - 1 - i);
	put_bits(w, r, len);
}

/* The fixed literal/length code (RFC 1951 3.2.6). */
static void put_litlen(struct bitw *w, int sym)
{
	if (sym < 144)
		put_code(w, 0x30 + (uint32_t)sym, 8);
	else if (sym < 256)
		put_code(w, 0x190 + (uint32_t)(sym - 144), 9);
	else if (sym < 280)
		put_code(w, (uint32_t)(sym - 256), 7);
	else
		put_code(w, 0xc0 + (uint32_t)(sym - 280), 8);
}

static void put_match(struct bitw *w, unsigned len, unsigned dist)
{
	int ls = 28;
	while (len_base[ls] > len)
		ls--;
	put_litlen(w, 257 + ls);
	put_bits(w, len - len_base[ls], len_extra[ls]);
	int ds = 29;
	while (dist_base[ds] > dist)
		ds--;
	put_code(w, (uint32_t)ds, 5);
	put_bits(w, dist - dist_base[ds], dist_extra[ds]);
}

static uint32_t hash3(const unsigned char *p)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Greedy LZ77: at each position, the longest earlier match in the window
 * along a bounded hash chain. Positions are stored +1 (0 = none). */
static void deflate_fixed(struct bitw *w, const unsigned char *p, size_t n)
{
	size_t *head = xcalloc((size_t)1 << HASH_BITS, sizeof(size_t));
	size_t *prev = xcalloc(WSIZE, sizeof(size_t));
	put_bits(w, 1, 1); /* BFINAL: one block */
	put_bits(w, 1, 2); /* BTYPE 01: fixed Huffman */
	size_t pos = 0;
	while (pos < n) {
		unsigned best = 0, best_dist = 0;
		if (pos + MIN_MATCH <= n) {
			uint32_t h = hash3(p + pos);
			size_t cand = head[h];
			prev[pos % WSIZE] = cand;
			head[h] = pos + 1;
			size_t room = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
			for (int depth = 0; cand && depth < CHAIN_DEPTH; depth++) {
				size_t c = cand - 1;
				if (pos - c >= WSIZE)
					break;
				unsigned len = 0;
				while (len < room && p[c + len] == p[pos + len])
					len++;
				if (len > best) {
					best = len;
					best_dist = (unsigned)(pos - c);
					if (len == room)
						break;
				}
				cand = prev[c % WSIZE];
			}
		}
		if (best < MIN_MATCH) {
			put_litlen(w, p[pos]);
			pos++;
			continue;
		}
		put_match(w, best, best_dist);
		/* Index the positions the match covers, for later matches. */
		for (size_t k = pos + 1; k < pos + best && k + MIN_MATCH <= n; k++) {
			uint32_t h = hash3(p + k);
			prev[k % WSIZE] = head[h];
			head[h] = k + 1;
		}
		pos += best;
	}
	put_litlen(w, 256); /* end of block */
	if (w->nbits)
		put_bits(w, 0, 8 - w->nbits);
	free(head);
	free(prev);
}

uint32_t gzip_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put_le32(struct bitw *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_byte(w, (unsigned char)(v >> (8 * i)));
}

/* The source, mapped (NULL for an empty file). */
static const unsigned char *map_source(int fd, size_t *n)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return MAP_FAILED;
	*n = (size_t)st.st_size;
	if (!*n)
		return NULL;
	return mmap(NULL, *n, PROT_READ, MAP_PRIVATE, fd, 0);
}

int gzip_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	size_t n = 0;
	const unsigned char *p = map_source(in, &n);
	int e = errno;
	close(in);
	if (p == MAP_FAILED) {
		errno = e;
		return -1;
	}
	struct bitw *w = xcalloc(1, sizeof(*w));
	w->fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		w->err = errno;
	} else {
		static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
		for (size_t i = 0; i < sizeof(header); i++)
			put_byte(w, header[i]);
		deflate_fixed(w, p, n);
		put_le32(w, gzip_crc32(0, p, n));
		put_le32(w, (uint32_t)n);
		flush_out(w);
		if (!w->err && fsync(w->fd) < 0)
			w->err = errno;
		if (close(w->fd) < 0 && !w->err)
			w->err = errno;
		if (w->err)
			unlink(dst);
	}
	if (p)
		munmap((void *)p, n);
	e = w->err;
	free(w);
	errno = e;
	return e ? -1 : 0;
}
