/* notify: see notify.h. */
#define _GNU_SOURCE
#include "notify.h"
#include "log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* systemd reads at most this much of one notification. */
#define NOTIFY_MAX_DATAGRAM 4096

/* Does the datagram hold the line "READY=1"? */
static bool says_ready(const char *msg, size_t n)
{
	const char *p = msg, *end = msg + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (len == 7 && memcmp(p, "READY=1", 7) == 0)
			return true;
		p += len + 1;
	}
	return false;
}

/* The worker a sender belongs to: itself, or the session it runs in
 * (every worker leads its own session), e.g. a program a shell started. */
static pid_t worker_of(struct daemon *d, pid_t pid)
{
	if (pid <= 0 || proc_by_pid(d, pid))
		return pid;
	pid_t sid = getsid(pid);
	return sid > 0 ? sid : pid;
}

static pid_t sender_pid(struct msghdr *mh)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(mh); h; h = CMSG_NXTHDR(mh, h)) {
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(h), sizeof(cred));
			return cred.pid;
		}
	}
	return 0;
}

static void on_notify(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct daemon *d = io->ctx;
	for (;;) {
		char msg[NOTIFY_MAX_DATAGRAM];
		union {
			char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(16 * sizeof(int))];
			struct cmsghdr align;
		} cm;
		struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf)};
		ssize_t n = recvmsg(io->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		cmsg_take_fds(&mh, NULL, 0); /* we keep none */
		if ((size_t)n > sizeof(msg) || !says_ready(msg, (size_t)n))
			continue;
		pid_t pid = worker_of(d, sender_pid(&mh));
		if (pid > 0)
			supervise_worker_event(d, pid, WEV_READY);
	}
}

void notify_open(struct daemon *d)
{
	/* An abstract socket (NOTIFY_SOCKET=@...): apps running as another
	 * user reach it although PM2_HOME is 0700, and no file is left
	 * behind. Anyone may send to it; only our workers are listened to.
	 * The start time keeps two PID-1 supervisors sharing a network
	 * namespace (containers of one pod) apart. */
	char *name = xasprintf("pm2-notify-%d-%lld", (int)getpid(), (long long)wall_ms());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int one = 1;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	memcpy(sa.sun_path + 1, name, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto fail;
	io_init(&d->notify_io, fd, on_notify, d);
	if (loop_io_add(&d->loop, &d->notify_io, EPOLLIN) < 0)
		goto fail;
	d->notify_fd = fd;
	d->notify_path = xasprintf("@%s", name);
	free(name);
	return;
fail:
	dlog_warn("cannot open a socket for sd_notify readiness: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(name);
}

void notify_close(struct daemon *d)
{
	if (d->notify_fd < 0)
		return;
	loop_io_del(&d->loop, &d->notify_io);
	close(d->notify_fd);
	free(d->notify_path);
	d->notify_path = NULL;
	d->notify_fd = -1;
}

void notify_adopt(struct daemon *d, int fd, const char *path)
{
	fd_set_cloexec(fd, true);
	io_init(&d->notify_io, fd, on_notify, d);
	if (loop_io_add(&d->loop, &d->notify_io, EPOLLIN) < 0) {
		dlog_warn("cannot watch the sd_notify socket: %s", strerror(errno));
		close(fd);
		return;
	}
	d->notify_fd = fd;
	d->notify_path = xstrdup(path);
}
