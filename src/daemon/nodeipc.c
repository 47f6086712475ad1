/* nodeipc: see nodeipc.h. */
#define _GNU_SOURCE
#include "nodeipc.h"
#include "cluster.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A line longer than this is dropped (a runaway process.send()). */
#define IPC_MAX_LINE (1024 * 1024)
/* Bytes we queue for a worker that does not read; past this the channel
 * is closed, as Node would block the sender. */
#define IPC_MAX_QUEUED (4 * 1024 * 1024)
/* Descriptors received and not yet matched to a NODE_HANDLE line. */
#define IPC_MAX_FDS 16
/* Node's sender retries a NACKed handle this many times. */
#define IPC_HANDLE_TRIES 3

struct ipc_out {
	struct ipc_out *next;
	char *data;
	size_t len, off;
	int fd; /* a handle to pass with the first byte, or -1 (our dup) */
	bool fd_sent;
	int tries;
};

struct nodeipc {
	struct io io;
	struct daemon *d;
	struct app_conf *conf;
	pid_t pid;
	bool cluster;  /* NODE_UNIQUE_ID: a cluster worker */
	bool closed;   /* EOF or error: nothing more in or out */
	bool dead;     /* freed (memory kept until the end of the round) */
	bool skipping; /* dropping the rest of an oversized line */
	double seq;
	struct buf in;
	int rx_fds[IPC_MAX_FDS];
	size_t nrx;
	struct ipc_out *out, **out_tail;
	size_t queued;
	struct ipc_out *awaiting; /* a handle sent, NODE_HANDLE_ACK not yet */
};

static void on_channel(struct loop *l, struct io *io, uint32_t events);

struct nodeipc *nodeipc_new(struct daemon *d, struct app_conf *c, bool cluster_worker,
			    int *child_fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	struct nodeipc *ipc = xcalloc(1, sizeof(*ipc));
	ipc->d = d;
	ipc->conf = app_conf_ref(c);
	ipc->cluster = cluster_worker;
	ipc->out_tail = &ipc->out;
	buf_init(&ipc->in);
	fd_set_nonblock(sv[0], true);
	io_init(&ipc->io, sv[0], on_channel, ipc);
	if (loop_io_add(&d->loop, &ipc->io, EPOLLIN) < 0) {
		close(sv[0]);
		close(sv[1]);
		app_conf_unref(c);
		free(ipc);
		return NULL;
	}
	*child_fd = sv[1];
	return ipc;
}

void nodeipc_started(struct nodeipc *ipc, pid_t pid)
{
	if (ipc)
		ipc->pid = pid;
}

bool nodeipc_open(const struct nodeipc *ipc)
{
	return ipc && !ipc->closed;
}

bool nodeipc_cluster_worker(const struct nodeipc *ipc)
{
	return ipc && ipc->cluster;
}

static void out_free(struct ipc_out *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->data);
	free(m);
}

static void channel_close(struct nodeipc *ipc)
{
	if (ipc->closed)
		return;
	ipc->closed = true;
	loop_io_del(&ipc->d->loop, &ipc->io);
	close(ipc->io.fd);
	for (size_t i = 0; i < ipc->nrx; i++)
		close(ipc->rx_fds[i]);
	ipc->nrx = 0;
	while (ipc->out) {
		struct ipc_out *m = ipc->out;
		ipc->out = m->next;
		out_free(m);
	}
	ipc->out_tail = &ipc->out;
	ipc->queued = 0;
	if (ipc->awaiting)
		out_free(ipc->awaiting);
	ipc->awaiting = NULL;
	buf_free(&ipc->in);
}

void nodeipc_free(struct daemon *d, struct nodeipc *ipc)
{
	if (!ipc)
		return;
	channel_close(ipc);
	app_conf_unref(ipc->conf);
	ipc->dead = true;
	loop_defer_free(&d->loop, ipc);
}

