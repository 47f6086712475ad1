/* spawn: fork and exec one instance. The child starts clean: its own
 * session and process group, default signal mask and dispositions, stdin
 * on /dev/null, stdout/stderr on the given pipes, and of our fds only the
 * ones it is given on purpose: listening sockets from fd 3 on (systemd
 * socket activation: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), then a
 * Node IPC channel (NODE_CHANNEL_FD). */
#ifndef PM2_SPAWN_H
#define PM2_SPAWN_H

#include "daemon.h"

/* Most listening sockets one worker is given. */
#define SPAWN_MAX_LISTEN_FDS 64

struct spawn_io {
	int out_fd, err_fd;
	const int *listen_fds; /* become fds 3, 4, ... */
	size_t nlisten;
	int ipc_fd;            /* Node IPC channel after them, -1 if none */
	int worker_id;         /* NODE_UNIQUE_ID (a Node cluster worker), 0 if not */
	const char *node_preload; /* `node --require` this first, or NULL */
};

/* The child's pid, or -1 with errno set (fork failed). Exec failures
 * happen in the child: it prints why on stderr and exits 126 or 127. */
pid_t spawn_instance(struct daemon *d, struct instance *in, const struct spawn_io *io);

#endif
