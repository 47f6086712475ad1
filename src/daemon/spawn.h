/* spawn: fork and exec one instance. The child starts clean: its own
 * session and process group, default signal mask and dispositions, stdin
 * on /dev/null, stdout/stderr on the given pipes, no other fd of ours. */
#ifndef PM2_SPAWN_H
#define PM2_SPAWN_H

#include "daemon.h"

/* The child's pid, or -1 with errno set (fork failed). Exec failures
 * happen in the child: it prints why on stderr and exits 126 or 127. */
pid_t spawn_instance(struct daemon *d, struct instance *in, int out_fd, int err_fd);

#endif
