/* http: see http.h.
 *
 * A connection reads until it holds one whole request, answers it, and
 * reads again only once the answer is written: a client that sends and
 * never reads stops being read (its socket buffer fills, not our memory).
 * Each request-and-response cycle has a deadline; a client that sends a
 * byte a second (slowloris) is cut off at it, not kept alive by it. */
#define _GNU_SOURCE
#include "http.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connections at once; more are answered 503 and closed. */
#define HTTP_MAX_CONNS 64
/* We act on no request body: what a client may send is read and dropped. */
#define HTTP_MAX_BODY 4096
/* One request must arrive and its answer leave within this time; it is
 * also how long an idle keep-alive connection stays open. */
#define HTTP_CYCLE_MS 10000

struct http_conn {
	struct io io;
	struct timer deadline;
	struct http_server *srv;
	struct buf in, out;
	bool close_after; /* once `out` is written */
	bool peer_done;   /* the client sent EOF */
	bool need_more;   /* `in` holds only part of a request */
	struct http_conn *next;
};

struct http_server {
	struct loop *loop;
	struct io io;
	struct hostport addr;
	http_handler fn;
	void *ctx;
	struct http_conn *conns;
	int nconns;
	/* A request head is parsed in a copy, so `in` stays as received
	 * while a body is still arriving. */
	char scratch[HTTP_MAX_HEAD + 8];
};

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

void http_reply_text(struct http_reply *rep, int status, const char *fmt, ...)
{
	rep->status = status;
	rep->type = "text/plain; charset=utf-8";
	buf_reset(&rep->body);
	va_list ap;
	va_start(ap, fmt);
	char *s;
	if (vasprintf(&s, fmt, ap) >= 0) {
		buf_puts(&rep->body, s);
		free(s);
	}
	va_end(ap);
}

static void conn_close(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_conn **pp = &s->conns;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	s->nconns--;
	loop_io_del(s->loop, &c->io);
	loop_timer_cancel(s->loop, &c->deadline);
	close(c->io.fd);
	buf_free(&c->in);
	buf_free(&c->out);
	loop_defer_free(s->loop, c);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	(void)l;
	conn_close(t->ctx);
}

/* Read while a request is incomplete and nothing waits to be written.
 * Ask to be woken as writable when a whole pipelined request waits in
 * `in`: it is answered on the next round, so one connection cannot keep
 * the loop to itself. */
static void conn_update(struct http_conn *c)
{
	uint32_t ev = 0;
	if (!c->out.len && !c->close_after && !c->peer_done)
		ev |= EPOLLIN;
	if (c->out.len || (c->in.len && !c->need_more && !c->close_after))
		ev |= EPOLLOUT;
	loop_io_mod(c->srv->loop, &c->io, ev);
}

static void conn_write_reply(struct http_conn *c, const struct http_req *req,
			     struct http_reply *rep)
{
	bool head = req && strcmp(req->method, "HEAD") == 0;
	buf_printf(&c->out,
		   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		   "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s"
		   "Connection: %s\r\n\r\n",
		   rep->status, status_text(rep->status), rep->type, rep->body.len,
		   rep->headers.len ? rep->headers.data : "",
		   c->close_after ? "close" : "keep-alive");
	if (!head)
		buf_append(&c->out, rep->body.data, rep->body.len);
}

static void conn_error(struct http_conn *c, int status)
{
	struct http_reply rep = { 0 };
	http_reply_text(&rep, status, "%s\n", status_text(status));
	c->close_after = true;
	conn_write_reply(c, NULL, &rep);
	buf_free(&rep.body);
}

/* Answer the request at the front of `in`, if it is all there. Returns
 * false when it must wait for more bytes. */
static bool conn_answer_one(struct http_conn *c)
{
	struct http_server *s = c->srv;
	size_t n = c->in.len < sizeof(s->scratch) ? c->in.len : sizeof(s->scratch);
	memcpy(s->scratch, c->in.data, n);
	struct http_req req;
	int head = http_parse_head(s->scratch, n, &req);
	if (head == 0)
		return false;
	if (head < 0) {
		conn_error(c, -head);
		return true;
	}
	if (req.content_length > HTTP_MAX_BODY) {
		conn_error(c, 413);
		return true;
	}
	size_t total = (size_t)head + (size_t)req.content_length;
	if (c->in.len < total)
		return false;
	if (!req.keep_alive)
		c->close_after = true;
	struct http_reply rep = { .status = 200, .type = "text/plain; charset=utf-8" };
	s->fn(s->ctx, &req, &rep);
	conn_write_reply(c, &req, &rep);
	buf_free(&rep.headers);
	buf_free(&rep.body);
	buf_consume(&c->in, total);
	return true;
}

