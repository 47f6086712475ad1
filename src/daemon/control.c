/* control: see control.h. */
#define _GNU_SOURCE
#include "control.h"
#include "log.h"
#include "../common/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How many CLI connections may be open at once; more are refused so a
 * flood cannot exhaust the daemon's fds. */
#define CONTROL_MAX_CLIENTS 256

static void client_update_events(struct client *c);

static int client_count(struct daemon *d)
{
	int n = 0;
	for (struct client *c = d->clients; c; c = c->next)
		n++;
	return n;
}

static void client_free(struct client *c)
{
	struct daemon *d = c->d;
	struct client **pp = &d->clients;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	if (c->sub)
		logs_client_gone(d, c);
	loop_io_del(&d->loop, &c->io);
	close(c->io.fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->wait_ids);
	cJSON_Delete(c->pending_reply);
	c->dead = true;
	loop_defer_free(&d->loop, c);
}

static void client_flush(struct client *c)
{
	while (c->out.len) {
		ssize_t w = send(c->io.fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			client_free(c);
			return;
		}
		buf_consume(&c->out, (size_t)w);
	}
	if (!c->out.len && c->exit_after_flush)
		c->d->loop.stop = true;
	if (!c->out.len && c->close_after_flush) {
		client_free(c);
		return;
	}
	client_update_events(c);
}

void client_send(struct client *c, const cJSON *msg)
{
	proto_append(&c->out, msg);
	client_flush(c);
}

void client_send_raw(struct client *c, const char *p, size_t n)
{
	buf_append(&c->out, p, n);
	client_flush(c);
}

static void handle_line(struct client *c, const char *line)
{
	cJSON *req = cJSON_Parse(line);
	cJSON *reply;
	if (!cJSON_IsObject(req)) {
		reply = cJSON_CreateObject();
		cJSON_AddFalseToObject(reply, "ok");
		cJSON_AddStringToObject(reply, "error", "request is not a JSON object");
	} else {
		reply = commands_dispatch(c->d, c, req);
	}
	cJSON_Delete(req);
	if (reply) {
		client_send(c, reply);
		cJSON_Delete(reply);
	}
}

static void client_process(struct client *c)
{
	char *line;
	while (!c->dead && !c->pending_reply && (line = proto_take_line(&c->in))) {
		handle_line(c, line);
		free(line);
	}
}

static void on_client(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	struct client *c = io->ctx;
	if (events & EPOLLOUT) {
		client_flush(c);
		if (c->dead)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		buf_reserve(&c->in, 65536);
		ssize_t r = read(io->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			/* The CLI went away (Ctrl-C): whatever it waited for
			 * carries on without it. */
			client_free(c);
			return;
		}
		c->in.len += (size_t)r;
		c->in.data[c->in.len] = '\0';
		if (c->in.len > PROTO_MAX_LINE && !memchr(c->in.data, '\n', c->in.len)) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddFalseToObject(e, "ok");
			cJSON_AddStringToObject(e, "error", "request too large");
			buf_reset(&c->in);
			c->close_after_flush = true;
			client_send(c, e);
			cJSON_Delete(e);
			return;
		}
		if (c->pending_reply)
			break;
	}
	client_process(c);
	if (!c->dead)
		client_update_events(c);
}

static void client_update_events(struct client *c)
{
	uint32_t ev = 0;
	if (!c->pending_reply && !c->close_after_flush)
		ev |= EPOLLIN;
	if (c->out.len)
		ev |= EPOLLOUT;
	loop_io_mod(&c->d->loop, &c->io, ev | EPOLLRDHUP);
}

