/* http: a small HTTP/1.1 server in the daemon's event loop — accepting,
 * reading requests, writing responses — with every resource bounded: a
 * connection cap, a request size cap, one response in flight per
 * connection, and a deadline per request, so a slow or hostile client
 * costs a few KB and never blocks the supervisor. What a request means is
 * the handler's business (web.c). */
#ifndef PM2_HTTP_H
#define PM2_HTTP_H

#include "http_parse.h"
#include "loop.h"
#include "../common/hostport.h"
#include "../common/util.h"

/* What a handler answers. `body` starts empty; `headers` holds extra
 * header lines, each ending in "\r\n". */
struct http_reply {
	int status;
	const char *type; /* Content-Type */
	struct buf headers;
	struct buf body;
};

typedef void (*http_handler)(void *ctx, const struct http_req *req, struct http_reply *rep);

struct http_server;

/* Listen on `addr`. NULL with a message in err if the address cannot be
 * bound. */
struct http_server *http_listen(struct loop *l, const struct hostport *addr, http_handler fn,
				void *ctx, char *err, size_t errlen);
/* Serve a socket that already listens (carried over `pm2 update`); NULL
 * with errno set if it cannot be watched (the fd is closed then). */
struct http_server *http_adopt(struct loop *l, int fd, http_handler fn, void *ctx);
/* Its listening socket. */
int http_fd(const struct http_server *s);
/* Close the listening socket and every connection. */
void http_close(struct http_server *s);
/* Where it listens (the real port when 0 was asked for). */
const struct hostport *http_address(const struct http_server *s);

/* Handler helpers: a status and a body in one go. */
void http_reply_text(struct http_reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