/* Write what is pending; once all is out, the connection is closed or
 * waits for its next request. */
static void conn_flush(struct http_conn *c)
{
	while (c->out.len) {
		ssize_t w = send(c->io.fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			conn_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)w);
		if (!c->out.len)
			/* One cycle done: the next request gets a fresh deadline. */
			loop_timer_arm(c->srv->loop, &c->deadline, HTTP_CYCLE_MS);
	}
	if (!c->out.len && (c->close_after || (c->peer_done && !c->in.len))) {
		conn_close(c);
		return;
	}
	conn_update(c);
}

/* Answer the next request if it has arrived. */
static void conn_process(struct http_conn *c)
{
	if (c->out.len || c->close_after)
		return;
	c->need_more = !conn_answer_one(c);
	if (c->need_more && c->peer_done) {
		conn_close(c); /* half a request, and the client is done */
		return;
	}
	conn_flush(c);
}

/* Read what is there, up to one request's worth. */
static bool conn_read(struct http_conn *c)
{
	const size_t cap = HTTP_MAX_HEAD + HTTP_MAX_BODY;
	while (c->in.len < cap) {
		buf_reserve(&c->in, cap - c->in.len);
		ssize_t r = recv(c->io.fd, c->in.data + c->in.len, cap - c->in.len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			return false;
		if (r == 0) {
			c->peer_done = true;
			break;
		}
		c->in.len += (size_t)r;
		c->in.data[c->in.len] = '\0';
	}
	return true;
}

static void on_conn(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	struct http_conn *c = io->ctx;
	if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(c); /* reset, or closed both ways: no one to answer */
		return;
	}
	if (events & EPOLLIN) {
		if (!conn_read(c)) {
			conn_close(c);
			return;
		}
		c->need_more = false;
	}
	if (c->out.len)
		conn_flush(c);
	else
		conn_process(c);
}

static void on_accept(struct loop *l, struct io *io, uint32_t events)
{
	(void)events;
	struct http_server *s = io->ctx;
	for (;;) {
		int fd = accept_next(io->fd);
		if (fd < 0) {
			if (errno != EAGAIN)
				dlog_warn("web: accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= HTTP_MAX_CONNS) {
			refuse_conn(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
					"Connection: close\r\n\r\n");
			continue;
		}
		struct http_conn *c = xcalloc(1, sizeof(*c));
		c->srv = s;
		io_init(&c->io, fd, on_conn, c);
		timer_init(&c->deadline, on_deadline, c);
		if (loop_io_add(l, &c->io, EPOLLIN) < 0) {
			close(fd);
			free(c);
			continue;
		}
		loop_timer_arm(l, &c->deadline, HTTP_CYCLE_MS);
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

struct http_server *http_listen(struct loop *l, const struct hostport *addr, http_handler fn,
				void *ctx, char *err, size_t errlen)
{
	char where[80];
	hostport_format(addr, where, sizeof(where));
	int fd = socket(addr->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (const struct sockaddr *)&addr->sa, addr->len) < 0 ||
	    listen(fd, 128) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct http_server *s = http_adopt(l, fd, fn, ctx);
	if (!s)
		snprintf(err, errlen, "cannot watch %s: %s", where, strerror(errno));
	return s;
}

struct http_server *http_adopt(struct loop *l, int fd, http_handler fn, void *ctx)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->fn = fn;
	s->ctx = ctx;
	s->addr.len = sizeof(s->addr.sa);
	getsockname(fd, (struct sockaddr *)&s->addr.sa, &s->addr.len);
	io_init(&s->io, fd, on_accept, s);
	if (loop_io_add(l, &s->io, EPOLLIN) < 0) {
		int e = errno;
		close(fd);
		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

int http_fd(const struct http_server *s)
{
	return s->io.fd;
}

void http_close(struct http_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	loop_io_del(s->loop, &s->io);
	close(s->io.fd);
	loop_defer_free(s->loop, s);
}

const struct hostport *http_address(const struct http_server *s)
{
	return &s->addr;
}
