/* listen_spec: what the "listen" key accepts, and how addresses print. */
#include "../../src/common/listen_spec.h"
#include "unit.h"

#include <string.h>

static void accepts(const char *in, const char *printed)
{
	struct listen_addr a;
	const char *why = NULL;
	char buf[160] = "";
	int rc = listen_spec_parse(in, &a, &why);
	if (rc == 0)
		listen_addr_format(&a, buf, sizeof(buf));
	CHECK(rc == 0 && strcmp(buf, printed) == 0, "\"%s\" is %s (got %s%s)", in, printed,
	      rc ? "error: " : buf, rc ? why : "");
}

static void refuses(const char *in, const char *reason)
{
	struct listen_addr a;
	const char *why = NULL;
	int rc = listen_spec_parse(in, &a, &why);
	CHECK(rc < 0 && why && strstr(why, reason), "\"%.40s\" is refused: %s", in,
	      why ? why : "(accepted)");
}

void test_listen_spec(void)
{
	accepts("8080", "*:8080");
	accepts("0", "*:0");
	accepts(":8080", "*:8080");
	accepts("*:8080", "*:8080");
	accepts("127.0.0.1:8080", "127.0.0.1:8080");
	accepts("localhost:3000", "127.0.0.1:3000");
	accepts("0.0.0.0:80", "0.0.0.0:80");
	accepts("[::]:8080", "[::]:8080");
	accepts("[::1]:65535", "[::1]:65535");
	accepts("unix:/run/app.sock", "unix:/run/app.sock");
	accepts("/run/app.sock", "unix:/run/app.sock");
	accepts("unix:rel/app.sock", "unix:rel/app.sock");

	refuses("65536", "0 to 65535");
	refuses("80a", "0 to 65535");
	refuses("", "0 to 65535");
	refuses("127.0.0.1:", "0 to 65535");
	refuses("example.com:80", "not resolved");
	refuses("999.1.1.1:80", "not an IP");
	refuses("::1:80", "[ADDRESS]:PORT");
	refuses("[::1]80", "[ADDRESS]:PORT");
	refuses("[nope]:80", "not an IPv6");
	refuses("unix:", "empty");
	char longp[200] = "unix:/";
	memset(longp + 6, 'x', 150);
	longp[156] = '\0';
	refuses(longp, "107 bytes");
}
