/* log_sink: one file (or stream) the daemon writes app output into. Sinks
 * are shared by path, so merged instances and an out_file that is also
 * the error_file write through one fd, and reopen, truncate and rotate
 * act on one object.
 *
 * Nothing handed to a sink is dropped while it can still be written: when
 * the disk is full or a pipe is full, the rest is kept (`pending`), the
 * sink is blocked, and the readers feeding it stop reading their pipes
 * until it drains (output_resume), so a fast app is slowed by its own
 * pipe. A full disk is retried every SINK_RETRY_MS; a pipe or socket
 * waits for EPOLLOUT. Memory stays bounded: each reader adds at most one
 * chunk before it pauses. */
#ifndef PM2_LOG_SINK_H
#define PM2_LOG_SINK_H

#include "loop.h"
#include "../common/util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct daemon;

struct log_sink {
	char *path;        /* NULL: a stream we did not open (foreground stdout) */
	int fd;            /* -1: could not be opened (warned) */
	int refs;
	bool pollable;     /* a pipe or socket: EPOLLOUT says when it drains */
	int failing;       /* errno of the failure we warned about, 0 if none */
	struct buf pending;
	uint64_t size;     /* bytes in the file, for rotation */
	struct io io;
	struct timer retry;
	struct daemon *d;
	struct log_sink *next;
};

/* The sink for a file (opened for append, folders created), shared. */
struct log_sink *sink_get(struct daemon *d, const char *path);
/* A sink over an fd we were given (stdout/stderr in the foreground). */
struct log_sink *sink_stream(struct daemon *d, int fd);
void sink_put(struct daemon *d, struct log_sink *s);

/* Write (or keep) complete lines. */
void sink_write(struct daemon *d, struct log_sink *s, const struct iovec *iov, int n);
static inline bool sink_blocked(const struct log_sink *s) { return s && s->pending.len; }

/* Reopen the path (reloadLogs, rotation); with `truncate`, empty it
 * first (flush). On failure the old fd stays in use. -1 + errno. */
int sink_reopen(struct daemon *d, struct log_sink *s, bool truncate);
/* Reopen if the path no longer leads to our file (deleted or moved away
 * since): a restart then writes where the user looks, as PM2's does. */
void sink_follow_path(struct daemon *d, struct log_sink *s);
/* Where the file ends once what is held is written (for `pm2 logs`). */
uint64_t sink_end(const struct log_sink *s);
/* At exit: wait (blocking, at most timeout_ms) for pipes and sockets to
 * take what is held. A full disk is not waited for. */
void sinks_flush(struct daemon *d, int timeout_ms);

#endif
