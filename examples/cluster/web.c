/* A C HTTP app for cluster mode: the listening sockets are fds 3, 4, ...
 * (systemd socket activation, shared by every worker), READY=1 goes to
 * $NOTIFY_SOCKET once it serves, and SIGINT/SIGTERM end it after the
 * request in hand. Without LISTEN_FDS it binds 127.0.0.1:$PORT itself.
 * Build: make build/examples/web-c (static, a few KB). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS 8

/* How many sockets we were given (fds 3...), or 0. */
static int passed_sockets(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || atol(pid) != (long)getpid())
		return 0;
	int n = atoi(fds);
	return n > MAX_SOCKETS ? MAX_SOCKETS : n < 0 ? 0 : n;
}

static int own_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = {
	    .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)atoi(getenv("PORT") ? getenv("PORT") : "8082")),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 511) < 0) {
		perror("listen");
		exit(1);
	}
	return fd;
}

/* sd_notify(3) in a few lines: one datagram to $NOTIFY_SOCKET. */
static void sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sendto(fd, state, strlen(state), 0, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
}

static void serve(int conn)
{
	struct timeval tv = {.tv_sec = 5};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char req[4096];
	size_t got = 0;
	while (got < sizeof(req) - 1) {
		ssize_t n = read(conn, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char body[32], resp[160];
	int blen = snprintf(body, sizeof(body), "pid %d\n", (int)getpid());
	int rlen = snprintf(resp, sizeof(resp),
			    "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			    blen, body);
	(void)!send(conn, resp, (size_t)rlen, MSG_NOSIGNAL); /* the client may be gone */
}

int main(void)
{
	struct pollfd p[MAX_SOCKETS + 1];
	int n = passed_sockets();
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = 3 + i, .events = POLLIN};
	if (!n)
		p[n++] = (struct pollfd){.fd = own_socket(), .events = POLLIN};
	/* Shared with the other workers: a connection another worker took
	 * first must not leave this one blocked in accept(). */
	for (int i = 0; i < n; i++)
		fcntl(p[i].fd, F_SETFL, fcntl(p[i].fd, F_GETFL) | O_NONBLOCK);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	sd_notify("READY=1");
	printf("c worker %d serving\n", (int)getpid());
	fflush(stdout);
	p[n] = (struct pollfd){.fd = sfd, .events = POLLIN};
	for (;;) {
		if (poll(p, (nfds_t)n + 1, -1) < 0 && errno != EINTR)
			return 1;
		if (p[n].revents) {
			printf("c worker %d stopping\n", (int)getpid());
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			int conn = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue; /* EAGAIN: a sibling took it */
			serve(conn);
			close(conn);
		}
	}
}
