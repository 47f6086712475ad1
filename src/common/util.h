/* util: the small primitives both sides share — a growable byte buffer,
 * clocks, fd flags, whole writes, path and string helpers.
 * Nothing here knows about apps, the daemon or the CLI. */
#ifndef PM2_UTIL_H
#define PM2_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A growable byte buffer; always NUL-terminated after any append. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n); /* drop n bytes from the front */
/* Append p[0..n) as a quoted JSON string (escaping quotes, backslashes and
 * control characters; other bytes pass through). */
void buf_json_str(struct buf *b, const char *p, size_t n);
/* Append one code point as UTF-8. */
void buf_put_utf8(struct buf *b, uint32_t cp);
void buf_reset(struct buf *b);

/* Allocation that cannot fail: on exhaustion we abort, because every
 * caller would otherwise need a path that cannot be tested. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Clocks in milliseconds: monotonic for timers, wall for what users see. */
int64_t mono_ms(void);
int64_t wall_ms(void);

int fd_set_nonblock(int fd, bool on);
struct msghdr;
/* The fds a recvmsg() brought (SCM_RIGHTS): the first `max` go into
 * `fds`, the others are closed. How many were stored. */
size_t cmsg_take_fds(struct msghdr *mh, int *fds, size_t max);
int fd_set_cloexec(int fd, bool on);
/* accept4() the next connection, non-blocking and close-on-exec, past
 * EINTR and connections aborted while queued. -1 with errno EAGAIN once
 * none is waiting. */
int accept_next(int listen_fd);
/* Refuse an accepted connection: one best-effort line, then close. */
void refuse_conn(int fd, const char *msg);
/* Write all of p, retrying on EINTR and short writes (blocking fds). */
int write_all(int fd, const void *p, size_t n);
/* A number as JavaScript's String() writes it ("0.1", "42", "1e+21"): the
 * shortest of 15, 16 or 17 digits that reads back exactly. PM2 turns env
 * values and message fields into text this way. (Integers between 2^53
 * and 1e21 keep every digit, where JS writes zeros after the 17th.) */
void js_number(double v, char *out, size_t n);
/* Bytes as lowercase hex (a new string), and back into out (room for
 * strlen(h) / 2 bytes); the count is returned. */
char *hex_encode(const char *p, size_t n);
size_t hex_decode(const char *h, char *out);
/* Read a whole file into memory (NUL-terminated); NULL with errno set. */
char *read_file(const char *path, size_t *len_out, size_t max);

int mkdir_p(const char *path, mode_t mode);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
bool str_is_uint(const char *s);
/* Is name one of the names in list, separated by sep ("ls|list|l")? */
bool name_in_list(const char *list, char sep, const char *name);
const char *path_basename(const char *p);
/* Absolute, normalised (no . or ..) path of p relative to cwd. Caller frees. */
char *path_absolute(const char *cwd, const char *p);
bool file_exists(const char *path);
/* Find an executable named `name` on the colon-separated `path_env`. */
char *path_search(const char *name, const char *path_env);

#endif
