/* util: clocks, the FIFO report channel, spawning, flags. */
#define _GNU_SOURCE
#include "bt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Opened read-write: the FIFO then never reports EOF when the last app
 * closes it, and an app's non-blocking open always finds a reader. */
int fifo_open(struct fifo *f, const char *path)
{
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		fprintf(stderr, "benchtool: mkfifo %s: %s\n", path, strerror(errno));
		return -1;
	}
	f->len = 0;
	f->pidfd = -1;
	f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0)
		fprintf(stderr, "benchtool: open %s: %s\n", path, strerror(errno));
	return f->fd < 0 ? -1 : 0;
}

void fifo_watch(struct fifo *f, pid_t pid)
{
	f->pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

static int take_line(struct fifo *f, char *line, size_t size)
{
	char *nl = memchr(f->buf, '\n', f->len);
	if (!nl)
		return -1;
	size_t n = (size_t)(nl - f->buf);
	size_t copy = n < size - 1 ? n : size - 1;
	memcpy(line, f->buf, copy);
	line[copy] = '\0';
	f->len -= n + 1;
	memmove(f->buf, nl + 1, f->len);
	return 0;
}

int fifo_line(struct fifo *f, char *line, size_t size, int timeout_ms)
{
	int64_t end = now_ns() + (int64_t)timeout_ms * 1000000;
	while (take_line(f, line, size) < 0) {
		if (f->len == sizeof(f->buf))
			f->len = 0; /* a runaway line: drop it */
		int left = (int)((end - now_ns()) / 1000000);
		if (left <= 0)
			return -1;
		struct pollfd p[2] = {{.fd = f->fd, .events = POLLIN},
				      {.fd = f->pidfd, .events = POLLIN}};
		if (poll(p, f->pidfd >= 0 ? 2 : 1, left) <= 0)
			continue;
		ssize_t r = read(f->fd, f->buf + f->len, sizeof(f->buf) - f->len);
		if (r > 0)
			f->len += (size_t)r;
		else if (p[1].revents)
			return take_line(f, line, size); /* gone, and nothing left */
	}
	return 0;
}

int fifo_expect(struct fifo *f, const char *tag, int64_t a[2], int timeout_ms)
{
	int64_t end = now_ns() + (int64_t)timeout_ms * 1000000;
	char line[256];
	size_t tl = strlen(tag);
	for (;;) {
		int left = (int)((end - now_ns()) / 1000000);
		if (left <= 0 || fifo_line(f, line, sizeof(line), left) < 0)
			return -1;
		if (strncmp(line, tag, tl) || line[tl] != ' ')
			continue;
		long long x = 0, y = 0;
		sscanf(line + tl, "%lld %lld", &x, &y);
		a[0] = x;
		a[1] = y;
		return 0;
	}
}

void fifo_say(const char *path, const char *fmt, ...)
{
	if (!path)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || n >= (int)sizeof(line))
		return;
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

int kill_one(pid_t pid, int sig)
{
	if (pid <= 1) {
		fprintf(stderr, "benchtool: refusing to send signal %d to pid %d\n", sig, (int)pid);
		errno = ESRCH;
		return -1;
	}
	return kill(pid, sig);
}

pid_t spawn(char **argv)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "benchtool: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* A pidfd turns "exited yet?" into a poll with a timeout: no sleep loop,
 * and the exit is seen the moment it happens. */
int wait_child(pid_t pid, int timeout_ms)
{
	if (pid <= 0)
		return -1;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r;
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		close(pfd);
		if (r == 0) {
			kill_one(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int bt_usage(const char *synopsis)
{
	fprintf(stderr, "usage: benchtool %s\n", synopsis);
	return 2;
}

int opts_parse(int argc, char **argv, struct opt *opts, char ***rest)
{
	int i = 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		struct opt *o = opts;
		while (o->name && (strncmp(argv[i], "--", 2) || strcmp(argv[i] + 2, o->name)))
			o++;
		if (!o->name || i + 1 >= argc) {
			fprintf(stderr, "benchtool: unknown or incomplete option %s\n", argv[i]);
			return -1;
		}
		o->val = argv[++i];
	}
	*rest = argv + i;
	return argc - i;
}

const char *opt_str(const struct opt *opts, const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts->val;
	return NULL;
}

long long opt_num(const struct opt *opts, const char *name, long long def)
{
	const char *v = opt_str(opts, name);
	return v ? atoll(v) : def;
}
