/* control: the daemon's side of the control socket — accepting CLI
 * connections, reading request lines, writing replies, and holding a reply
 * back until the instances it waits on have settled. */
#ifndef PM2_CONTROL_H
#define PM2_CONTROL_H

#include "daemon.h"

struct client {
	struct io io;
	struct daemon *d;
	struct buf in, out;
	/* A request waiting for instances to settle, and its reply. */
	int *wait_ids;
	size_t nwait;
	cJSON *pending_reply;
	/* Completes the held reply when it is sent (e.g. failures found on
	 * the way); NULL if the reply is sent as it is. */
	void (*finalize)(struct daemon *d, cJSON *reply);
	bool close_after_flush;
	bool exit_after_flush; /* `kill`: the daemon leaves once this is sent */
	bool dead;
	struct log_sub *sub;   /* `pm2 logs`: this client receives a stream */
	struct client *next;
};

/* Hold `reply` until every id in `ids` is settled (or gone). Takes
 * ownership of reply. */
void client_wait(struct client *c, cJSON *reply, const int *ids, size_t n);
/* A connection we already hold (accepted, or carried over an update). */
struct client *client_adopt(struct daemon *d, int fd);
/* The listening control socket we already hold (an update carried it). */
int control_adopt_listener(struct daemon *d, int fd);
/* The same, and `finalize` sees the reply just before it is sent. */
void client_wait_then(struct client *c, cJSON *reply, const int *ids, size_t n,
		      void (*finalize)(struct daemon *d, cJSON *reply));
/* Queue a reply line. */
void client_send(struct client *c, const cJSON *msg);
/* Queue bytes that already are complete JSON lines. */
void client_send_raw(struct client *c, const char *p, size_t n);

#endif
