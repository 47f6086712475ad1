/* inflate: see inflate.h. Canonical Huffman codes are decoded a bit at a
 * time from per-length counts: slow next to zlib, and plenty for the few
 * kilobytes of a commit. */
#include "inflate.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BITS 15
#define NUM_LIT 288
#define NUM_DIST 30

struct bits {
	const uint8_t *p;
	size_t n, pos;
	uint32_t buf;
	int cnt;
};

struct out {
	uint8_t *p;
	size_t len, cap, max;
};

struct huff {
	uint16_t count[MAX_BITS + 1]; /* codes of each length */
	uint16_t symbol[NUM_LIT];     /* symbols ordered by code */
};

/* The next k bits, least significant first. */
static int get_bits(struct bits *b, int k, uint32_t *v)
{
	while (b->cnt < k) {
		if (b->pos >= b->n)
			return INFLATE_SHORT;
		b->buf |= (uint32_t)b->p[b->pos++] << b->cnt;
		b->cnt += 8;
	}
	*v = k ? b->buf & ((1u << k) - 1) : 0;
	b->buf >>= k;
	b->cnt -= k;
	return INFLATE_OK;
}

static int emit(struct out *o, uint8_t c)
{
	if (o->len == o->cap) {
		if (o->cap >= o->max)
			return INFLATE_TOOBIG;
		o->cap = o->cap * 2 < o->max ? o->cap * 2 : o->max;
		o->p = xrealloc(o->p, o->cap + 1);
	}
	o->p[o->len++] = c;
	return INFLATE_OK;
}

/* Build a decoding table from code lengths; -1 if the lengths ask for
 * more codes than exist (an incomplete code is allowed: its unused codes
 * fail when met). */