/* Only root and the daemon's own user may talk to it. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void on_accept(struct loop *l, struct io *io, uint32_t events)
{
	(void)events;
	struct daemon *d = io->ctx;
	for (;;) {
		int fd = accept_next(io->fd);
		if (fd < 0) {
			if (errno != EAGAIN)
				dlog_warn("accept on control socket: %s", strerror(errno));
			return;
		}
		if (!peer_allowed(fd) || client_count(d) >= CONTROL_MAX_CLIENTS) {
			refuse_conn(fd, "{\"ok\":false,\"error\":\"permission denied or too many "
					"connections\"}\n");
			continue;
		}
		client_adopt(d, fd);
	}
}

struct client *client_adopt(struct daemon *d, int fd)
{
	struct client *c = xcalloc(1, sizeof(*c));
	c->d = d;
	buf_init(&c->in);
	buf_init(&c->out);
	io_init(&c->io, fd, on_client, c);
	if (loop_io_add(&d->loop, &c->io, EPOLLIN | EPOLLRDHUP) < 0) {
		close(fd);
		free(c);
		return NULL;
	}
	c->next = d->clients;
	d->clients = c;
	return c;
}

int control_adopt_listener(struct daemon *d, int fd)
{
	fd_set_cloexec(fd, true);
	d->listen_fd = fd;
	io_init(&d->listen_io, fd, on_accept, d);
	return loop_io_add(&d->loop, &d->listen_io, EPOLLIN);
}

int control_listen(struct daemon *d, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strncpy(sa.sun_path, d->paths.sock, sizeof(sa.sun_path) - 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* We hold the lock, so a socket file left here is stale. */
	unlink(d->paths.sock);
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 128) < 0) {
		close(fd);
		goto fail;
	}
	return control_adopt_listener(d, fd);
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", d->paths.sock, strerror(errno));
	return -1;
}

void control_close(struct daemon *d)
{
	/* The socket file goes first: a CLI that sees its connection close
	 * (`pm2 kill` waits for that) must find no socket left behind. */
	if (d->listen_fd >= 0) {
		loop_io_del(&d->loop, &d->listen_io);
		close(d->listen_fd);
		d->listen_fd = -1;
		unlink(d->paths.sock);
	}
	while (d->clients)
		client_free(d->clients);
}

static bool client_settled(struct client *c)
{
	for (size_t i = 0; i < c->nwait; i++) {
		struct instance *in = proc_find(c->d, c->wait_ids[i]);
		if (in && instance_busy(in))
			return false;
	}
	return true;
}

/* Send the held reply if everything it waits on has settled. */
static bool client_try_complete(struct client *c)
{
	if (!c->pending_reply || !client_settled(c))
		return false;
	cJSON *reply = c->pending_reply;
	c->pending_reply = NULL;
	free(c->wait_ids);
	c->wait_ids = NULL;
	c->nwait = 0;
	if (c->finalize)
		c->finalize(c->d, reply);
	c->finalize = NULL;
	client_send(c, reply);
	cJSON_Delete(reply);
	return true;
}

bool control_flushing(struct daemon *d)
{
	/* A `pm2 logs` viewer may never read: it does not hold us up. */
	for (struct client *c = d->clients; c; c = c->next)
		if (c->out.len && !c->sub)
			return true;
	return false;
}

void client_wait(struct client *c, cJSON *reply, const int *ids, size_t n)
{
	client_wait_then(c, reply, ids, n, NULL);
}

void client_wait_then(struct client *c, cJSON *reply, const int *ids, size_t n,
		      void (*finalize)(struct daemon *d, cJSON *reply))
{
	c->finalize = finalize;
	c->pending_reply = reply;
	free(c->wait_ids);
	c->wait_ids = xcalloc(n + 1, sizeof(int));
	if (n)
		memcpy(c->wait_ids, ids, n * sizeof(int));
	c->nwait = n;
	/* Already settled (nothing to wait for): answer now; the caller's
	 * loop goes on with the next request line. */
	if (!client_try_complete(c) && !c->dead)
		client_update_events(c);
}

void control_poke(struct daemon *d)
{
	struct client *next;
	for (struct client *c = d->clients; c; c = next) {
		next = c->next;
		if (!client_try_complete(c) || c->dead)
			continue;
		client_process(c);
		if (!c->dead)
			client_update_events(c);
	}
}
