/* nodeipc: the daemon's end of a Node worker's IPC channel
 * (NODE_CHANNEL_FD), speaking what Node's own primary speaks: one JSON
 * message per line, file descriptors riding along with SCM_RIGHTS. Fork
 * mode apps get it for process.send('ready') and the "shutdown" message;
 * cluster workers (NODE_UNIQUE_ID) also get their listening sockets
 * through it (queryServer) and are retired with act:"disconnect".
 * The protocol is written up in /work/shared/NODE-CLUSTER.md. */
#ifndef PM2_NODEIPC_H
#define PM2_NODEIPC_H

#include "daemon.h"

/* A new channel for a worker of `c` that is about to be spawned.
 * *child_fd is the worker's end (CLOEXEC; spawn moves it into place). */
struct nodeipc *nodeipc_new(struct daemon *d, struct app_conf *c, bool cluster_worker,
			    int *child_fd);
/* The worker exists now: its pid names it in events. */
void nodeipc_started(struct nodeipc *ipc, pid_t pid);
void nodeipc_free(struct daemon *d, struct nodeipc *ipc);

bool nodeipc_open(const struct nodeipc *ipc);
bool nodeipc_cluster_worker(const struct nodeipc *ipc);
/* process.on('message') gets "shutdown" (PM2's shutdown_with_message). */
void nodeipc_send_shutdown(struct nodeipc *ipc);
/* The cluster worker closes its servers, lets its connections end, then
 * closes the channel: the graceful way out, no request lost. */
void nodeipc_send_disconnect(struct nodeipc *ipc);

/* The path of the keep-alive drain preload (written into PM2_HOME if it is
 * missing or stale) for `node --require`, or NULL if it cannot be written
 * (the worker then runs without it). Caller frees. */
char *nodeipc_drain_preload(struct daemon *d);

/* An in-place update: is a message in flight (then wait)? The channel as
 * JSON (keep() makes its fd survive the exec), and back. */
bool nodeipc_busy(const struct nodeipc *ipc);
cJSON *nodeipc_save(const struct nodeipc *ipc, int (*keep)(void *, int), void *ctx);
struct nodeipc *nodeipc_restore(struct daemon *d, struct app_conf *c, const cJSON *o);

#endif