/* Tell the supervisor; the channel may be freed by what follows. */
static void emit(struct nodeipc *ipc, enum worker_event ev)
{
	if (ipc->pid > 0)
		supervise_worker_event(ipc->d, ipc->pid, ev);
}

static void closed_by_peer(struct nodeipc *ipc)
{
	channel_close(ipc);
	emit(ipc, WEV_CHANNEL_CLOSED);
}

/* --- sending ---------------------------------------------------------- */

static void update_events(struct nodeipc *ipc)
{
	if (ipc->closed)
		return;
	uint32_t ev = EPOLLIN;
	if (ipc->out && !ipc->awaiting)
		ev |= EPOLLOUT;
	loop_io_mod(&ipc->d->loop, &ipc->io, ev);
}

/* One sendmsg of the head message; the handle goes with its first byte,
 * in the same write, as libuv's uv_write2 does. */
static ssize_t send_head(struct nodeipc *ipc, struct ipc_out *m)
{
	struct iovec iov = {.iov_base = m->data + m->off, .iov_len = m->len - m->off};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	if (m->fd >= 0 && !m->fd_sent) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &m->fd, sizeof(int));
	}
	return sendmsg(ipc->io.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void flush(struct nodeipc *ipc)
{
	while (!ipc->closed && ipc->out && !ipc->awaiting) {
		struct ipc_out *m = ipc->out;
		ssize_t n = send_head(ipc, m);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			closed_by_peer(ipc);
			return;
		}
		if (m->fd >= 0)
			m->fd_sent = true;
		m->off += (size_t)n;
		if (m->off < m->len)
			continue;
		ipc->out = m->next;
		if (!ipc->out)
			ipc->out_tail = &ipc->out;
		ipc->queued -= m->len;
		/* Like Node's sender: nothing else goes out until the
		 * receiver has acknowledged the handle. */
		if (m->fd >= 0)
			ipc->awaiting = m;
		else
			out_free(m);
	}
	update_events(ipc);
}

static void queue_line(struct nodeipc *ipc, char *text, int fd, bool front)
{
	if (ipc->closed) {
		free(text);
		return;
	}
	size_t n = strlen(text);
	if (ipc->queued + n + 1 > IPC_MAX_QUEUED) {
		dlog_warn("App [%s] worker %d does not read its IPC channel: closing it",
			  ipc->conf->name, (int)ipc->pid);
		free(text);
		closed_by_peer(ipc);
		return;
	}
	struct ipc_out *m = xcalloc(1, sizeof(*m));
	m->data = xrealloc(text, n + 2);
	m->data[n] = '\n';
	m->data[n + 1] = '\0';
	m->len = n + 1;
	m->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (front) {
		m->next = ipc->out;
		ipc->out = m;
		if (!m->next)
			ipc->out_tail = &m->next;
	} else {
		*ipc->out_tail = m;
		ipc->out_tail = &m->next;
	}
	ipc->queued += m->len;
}

static void send_json(struct nodeipc *ipc, const cJSON *msg, int fd)
{
	queue_line(ipc, cJSON_PrintUnformatted(msg), fd, false);
	flush(ipc);
}

/* {"cmd":"NODE_CLUSTER", ...fields, "seq":n}, taking `fields`. */
static void send_cluster(struct nodeipc *ipc, cJSON *fields)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "cmd", "NODE_CLUSTER");
	for (cJSON *f = fields->child; f; f = fields->child)
		cJSON_AddItemToObject(m, f->string, cJSON_DetachItemViaPointer(fields, f));
	cJSON_AddNumberToObject(m, "seq", ipc->seq++);
	cJSON_Delete(fields);
	send_json(ipc, m, -1);
	cJSON_Delete(m);
}

void nodeipc_send_shutdown(struct nodeipc *ipc)
{
	if (!nodeipc_open(ipc))
		return;
	queue_line(ipc, xstrdup("\"shutdown\""), -1, false);
	flush(ipc);
}

