/* http_parse and hostport: what the web interface reads off the wire and
 * the command line. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/common/hostport.h"
#include "../../src/daemon/http_parse.h"

#include <stdlib.h>
#include <string.h>

/* Parse a copy of `text`; the result code, and the request in *req. */
static int parse(const char *text, struct http_req *req, char **keep)
{
	*keep = strdup(text);
	return http_parse_head(*keep, strlen(text), req);
}

static void parse_ok(void)
{
	struct http_req r;
	char *b;
	const char *t = "GET /readyz?app=api HTTP/1.1\r\nHost: localhost:9615\r\n"
			"Authorization: Bearer x y\r\nContent-Length: 3\r\n\r\nabc";
	int n = parse(t, &r, &b);
	CHECK(n == (int)strlen(t) - 3, "a head's length leaves out the body (%d)", n);
	CHECK(!strcmp(r.method, "GET") && !strcmp(r.path, "/readyz") && !strcmp(r.query, "app=api"),
	      "method, path and query are split");
	CHECK(r.host && !strcmp(r.host, "localhost:9615"), "Host is read");
	CHECK(r.authorization && !strcmp(r.authorization, "Bearer x y"), "Authorization is read");
	CHECK(r.content_length == 3 && r.keep_alive && r.minor == 1,
	      "HTTP/1.1 keeps alive; Content-Length is read");
	free(b);

	n = parse("\r\nGET / HTTP/1.0\nConnection: keep-alive\n\n", &r, &b);
	CHECK(n > 0 && r.minor == 0 && r.keep_alive,
	      "bare LF, a leading empty line and 1.0 keep-alive are accepted");
	free(b);
	n = parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n", &r, &b);
	CHECK(n > 0 && !r.keep_alive, "Connection: close among other options ends keep-alive");
	free(b);
	n = parse("GET / HTTP/1.1\r\nHost: a\r\n", &r, &b);
	CHECK(n == 0, "an unfinished head asks for more bytes");
	free(b);
}

static void parse_bad(void)
{
	static const struct {
		const char *text;
		int want;
		const char *why;
	} cases[] = {
		{ "GET / HTTP/2.0\r\n\r\n", -505, "HTTP/2 on a 1.1 socket" },
		{ "GET /\r\n\r\n", -400, "HTTP/0.9" },
		{ "GET http://x/ HTTP/1.1\r\n\r\n", -400, "an absolute target" },
		{ "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", -400, "obs-fold" },
		{ "GET / HTTP/1.1\r\nX : a\r\n\r\n", -400, "a space before the colon" },
		{ "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -400,
		  "two different lengths" },
		{ "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -400, "a negative length" },
		{ "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -501, "chunked bodies" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400, "two Host headers" },
		{ "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", -400, "a bare CR" },
		{ "G(T / HTTP/1.1\r\n\r\n", -400, "a method that is not a token" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_req r;
		char *b;
		int n = parse(cases[i].text, &r, &b);
		CHECK(n == cases[i].want, "refused: %s (%d)", cases[i].why, n);
		free(b);
	}
	char *big = malloc(HTTP_MAX_HEAD + 64);
	memset(big, 'a', HTTP_MAX_HEAD + 63);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	struct http_req r;
	CHECK(http_parse_head(big, HTTP_MAX_HEAD + 63, &r) == -431,
	      "a head past the limit is refused (431)");
	free(big);
}

static void query_and_decode(void)
{
	char v[32];
	CHECK(http_query_get("x=1&app=my%20app+b", "app", v, sizeof(v)) && !strcmp(v, "my app b"),
	      "a query value is decoded, + as a space (%s)", v);
	CHECK(!http_query_get("application=x", "app", v, sizeof(v)), "keys match whole");
	CHECK(!http_query_get("app=%zz", "app", v, sizeof(v)), "a bad escape is refused");
	CHECK(http_pct_decode("a%2Fb+c", 7, v, sizeof(v)) == 0 && !strcmp(v, "a/b+c"),
	      "a path segment is decoded, + stays");
	CHECK(http_pct_decode("a%00", 4, v, sizeof(v)) < 0, "a NUL byte is refused");
	CHECK(http_pct_decode("abcdef", 6, v, 4) < 0, "a value too long is refused");
}

static void addr(const char *s, const char *want)
{
	struct hostport hp;
	const char *why = NULL;
	char got[80] = "";
	int rc = hostport_parse(s, "127.0.0.1", 9615, &hp, &why);
	if (rc == 0)
		hostport_format(&hp, got, sizeof(got));
	if (want)
		CHECK(rc == 0 && !strcmp(got, want), "address \"%s\" is %s (got %s)",
		      s ? s : "NULL", want, rc ? why : got);
	else
		CHECK(rc < 0 && why, "address \"%s\" is refused (%s)", s, why ? why : got);
}

static void addresses(void)
{
	addr(NULL, "127.0.0.1:9615");
	addr("8080", "127.0.0.1:8080");
	addr("0.0.0.0:80", "0.0.0.0:80");
	addr("0.0.0.0", "0.0.0.0:9615");
	addr("localhost:0", "127.0.0.1:0");
	addr("[::1]:9000", "[::1]:9000");
	addr("::", "[::]:9615");
	addr("65536", NULL);
	addr("example.com:80", NULL);
	addr("[::1", NULL);
	addr("1.2.3.4:x", NULL);
	struct hostport hp;
	const char *why;
	hostport_parse("127.1.2.3:1", "", 0, &hp, &why);
	CHECK(hostport_is_loopback(&hp), "127.1.2.3 is loopback");
	hostport_parse("0.0.0.0:1", "", 0, &hp, &why);
	CHECK(!hostport_is_loopback(&hp), "0.0.0.0 is not loopback");
	CHECK(hostport_looks_like("9615") && hostport_looks_like("[::1]:1") &&
		      hostport_looks_like("10.0.0.1:80") && !hostport_looks_like("app.js") &&
		      !hostport_looks_like("ecosystem.config.js"),
	      "--web takes an address, not a script name");
}

void test_http(void)
{
	parse_ok();
	parse_bad();
	query_and_decode();
	addresses();
}
