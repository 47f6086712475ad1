/* hostport: the address the web interface listens on, as a user writes
 * it — "9615", "127.0.0.1:9615", "[::1]:9615", "0.0.0.0", "localhost:80"
 * — into a socket address. Numbers only: nothing is resolved. The CLI
 * checks what the user typed; the daemon binds what the CLI sent. */
#ifndef PM2_HOSTPORT_H
#define PM2_HOSTPORT_H

#include <stdbool.h>
#include <sys/socket.h>

/* PM2's web port (PM2_API_PORT overrides it) and our default address:
 * loopback, since the page can stop apps (PM2 binds 0.0.0.0). */
#define HOSTPORT_DEFAULT_PORT 9615
#define HOSTPORT_DEFAULT_HOST "127.0.0.1"

struct hostport {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* Parse `s`; a missing host or port takes the default. NULL or "" is all
 * defaults. 0, or -1 with *why set (a static string). */
int hostport_parse(const char *s, const char *default_host, int default_port,
		   struct hostport *out, const char **why);
/* The defaults a user may set in the environment: PM2_API_IPADDR and
 * PM2_API_PORT, as PM2 reads them. -1 with *why if they are malformed. */
int hostport_parse_env(const char *s, struct hostport *out, const char **why);
/* "127.0.0.1:9615" or "[::1]:9615". */
void hostport_format(const struct hostport *hp, char *buf, size_t len);
/* Is this a loopback address (127/8, ::1)? */
bool hostport_is_loopback(const struct hostport *hp);
/* Does `s` look like an address rather than a file name (for --web's
 * optional value)? */
bool hostport_looks_like(const char *s);

#endif