static int huff_build(struct huff *h, const uint8_t *lengths, int n)
{
	uint16_t offs[MAX_BITS + 2];
	memset(h->count, 0, sizeof(h->count));
	for (int i = 0; i < n; i++)
		h->count[lengths[i]]++;
	int left = 1;
	for (int len = 1; len <= MAX_BITS; len++) {
		left = (left << 1) - h->count[len];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (int len = 1; len < MAX_BITS; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (int sym = 0; sym < n; sym++)
		if (lengths[sym])
			h->symbol[offs[lengths[sym]]++] = (uint16_t)sym;
	return 0;
}

static int huff_decode(struct bits *b, const struct huff *h, int *sym)
{
	int code = 0, first = 0, index = 0;
	for (int len = 1; len <= MAX_BITS; len++) {
		uint32_t bit;
		int rc = get_bits(b, 1, &bit);
		if (rc)
			return rc;
		code |= (int)bit;
		int count = h->count[len];
		if (code - first < count) {
			*sym = h->symbol[index + code - first];
			return INFLATE_OK;
		}
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return INFLATE_BAD;
}

static const uint16_t len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
				       15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
				       67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[NUM_DIST] = { 1,    2,    3,    4,    5,    7,     9,     13,
					      17,   25,   33,   49,   65,   97,    129,   193,
					      257,  385,  513,  769,  1025, 1537,  2049,  3073,
					      4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[NUM_DIST] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
					      6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* A length/distance pair: copy from what was already written. */
static int copy_match(struct bits *b, struct out *o, const struct huff *dist, int sym)
{
	uint32_t extra;
	sym -= 257;
	if (sym >= 29 || get_bits(b, len_extra[sym], &extra))
		return sym >= 29 ? INFLATE_BAD : INFLATE_SHORT;
	size_t len = len_base[sym] + extra;
	int dsym;
	int rc = huff_decode(b, dist, &dsym);
	if (rc)
		return rc;
	if (dsym >= NUM_DIST)
		return INFLATE_BAD;
	if (get_bits(b, dist_extra[dsym], &extra))
		return INFLATE_SHORT;
	size_t d = dist_base[dsym] + extra;
	if (d > o->len)
		return INFLATE_BAD;
	for (size_t i = 0; i < len; i++) {
		rc = emit(o, o->p[o->len - d]);
		if (rc)
			return rc;
	}
	return INFLATE_OK;
}

static int codes(struct bits *b, struct out *o, const struct huff *lit, const struct huff *dist)
{
	for (;;) {
		int sym;
		int rc = huff_decode(b, lit, &sym);
		if (rc)
			return rc;
		if (sym == 256)
			return INFLATE_OK;
		rc = sym < 256 ? emit(o, (uint8_t)sym) : copy_match(b, o, dist, sym);
		if (rc)
			return rc;
	}
}

static int stored(struct bits *b, struct out *o)
{
	b->buf = 0; /* to the byte boundary */
	b->cnt = 0;
	if (b->n - b->pos < 4)
		return INFLATE_SHORT;
	unsigned len = b->p[b->pos] | (unsigned)b->p[b->pos + 1] << 8;
	unsigned nlen = b->p[b->pos + 2] | (unsigned)b->p[b->pos + 3] << 8;
	b->pos += 4;
	if (len != (~nlen & 0xffff))
		return INFLATE_BAD;
	if (b->n - b->pos < len)
		return INFLATE_SHORT;
	for (unsigned i = 0; i < len; i++) {
		int rc = emit(o, b->p[b->pos++]);
		if (rc)
			return rc;
	}
	return INFLATE_OK;
}

static int fixed(struct bits *b, struct out *o)
{
	static struct huff lit, dist;
	static int built;
	if (!built) {
		uint8_t l[NUM_LIT];
		int i = 0;
		for (; i < 144; i++)
			l[i] = 8;
		for (; i < 256; i++)
			l[i] = 9;
		for (; i < 280; i++)
			l[i] = 7;
		for (; i < NUM_LIT; i++)
			l[i] = 8;
		huff_build(&lit, l, NUM_LIT);
		memset(l, 5, NUM_DIST);
		huff_build(&dist, l, NUM_DIST);
		built = 1;
	}
	return codes(b, o, &lit, &dist);
}

/* Code lengths of a dynamic block, themselves Huffman coded. */
static int read_lengths(struct bits *b, uint8_t *lengths, int nlen, int ndist)
{
	static const uint8_t order[19] = { 16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
					   11, 4,  12, 3, 13, 2, 14, 1, 15 };
	uint32_t ncode;
	if (get_bits(b, 4, &ncode))
		return INFLATE_SHORT;
	uint8_t cl[19] = { 0 };
	for (uint32_t i = 0; i < ncode + 4; i++) {
		uint32_t v;
		if (get_bits(b, 3, &v))
			return INFLATE_SHORT;
		cl[order[i]] = (uint8_t)v;
	}
	struct huff lencode;
	if (huff_build(&lencode, cl, 19) < 0)
		return INFLATE_BAD;
	for (int i = 0; i < nlen + ndist;) {
		int sym, rc = huff_decode(b, &lencode, &sym);
		if (rc)
			return rc;
		if (sym < 16) {
			lengths[i++] = (uint8_t)sym;
			continue;
		}
		uint32_t rep;
		uint8_t val = 0;
		if (sym == 16) {
			if (i == 0)
				return INFLATE_BAD;
			val = lengths[i - 1];
			rc = get_bits(b, 2, &rep);
			rep += 3;
		} else if (sym == 17) {
			rc = get_bits(b, 3, &rep);
			rep += 3;
		} else {
			rc = get_bits(b, 7, &rep);
			rep += 11;
		}
		if (rc)
			return rc;
		if (i + (int)rep > nlen + ndist)
			return INFLATE_BAD;
		while (rep--)
			lengths[i++] = val;
	}
	return lengths[256] ? INFLATE_OK : INFLATE_BAD; /* no end-of-block code */
}

static int dynamic(struct bits *b, struct out *o)
{
	uint32_t nlen, ndist;
	if (get_bits(b, 5, &nlen) || get_bits(b, 5, &ndist))
		return INFLATE_SHORT;
	nlen += 257;
	ndist += 1;
	if (nlen > 286 || ndist > NUM_DIST)
		return INFLATE_BAD;
	uint8_t lengths[NUM_LIT + NUM_DIST];
	int rc = read_lengths(b, lengths, (int)nlen, (int)ndist);
	if (rc)
		return rc;
	struct huff lit, dist;
	if (huff_build(&lit, lengths, (int)nlen) < 0 ||
	    huff_build(&dist, lengths + nlen, (int)ndist) < 0)
		return INFLATE_BAD;
	return codes(b, o, &lit, &dist);
}

static uint32_t adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, s = 0;
	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		s = (s + a) % 65521;
	}
	return s << 16 | a;
}

static int deflate_blocks(struct bits *b, struct out *o)
{
	uint32_t last, type;
	do {
		if (get_bits(b, 1, &last) || get_bits(b, 2, &type))
			return INFLATE_SHORT;
		int rc = type == 0 ? stored(b, o) : type == 1 ? fixed(b, o)
			 : type == 2 ? dynamic(b, o) : INFLATE_BAD;
		if (rc)
			return rc;
	} while (!last);
	return INFLATE_OK;
}

enum inflate_status zlib_inflate(const uint8_t *in, size_t n, size_t max_out, uint8_t **out,
				 size_t *out_len, size_t *used)
{
	*out = NULL;
	if (n < 2)
		return INFLATE_SHORT;
	/* CMF/FLG: deflate, a window git can use, no preset dictionary. */
	if ((in[0] & 0x0f) != 8 || (in[0] >> 4) > 7 || (in[0] << 8 | in[1]) % 31 || (in[1] & 0x20))
		return INFLATE_BAD;
	struct bits b = { in, n, 2, 0, 0 };
	size_t cap = max_out < 256 ? max_out : 256;
	struct out o = { xmalloc(cap + 1), 0, cap, max_out };
	int rc = deflate_blocks(&b, &o);
	if (rc == INFLATE_OK && b.n - b.pos < 4)
		rc = INFLATE_SHORT;
	if (rc == INFLATE_OK) {
		const uint8_t *t = in + b.pos;
		uint32_t want = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
		if (want != adler32(o.p, o.len))
			rc = INFLATE_BAD;
	}
	if (rc != INFLATE_OK) {
		free(o.p);
		return rc;
	}
	o.p[o.len] = '\0';
	*out = o.p;
	*out_len = o.len;
	*used = b.pos + 4;
	return INFLATE_OK;
}
