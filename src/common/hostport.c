/* hostport: see hostport.h. */
#define _GNU_SOURCE
#include "hostport.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, int *port)
{
	if (!str_is_uint(s) || strlen(s) > 5 || atoi(s) > 65535)
		return -1;
	*port = atoi(s);
	return 0;
}

static int set_host(const char *host, int port, struct hostport *out)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
	memset(out, 0, sizeof(*out));
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*v6);
		return 0;
	}
	return -1;
}

int hostport_parse(const char *s, const char *default_host, int default_port,
		   struct hostport *out, const char **why)
{
	char host[64];
	int port = default_port;
	const char *colon = s ? strrchr(s, ':') : NULL;
	*why = NULL;
	if (!s || !*s) {
		snprintf(host, sizeof(host), "%s", default_host);
	} else if (str_is_uint(s)) {
		snprintf(host, sizeof(host), "%s", default_host);
		if (parse_port(s, &port) < 0)
			*why = "a port is a number from 0 to 65535";
	} else if (s[0] == '[') {
		/* [IPv6] or [IPv6]:port */
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':') || close - s - 1 >= (long)sizeof(host))
			*why = "an IPv6 address is written [::1]:9615";
		else if (close[1] == ':' && parse_port(close + 2, &port) < 0)
			*why = "a port is a number from 0 to 65535";
		else
			snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
	} else if (colon && colon != strchr(s, ':')) {
		/* A bare IPv6 address: no port can follow it. */
		snprintf(host, sizeof(host), "%.*s", (int)sizeof(host) - 1, s);
	} else if (colon) {
		if (colon - s >= (long)sizeof(host) || parse_port(colon + 1, &port) < 0)
			*why = "expected a port, HOST:PORT or [IPv6]:PORT";
		else
			snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	} else if (strlen(s) < sizeof(host)) {
		snprintf(host, sizeof(host), "%s", s);
	} else {
		*why = "expected a port, HOST:PORT or [IPv6]:PORT";
	}
	if (!*why && set_host(host, port, out) < 0)
		*why = "the host must be an IP address or localhost";
	return *why ? -1 : 0;
}

int hostport_parse_env(const char *s, struct hostport *out, const char **why)
{
	const char *host = getenv("PM2_API_IPADDR");
	const char *port_env = getenv("PM2_API_PORT");
	int port = HOSTPORT_DEFAULT_PORT;
	if (!host || !*host)
		host = HOSTPORT_DEFAULT_HOST;
	if (port_env && *port_env && parse_port(port_env, &port) < 0) {
		*why = "PM2_API_PORT must be a number from 0 to 65535";
		return -1;
	}
	struct hostport probe;
	if (set_host(host, port, &probe) < 0) {
		*why = "PM2_API_IPADDR must be an IP address or localhost";
		return -1;
	}
	return hostport_parse(s, host, port, out, why);
}

void hostport_format(const struct hostport *hp, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (hp->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&hp->sa;
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%d", ip, ntohs(v6->sin6_port));
		return;
	}
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&hp->sa;
	inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%d", ip, ntohs(v4->sin_port));
}

bool hostport_is_loopback(const struct hostport *hp)
{
	if (hp->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&hp->sa;
		return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
	}
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&hp->sa;
	return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
}

bool hostport_looks_like(const char *s)
{
	struct hostport hp;
	const char *why;
	return str_is_uint(s) || s[0] == '[' ||
	       (strpbrk(s, ".:") && hostport_parse(s, HOSTPORT_DEFAULT_HOST, 1, &hp, &why) == 0);
}
