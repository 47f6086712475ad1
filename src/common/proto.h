/* proto: the control protocol's framing. One JSON object per line over a
 * unix stream socket; a request gets one reply line, or a stream of lines
 * (logs) that ends when the daemon closes or sends {"end":true}.
 * Requests: {"cmd":"<name>", ...}. Replies: {"ok":true, ...} or
 * {"ok":false,"error":"<one line>"}. */
#ifndef PM2_PROTO_H
#define PM2_PROTO_H

#include "util.h"
#include <cjson/cJSON.h>

/* A request larger than this is refused and the connection closed. */
#define PROTO_MAX_LINE (16u * 1024 * 1024)

/* Take the next complete line out of `in` (without the newline), or NULL
 * if none is complete yet. The caller frees the line. */
char *proto_take_line(struct buf *in);

/* Serialise `msg` as one line and append it to `out`. */
void proto_append(struct buf *out, const cJSON *msg);

/* Client side: connect to the socket at `path` (blocking). -1 + errno. */
int proto_connect(const char *path);
/* Send one request (blocking). */
int proto_send(int fd, const cJSON *msg);
/* Read the next reply line (blocking, with timeout_ms, -1 = none); NULL on
 * EOF, timeout or a line that is not JSON. `in` keeps leftover bytes. */
cJSON *proto_recv(int fd, struct buf *in, int timeout_ms);

#endif
