/* listen_spec: the addresses an app may ask the supervisor to listen on
 * for it ("listen" and "port" keys): "8080", "127.0.0.1:8080", "[::1]:8080",
 * "unix:/run/app.sock". Parsing only; the daemon binds (cluster.c). */
#ifndef PM2_LISTEN_SPEC_H
#define PM2_LISTEN_SPEC_H

#include <stdbool.h>

enum listen_family {
	LISTEN_ANY, /* a port alone: every address, IPv6 and IPv4 */
	LISTEN_IPV4,
	LISTEN_IPV6,
	LISTEN_UNIX,
};

/* Longest unix socket path (sun_path less its NUL). */
#define LISTEN_UNIX_PATH_MAX 107

struct listen_addr {
	enum listen_family family;
	unsigned char ip[16];		     /* network order; 4 bytes for IPv4 */
	int port;			     /* 0..65535 (0: one ephemeral port for all) */
	char path[LISTEN_UNIX_PATH_MAX + 1]; /* LISTEN_UNIX, as written */
};

/* 0, or -1 with *why saying what is wrong (a static string). Host names
 * other than "localhost" are refused: we resolve nothing at startup. */
int listen_spec_parse(const char *s, struct listen_addr *out, const char **why);

/* "127.0.0.1:8080", "[::]:8080", "*:8080", "unix:/p" into buf. */
void listen_addr_format(const struct listen_addr *a, char *buf, unsigned len);

#endif
