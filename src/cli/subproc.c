/* subproc: run a helper program from the CLI — node to evaluate a
 * JavaScript ecosystem file, ssh, git and hooks to deploy — and wait for
 * it, optionally capturing what it writes on one fd, bounded in size and
 * time. This is the CLI's own business: apps are only ever started by
 * the daemon. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(const struct subproc *sp, int cap_w, int err_w)
{
	int in = sp->stdin_fd;
	if (in < 0)
		in = open("/dev/null", O_RDONLY);
	if (in > 0)
		dup2(in, 0);
	if (sp->quiet) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
	}
	if (cap_w >= 0) {
		dup2(cap_w, sp->capture_fd);
		fd_set_cloexec(sp->capture_fd, false);
	}
	if (sp->cwd && chdir(sp->cwd) < 0) {
		int e = errno;
		(void)!write(err_w, &e, sizeof(e));
		_exit(127);
	}
	execvp(sp->argv[0], sp->argv);
	int e = errno;
	(void)!write(err_w, &e, sizeof(e));
	_exit(127);
}

/* Read the capture pipe until EOF, the size limit or the deadline. */
static int collect(const struct subproc *sp, int fd, struct buf *out)
{
	int64_t deadline = sp->timeout_ms ? mono_ms() + sp->timeout_ms : 0;
	char chunk[4096];
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			int64_t left = deadline - mono_ms();
			if (left <= 0)
				return SUBPROC_TIMEOUT;
			wait_ms = (int)left;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return SUBPROC_TIMEOUT;
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (out->len + (size_t)n > sp->capture_max)
			return SUBPROC_TOO_BIG;
		buf_append(out, chunk, (size_t)n);
	}
}

int subproc_run(const struct subproc *sp, struct buf *out)
{
	int cap[2] = {-1, -1}, err[2];
	if (pipe2(err, O_CLOEXEC) < 0)
		return -1;
	if (sp->capture_fd > 0 && pipe2(cap, O_CLOEXEC) < 0) {
		close(err[0]);
		close(err[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		child(sp, cap[1], err[1]);
	close(err[1]);
	if (cap[1] >= 0)
		close(cap[1]);
	if (pid < 0) {
		close(err[0]);
		if (cap[0] >= 0)
			close(cap[0]);
		return -1;
	}
	int rc = 0;
	if (cap[0] >= 0) {
		rc = collect(sp, cap[0], out);
		close(cap[0]);
		if (rc < 0)
			kill(pid, SIGKILL);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int exec_errno = 0;
	ssize_t n = read(err[0], &exec_errno, sizeof(exec_errno));
	close(err[0]);
	if (n == (ssize_t)sizeof(exec_errno)) {
		errno = exec_errno;
		return -1;
	}
	if (rc < 0)
		return rc;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