void nodeipc_send_disconnect(struct nodeipc *ipc)
{
	if (!nodeipc_open(ipc) || !ipc->cluster)
		return;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "act", "disconnect");
	send_cluster(ipc, f);
}

/* --- receiving -------------------------------------------------------- */

static void handle_ack(struct nodeipc *ipc, bool ok)
{
	struct ipc_out *m = ipc->awaiting;
	if (!m)
		return;
	ipc->awaiting = NULL;
	if (ok || ++m->tries >= IPC_HANDLE_TRIES) {
		if (!ok)
			dlog_warn("App [%s] worker %d refused a socket %d times", ipc->conf->name,
				  (int)ipc->pid, IPC_HANDLE_TRIES);
		out_free(m);
	} else {
		/* NACK: the fd did not arrive; send it all again. */
		m->off = 0;
		m->fd_sent = false;
		m->next = ipc->out;
		ipc->out = m;
		if (!m->next)
			ipc->out_tail = &m->next;
		ipc->queued += m->len;
	}
	flush(ipc);
}

/* server.listen() in a worker: hand over the socket, or an errno. */
static void on_query_server(struct nodeipc *ipc, const cJSON *msg)
{
	char *key;
	const cJSON *data;
	bool dgram;
	int fd = cluster_node_query(ipc->d, ipc->conf, msg, &key, &data, &dgram);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(msg, "seq");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "cmd", "NODE_CLUSTER");
	cJSON_AddNumberToObject(r, "errno", fd < 0 ? fd : 0);
	cJSON_AddStringToObject(r, "key", key);
	cJSON_AddItemToObject(r, "ack", seq ? cJSON_Duplicate(seq, 1) : cJSON_CreateNull());
	cJSON_AddItemToObject(r, "data", data ? cJSON_Duplicate(data, 1) : cJSON_CreateNull());
	cJSON_AddNumberToObject(r, "seq", ipc->seq++);
	free(key);
	if (fd < 0) {
		dlog_warn("App [%s] worker %d: listen failed: %s", ipc->conf->name, (int)ipc->pid,
			  strerror(-fd));
		send_json(ipc, r, -1);
		cJSON_Delete(r);
		return;
	}
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "cmd", "NODE_HANDLE");
	cJSON_AddStringToObject(h, "type", dgram ? "dgram.Native" : "net.Native");
	cJSON_AddItemToObject(h, "msg", r);
	send_json(ipc, h, fd);
	cJSON_Delete(h);
}

static void on_cluster(struct nodeipc *ipc, const cJSON *msg)
{
	const cJSON *actv = cJSON_GetObjectItemCaseSensitive(msg, "act");
	const char *act = cJSON_IsString(actv) ? actv->valuestring : "";
	if (strcmp(act, "queryServer") == 0) {
		on_query_server(ipc, msg);
	} else if (strcmp(act, "listening") == 0) {
		emit(ipc, WEV_LISTENING);
	} else if (strcmp(act, "exitedAfterDisconnect") == 0) {
		/* worker.disconnect() from the app: without this ack the
		 * worker waits forever. */
		cJSON *f = cJSON_CreateObject();
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(msg, "seq");
		cJSON_AddItemToObject(f, "ack", seq ? cJSON_Duplicate(seq, 1) : cJSON_CreateNull());
		send_cluster(ipc, f);
	}
	/* "online", "close" and acks of what we sent need no answer. */
}

/* Node's rule: an object whose cmd starts with NODE_ is internal. */
static const char *internal_cmd(const cJSON *msg)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(msg, "cmd");
	if (!cJSON_IsString(cmd) || strlen(cmd->valuestring) <= 5 ||
	    strncmp(cmd->valuestring, "NODE_", 5) != 0)
		return NULL;
	return cmd->valuestring;
}

