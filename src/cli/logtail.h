/* logtail: the last lines of an app's log files, and what is appended to
 * them while we watch (inotify wakes us; a rotation, i.e. a new inode,
 * or a flush, i.e. a shorter file, starts over from the new content).
 * Memory is bounded: a fixed number of lines of bounded length. */
#ifndef PM2_LOGTAIL_H
#define PM2_LOGTAIL_H

#include "../common/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum log_kind { LOG_OUT = 1, LOG_ERR = 2 };

struct log_line {
	char *text;
	enum log_kind kind;
};

struct log_file {
	char *path;
	enum log_kind kind;
	int fd, wd;
	ino_t ino;
	off_t off;
	struct buf partial; /* a line still without its newline */
};

struct logtail {
	int ifd; /* inotify */
	struct log_file files[2];
	size_t nfiles;
	struct log_line *ring;
	size_t cap, first, n;
};

void logtail_init(struct logtail *t, size_t keep_lines);
void logtail_free(struct logtail *t);
/* Show these files from now on (NULL or a non-regular file: none):
 * their last lines, then what they get. */
void logtail_follow(struct logtail *t, const char *out_path, const char *err_path);
/* Read what was appended; true if lines came. */
bool logtail_poll(struct logtail *t);
/* Readable when a followed file changed (then call logtail_poll). */
int logtail_fd(const struct logtail *t);
size_t logtail_count(const struct logtail *t);
/* Line i, 0 being the oldest kept. */
const struct log_line *logtail_line(const struct logtail *t, size_t i);

#endif
