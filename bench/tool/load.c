/* load: a closed-loop HTTP/1.1 load on 127.0.0.1, bounded in time and in
 * requests. `--conns` connections each send GET / and wait for the whole
 * response before the next. A request fails when its connection is
 * refused or reset, or closes before a complete 200 response. With
 * `--close 1` every request takes a new connection, so a listening
 * socket that goes away between two workers shows as failures.
 * SIGTERM or SIGINT end it early, still printing the counts, so a caller
 * can keep a load running exactly as long as something else takes.
 * Prints "<ok> <failed> <elapsed_us>". */
#define _GNU_SOURCE
#include "bt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOAD_MAX_CONNS 256
/* After a failure a connection waits this long before trying again, so
 * a port with nobody behind it is not hammered in a tight loop. */
#define LOAD_RETRY_MS 10

enum conn_state { C_WAIT, C_CONNECTING, C_READING };

struct conn {
	int fd;
	enum conn_state state;
	int64_t retry_at;
	size_t len;
	char buf[4096];
};

struct load {
	int ep;
	struct sockaddr_in addr;
	bool close_each;
	long long ok, failed;
	struct conn conns[LOAD_MAX_CONNS];
};

static const char *request(const struct load *l)
{
	return l->close_each ? "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
			     : "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

static void conn_close(struct load *l, struct conn *c, bool failed)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->state = C_WAIT;
	c->retry_at = failed ? now_ns() + LOAD_RETRY_MS * 1000000LL : 0;
	if (failed)
		l->failed++;
}

static void conn_open(struct load *l, struct conn *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_close(l, c, true);
		return;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0 &&
	    errno != EINPROGRESS) {
		conn_close(l, c, true);
		return;
	}
	c->state = C_CONNECTING;
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	epoll_ctl(l->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_send(struct load *l, struct conn *c)
{
	const char *req = request(l);
	size_t n = strlen(req);
	if (send(c->fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
		conn_close(l, c, true);
		return;
	}
	c->state = C_READING;
	c->len = 0;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* 1: a complete 200 response; 0: not yet; -1: not a 200. */
static int response_done(struct conn *c)
{
	c->buf[c->len] = '\0';
	char *end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return c->len >= sizeof(c->buf) - 1 ? -1 : 0;
	if (strncmp(c->buf, "HTTP/1.1 200", 12) && strncmp(c->buf, "HTTP/1.0 200", 12))
		return -1;
	const char *cl = strcasestr(c->buf, "\r\ncontent-length:");
	size_t body = cl && cl < end ? (size_t)atol(cl + 17) : 0;
	return c->len >= (size_t)(end + 4 - c->buf) + body ? 1 : 0;
}

static void on_event(struct load *l, struct conn *c, uint32_t events)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err || (events & (EPOLLERR | EPOLLHUP)))
			conn_close(l, c, true);
		else
			conn_send(l, c);
		return;
	}
	ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r <= 0) {
		conn_close(l, c, true);
		return;
	}
	c->len += (size_t)r;
	int done = response_done(c);
	if (done < 0) {
		conn_close(l, c, true);
		return;
	}
	if (!done)
		return;
	l->ok++;
	if (l->close_each)
		conn_close(l, c, false);
	else
		conn_send(l, c);
}

static volatile sig_atomic_t load_stop;

static void on_stop(int sig)
{
	(void)sig;
	load_stop = 1;
}

/* Milliseconds until the deadline or the first retry, whichever is first. */
static int next_wait(struct load *l, int n, int64_t deadline)
{
	int64_t now = now_ns(), next = deadline;
	for (int i = 0; i < n; i++) {
		struct conn *c = &l->conns[i];
		if (c->state != C_WAIT)
			continue;
		if (c->retry_at <= now)
			conn_open(l, c);
		else if (c->retry_at < next)
			next = c->retry_at;
	}
	int64_t ms = (next - now_ns() + 999999) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

int cmd_load(int argc, char **argv)
{
	struct opt opts[] = {OPT("port"), OPT("conns"), OPT("ms"),
			     OPT("max"),  OPT("close"), OPT_END};
	char **rest;
	if (opts_parse(argc, argv, opts, &rest) < 0 || !opt_str(opts, "port"))
		return bt_usage("load --port P [--conns C] [--ms D] [--max N] [--close 1]");
	static struct load l;
	int n = (int)opt_num(opts, "conns", 8);
	if (n < 1 || n > LOAD_MAX_CONNS)
		return bt_usage("load: 1 <= conns <= 256");
	long long max = opt_num(opts, "max", 10000000);
	l.close_each = opt_num(opts, "close", 0) != 0;
	l.addr.sin_family = AF_INET;
	l.addr.sin_port = htons((uint16_t)opt_num(opts, "port", 0));
	l.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < n; i++)
		l.conns[i] = (struct conn){.fd = -1, .state = C_WAIT};

	/* No SA_RESTART: the signal interrupts epoll_wait. */
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int64_t t0 = now_ns();
	int64_t deadline = t0 + opt_num(opts, "ms", 5000) * 1000000;
	struct epoll_event evs[64];
	while (!load_stop && now_ns() < deadline && l.ok + l.failed < max) {
		int k = epoll_wait(l.ep, evs, 64, next_wait(&l, n, deadline));
		for (int i = 0; i < k; i++)
			on_event(&l, evs[i].data.ptr, evs[i].events);
	}
	int64_t t1 = now_ns();
	printf("%lld %lld %lld\n", l.ok, l.failed, (long long)((t1 - t0) / 1000));
	return 0;
}