static void on_message(struct nodeipc *ipc, const cJSON *msg, int depth)
{
	if (cJSON_IsString(msg)) {
		if (strcmp(msg->valuestring, "ready") == 0)
			emit(ipc, WEV_READY);
		return;
	}
	const char *cmd = internal_cmd(msg);
	if (!cmd)
		return; /* the app's own message (PM2's bus): not ours */
	if (strcmp(cmd, "NODE_HANDLE_ACK") == 0 || strcmp(cmd, "NODE_HANDLE_NACK") == 0) {
		handle_ack(ipc, strcmp(cmd, "NODE_HANDLE_ACK") == 0);
		return;
	}
	if (strcmp(cmd, "NODE_HANDLE") == 0) {
		/* The app sent us a handle: we keep none, but must ACK it or
		 * its channel stalls. */
		if (ipc->nrx) {
			close(ipc->rx_fds[0]);
			memmove(ipc->rx_fds, ipc->rx_fds + 1, --ipc->nrx * sizeof(int));
		}
		static const char ack[] = "{\"cmd\":\"NODE_HANDLE_ACK\"}";
		queue_line(ipc, xstrdup(ack), -1, false);
		flush(ipc);
		if (depth == 0 && !ipc->closed)
			on_message(ipc, cJSON_GetObjectItemCaseSensitive(msg, "msg"), 1);
		return;
	}
	if (strcmp(cmd, "NODE_CLUSTER") == 0)
		on_cluster(ipc, msg);
}

static void process_lines(struct nodeipc *ipc)
{
	char *nl;
	while (!ipc->closed && !ipc->dead && (nl = memchr(ipc->in.data, '\n', ipc->in.len))) {
		size_t n = (size_t)(nl - ipc->in.data);
		if (!ipc->skipping) {
			cJSON *msg = cJSON_ParseWithLength(ipc->in.data, n);
			if (msg)
				on_message(ipc, msg, 0);
			cJSON_Delete(msg);
		}
		ipc->skipping = false;
		if (ipc->closed || ipc->dead)
			return;
		buf_consume(&ipc->in, n + 1);
	}
	if (!ipc->closed && ipc->in.len > IPC_MAX_LINE) {
		dlog_warn("App [%s] worker %d sent a message over %d bytes: dropped",
			  ipc->conf->name, (int)ipc->pid, IPC_MAX_LINE);
		buf_reset(&ipc->in);
		ipc->skipping = true;
	}
}

static void read_channel(struct nodeipc *ipc)
{
	for (;;) {
		buf_reserve(&ipc->in, 65536);
		struct iovec iov = {.iov_base = ipc->in.data + ipc->in.len,
				    .iov_len = ipc->in.cap - ipc->in.len - 1};
		union {
			char buf[CMSG_SPACE(IPC_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} cm;
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf)};
		ssize_t n = recvmsg(ipc->io.fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* Idle channels hold no buffer: there may be hundreds. */
			if (!ipc->in.len)
				buf_free(&ipc->in);
			return;
		}
		if (n > 0)
			ipc->nrx += cmsg_take_fds(&mh, ipc->rx_fds + ipc->nrx, IPC_MAX_FDS - ipc->nrx);
		if (n <= 0) {
			closed_by_peer(ipc);
			return;
		}
		ipc->in.len += (size_t)n;
		ipc->in.data[ipc->in.len] = '\0';
		process_lines(ipc);
		if (ipc->closed || ipc->dead)
			return;
	}
}

