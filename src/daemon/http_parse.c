/* http_parse: see http_parse.h. RFC 9112, strict where leniency has been
 * a smuggling vector (obs-fold, a body framed two ways, bare CR). */
#define _GNU_SOURCE
#include "http_parse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: just past the blank line (CRLF or bare LF), or
 * NULL if it has not arrived. */
static char *head_end(char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/* Cut the line at *p (ending in LF or CRLF), NUL-terminate it, advance. */
static char *next_line(char **p)
{
	char *line = *p;
	char *lf = strchr(line, '\n');
	*lf = '\0';
	if (lf > line && lf[-1] == '\r')
		lf[-1] = '\0';
	*p = lf + 1;
	return line;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int parse_request_line(char *line, struct http_req *req)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || strchr(sp2 + 1, ' '))
		return -400;
	*sp1 = *sp2 = '\0';
	for (const char *m = line; *m; m++)
		if (!is_tchar(*m))
			return -400;
	char *target = sp1 + 1, *version = sp2 + 1;
	if (target[0] != '/')
		return -400;
	for (const char *t = target; *t; t++)
		if ((unsigned char)*t <= 0x20 || *t == 0x7f)
			return -400;
	if (strncmp(version, "HTTP/", 5) != 0)
		return -400;
	if (strcmp(version + 5, "1.1") == 0)
		req->minor = 1;
	else if (strcmp(version + 5, "1.0") == 0)
		req->minor = 0;
	else
		return -505;
	req->method = line;
	char *q = strchr(target, '?');
	req->query = "";
	if (q) {
		*q = '\0';
		req->query = q + 1;
	}
	req->path = target;
	req->keep_alive = req->minor == 1;
	return 0;
}

/* Connection: a comma-separated list of options. */
static void parse_connection(const char *v, struct http_req *req)
{
	while (*v) {
		size_t n = strcspn(v, ",");
		char opt[16] = "";
		const char *s = v;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t k = (size_t)(v + n - s);
		while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		if (k < sizeof(opt)) {
			memcpy(opt, s, k);
			opt[k] = '\0';
		}
		if (strcasecmp(opt, "close") == 0)
			req->keep_alive = false;
		else if (strcasecmp(opt, "keep-alive") == 0 && req->minor == 0)
			req->keep_alive = true;
		v += n + (v[n] == ',');
	}
}

static int parse_header(char *line, struct http_req *req, bool *seen_length)
{
	char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return -400;
	*colon = '\0';
	for (const char *c = line; *c; c++)
		if (!is_tchar(*c))
			return -400; /* also a space before the colon */
	char *value = trim(colon + 1);
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return -400;
	if (strcasecmp(line, "Content-Length") == 0) {
		char *end;
		long n = strtol(value, &end, 10);
		if (!*value || *end || n < 0 || value[0] == '+' || value[0] == '-' ||
		    (*seen_length && n != req->content_length))
			return -400;
		req->content_length = n;
		*seen_length = true;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		return -501; /* we take no chunked bodies */
	} else if (strcasecmp(line, "Host") == 0) {
		if (req->host)
			return -400;
		req->host = value;
	} else if (strcasecmp(line, "Authorization") == 0) {
		req->authorization = value;
	} else if (strcasecmp(line, "Connection") == 0) {
		parse_connection(value, req);
	}
	return 0;
}

int http_parse_head(char *buf, size_t len, struct http_req *req)
{
	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	size_t skip = 0;
	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	char *p = buf + skip;
	char *end = head_end(p, len - skip);
	if (!end)
		return len >= HTTP_MAX_HEAD ? -431 : 0;
	if (end - buf > HTTP_MAX_HEAD)
		return -431;
	if (memchr(buf, '\0', (size_t)(end - buf)))
		return -400;
	/* Every line up to `end` ends in LF (end[-1] is one), so next_line
	 * never runs past the head. */
	int rc = parse_request_line(next_line(&p), req);
	bool seen_length = false;
	while (rc == 0 && p < end) {
		char *line = next_line(&p);
		if (!*line)
			break;
		if (line[0] == ' ' || line[0] == '\t' || strchr(line, '\r'))
			rc = -400; /* obs-fold or a bare CR */
		else
			rc = parse_header(line, req, &seen_length);
	}
	return rc < 0 ? rc : (int)(end - buf);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int decode(const char *s, size_t n, bool plus_is_space, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+' && plus_is_space)
			c = ' ';
		if (c == '%') {
			int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int http_pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
	return decode(s, n, false, out, outlen);
}

bool http_query_get(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	for (const char *p = query; p && *p;) {
		size_t n = strcspn(p, "&");
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return decode(p + klen + 1, n - klen - 1, true, out, outlen) == 0;
		p += n + (p[n] == '&');
	}
	return false;
}
