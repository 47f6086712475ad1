/* listen_spec: see listen_spec.h. */
#define _GNU_SOURCE
#include "listen_spec.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, int *port)
{
	if (!*s || strlen(s) > 5)
		return -1;
	int v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

static int parse_unix(const char *path, struct listen_addr *out, const char **why)
{
	if (!*path)
		return fail(why, "the unix socket path is empty");
	if (strlen(path) > LISTEN_UNIX_PATH_MAX)
		return fail(why, "the unix socket path is longer than 107 bytes");
	out->family = LISTEN_UNIX;
	strcpy(out->path, path);
	return 0;
}

/* "[v6]:port" */
static int parse_bracketed(const char *s, struct listen_addr *out, const char **why)
{
	const char *close = strchr(s, ']');
	if (!close || close[1] != ':')
		return fail(why, "an IPv6 address is written [ADDRESS]:PORT");
	char host[INET6_ADDRSTRLEN];
	size_t n = (size_t)(close - s - 1);
	if (n >= sizeof(host))
		return fail(why, "not an IPv6 address");
	memcpy(host, s + 1, n);
	host[n] = '\0';
	if (inet_pton(AF_INET6, host, out->ip) != 1)
		return fail(why, "not an IPv6 address");
	if (parse_port(close + 2, &out->port) < 0)
		return fail(why, "the port must be a number from 0 to 65535");
	out->family = LISTEN_IPV6;
	return 0;
}

int listen_spec_parse(const char *s, struct listen_addr *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, out, why);
	if (s[0] == '/')
		return parse_unix(s, out, why);
	if (s[0] == '[')
		return parse_bracketed(s, out, why);

	const char *colon = strrchr(s, ':');
	const char *port = colon ? colon + 1 : s;
	if (parse_port(port, &out->port) < 0)
		return fail(why, "the port must be a number from 0 to 65535");
	if (!colon)
		return 0; /* LISTEN_ANY */
	char host[64];
	size_t n = (size_t)(colon - s);
	if (n >= sizeof(host))
		return fail(why, "not an IP address");
	memcpy(host, s, n);
	host[n] = '\0';
	if (n == 0 || strcmp(host, "*") == 0)
		return 0;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (strchr(host, ':'))
		return fail(why, "an IPv6 address is written [ADDRESS]:PORT");
	if (inet_pton(AF_INET, host, out->ip) != 1)
		return fail(why,
			    "not an IP address (host names other than localhost are not resolved)");
	out->family = LISTEN_IPV4;
	return 0;
}

void listen_addr_format(const struct listen_addr *a, char *buf, unsigned len)
{
	char host[INET6_ADDRSTRLEN];
	switch (a->family) {
	case LISTEN_UNIX:
		snprintf(buf, len, "unix:%s", a->path);
		return;
	case LISTEN_ANY:
		snprintf(buf, len, "*:%d", a->port);
		return;
	case LISTEN_IPV4:
		inet_ntop(AF_INET, a->ip, host, sizeof(host));
		snprintf(buf, len, "%s:%d", host, a->port);
		return;
	case LISTEN_IPV6:
		inet_ntop(AF_INET6, a->ip, host, sizeof(host));
		snprintf(buf, len, "[%s]:%d", host, a->port);
		return;
	}
}
