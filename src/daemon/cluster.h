/* cluster: the listening sockets the daemon holds for an app, so that every
 * worker serves the same socket and a worker going away never closes it.
 * Sockets from the app's "listen" key (or, for non-Node apps in cluster
 * mode, "port"/PORT) are bound before any worker starts and handed over as
 * systemd socket activation (LISTEN_FDS). Node workers ask for theirs with
 * `server.listen()` (queryServer on the IPC channel): bound on first use,
 * like Node's own primary does. All of them stay open until the app is
 * deleted. Not here: the IPC channel itself (nodeipc.c). */
#ifndef PM2_CLUSTER_H
#define PM2_CLUSTER_H

#include "daemon.h"

/* Most sockets one app may hold (configured and asked for by workers). */
#define CLUSTER_MAX_SOCKETS 64

/* Bind the app's configured addresses that are not bound yet and close
 * those no longer configured. 1 if the app had no sockets before, 0 if it
 * had, -1 with err filled (nothing changed). */
int cluster_open(struct daemon *d, const struct app_conf *c, char *err, size_t errlen);
/* Close every socket of the app (it is gone). */
void cluster_close(struct daemon *d, const char *name);
void cluster_close_all(struct daemon *d);
/* The configured sockets, in "listen" order: fds 3, 4, ... of a worker. */
size_t cluster_listen_fds(struct daemon *d, const char *name, int *fds, size_t max);
bool cluster_has_sockets(struct daemon *d, const char *name);

/* A Node worker's queryServer: find or bind the socket it asks for.
 * Returns a socket fd (ours: do not close) or a negative errno; *key gets
 * Node's handle key, *data the server data to echo (owned by us). */
int cluster_node_query(struct daemon *d, const struct app_conf *c, const cJSON *msg, char **key,
		       const cJSON **data, bool *dgram);

/* An in-place update: the sockets as JSON (keep() makes each fd survive
 * the exec and returns it), and back. */
cJSON *cluster_save(struct daemon *d, int (*keep)(void *, int), void *ctx);
void cluster_restore(struct daemon *d, const cJSON *apps);

#endif
