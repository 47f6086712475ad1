/* http_parse: reading one HTTP/1.x request head, in place, and the bits of
 * a URL the web interface needs (query values, percent-decoding). Pure
 * functions over a buffer: no sockets, no allocation. */
#ifndef PM2_HTTP_PARSE_H
#define PM2_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest request head we accept; browsers and probes send < 2 KB. */
#define HTTP_MAX_HEAD 8192

struct http_req {
	const char *method;
	const char *path;          /* the target before '?', as sent */
	const char *query;         /* after '?', "" if none */
	int minor;                 /* HTTP/1.<minor> */
	bool keep_alive;
	long content_length;       /* 0 if absent */
	const char *host;          /* NULL if absent */
	const char *authorization; /* NULL if absent */
};

/* Parse the head at the start of buf[0..len). Fields point into buf,
 * which is modified (NUL-terminated fields). Returns the head's length
 * when it is complete, 0 when more bytes are needed, or the negated HTTP
 * status for a bad request (-400, -431, -501, -505). */
int http_parse_head(char *buf, size_t len, struct http_req *req);

/* Percent-decode s[0..n) into out ('+' stays '+'). -1 if malformed, if it
 * decodes to a NUL byte or if out is too small. */
int http_pct_decode(const char *s, size_t n, char *out, size_t outlen);

/* The decoded value of `key` in a query string ("a=1&app=api"), '+' as
 * a space. false if absent or malformed. */
bool http_query_get(const char *query, const char *key, char *out, size_t outlen);

#endif
