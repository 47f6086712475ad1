/* proto: see proto.h. */
#define _GNU_SOURCE
#include "proto.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

char *proto_take_line(struct buf *in)
{
	if (!in->len)
		return NULL;
	char *nl = memchr(in->data, '\n', in->len);
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - in->data);
	char *line = xstrndup(in->data, n);
	buf_consume(in, n + 1);
	return line;
}

void proto_append(struct buf *out, const cJSON *msg)
{
	char *s = cJSON_PrintUnformatted(msg);
	if (!s)
		abort();
	buf_puts(out, s);
	buf_puts(out, "\n");
	cJSON_free(s);
}

int proto_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int proto_send(int fd, const cJSON *msg)
{
	struct buf b;
	buf_init(&b);
	proto_append(&b, msg);
	/* MSG_NOSIGNAL: a daemon that hung up (refused us) must give an error
	 * we can print, not a SIGPIPE that kills the CLI silently. */
	int rc = 0;
	for (size_t off = 0; off < b.len;) {
		ssize_t w = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	buf_free(&b);
	return rc;
}

cJSON *proto_recv(int fd, struct buf *in, int timeout_ms)
{
	for (;;) {
		char *line = proto_take_line(in);
		if (line) {
			cJSON *msg = cJSON_Parse(line);
			free(line);
			return msg;
		}
		if (in->len > PROTO_MAX_LINE)
			return NULL;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return NULL;
		buf_reserve(in, 65536);
		ssize_t r = read(fd, in->data + in->len, in->cap - in->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		in->len += (size_t)r;
		in->data[in->len] = '\0';
	}
}