static void on_channel(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	struct nodeipc *ipc = io->ctx;
	if (events & EPOLLOUT)
		flush(ipc);
	if (!ipc->closed && !ipc->dead && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		read_channel(ipc);
}

/* --- keep-alive drain preload ----------------------------------------- */

/* Loaded with --require into Node cluster workers. A retired worker's
 * servers are closed by Node's cluster "disconnect"; Node 19+ then also
 * cuts idle keep-alive connections, and a client that is sending on one
 * at that moment gets a reset. With this, what still arrives on them is
 * answered with "Connection: close", so every client leaves on its own
 * after a complete response. Nothing changes before close(). Measured:
 * keep-alive load through 3 reloads, 17 failed requests without it, 0
 * with it (PM2 7: 17). */
static const char drain_js[] =
    "'use strict';\n"
    "// Written by the pm2 daemon: keep-alive drain for retired cluster workers.\n"
    "const http = require('http');\n"
    "const draining = Symbol('pm2.draining');\n"
    "const proto = http.Server.prototype;\n"
    "const { close, closeIdleConnections, emit } = proto;\n"
    "proto.close = function () {\n"
    "  this[draining] = true;\n"
    "  return close.apply(this, arguments);\n"
    "};\n"
    "if (typeof closeIdleConnections === 'function')\n"
    "  proto.closeIdleConnections = function () {\n"
    "    if (!this[draining]) return closeIdleConnections.apply(this, arguments);\n"
    "  };\n"
    "proto.emit = function (event, req, res) {\n"
    "  if (event === 'request' && this[draining]) res.shouldKeepAlive = false;\n"
    "  return emit.apply(this, arguments);\n"
    "};\n";

char *nodeipc_drain_preload(struct daemon *d)
{
	char *path = xasprintf("%s/node-drain.cjs", d->paths.home);
	char *have = read_file(path, NULL, sizeof(drain_js) + 1);
	bool current = have && strcmp(have, drain_js) == 0;
	free(have);
	if (current)
		return path;
	/* Written aside and renamed: a worker starting now never reads half. */
	char *tmp = xasprintf("%s.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write_all(fd, drain_js, sizeof(drain_js) - 1) == 0;
	if (fd >= 0)
		close(fd);
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		dlog_warn("cannot write %s (%s): Node workers run without keep-alive draining",
			  path, strerror(errno));
		unlink(tmp);
		free(path);
		path = NULL;
	}
	free(tmp);
	return path;
}

/* --- carried over an in-place update (upgrade.c) ------------------------ */

bool nodeipc_busy(const struct nodeipc *ipc)
{
	/* A handle waiting for its ACK, or messages not yet written, would be
	 * lost with the old image: the update waits for a quiet channel. */
	return ipc && !ipc->closed && (ipc->awaiting || ipc->out || ipc->nrx || ipc->in.len);
}

cJSON *nodeipc_save(const struct nodeipc *ipc, int (*keep)(void *, int), void *ctx)
{
	if (!ipc || ipc->closed)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "fd", keep(ctx, ipc->io.fd));
	cJSON_AddNumberToObject(o, "pid", ipc->pid);
	cJSON_AddBoolToObject(o, "cluster", ipc->cluster);
	cJSON_AddNumberToObject(o, "seq", ipc->seq);
	return o;
}

struct nodeipc *nodeipc_restore(struct daemon *d, struct app_conf *c, const cJSON *o)
{
	struct nodeipc *ipc = xcalloc(1, sizeof(*ipc));
	ipc->d = d;
	ipc->conf = app_conf_ref(c);
	ipc->cluster = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cluster"));
	ipc->pid = (pid_t)cJSON_GetObjectItemCaseSensitive(o, "pid")->valuedouble;
	ipc->seq = cJSON_GetObjectItemCaseSensitive(o, "seq")->valuedouble;
	ipc->out_tail = &ipc->out;
	buf_init(&ipc->in);
	int fd = (int)cJSON_GetObjectItemCaseSensitive(o, "fd")->valuedouble;
	fd_set_cloexec(fd, true);
	io_init(&ipc->io, fd, on_channel, ipc);
	if (loop_io_add(&d->loop, &ipc->io, EPOLLIN) < 0) {
		close(fd);
		app_conf_unref(c);
		free(ipc);
		return NULL;
	}
	return ipc;
}
