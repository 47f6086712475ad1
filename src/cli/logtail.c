/* logtail: see logtail.h. */
#define _GNU_SOURCE
#include "logtail.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* Only the end of a file can be on screen: never read more than this
 * from it at once, skipping ahead when an app writes faster. */
#define LOGTAIL_WINDOW (64 * 1024)
/* A longer line is cut into pieces of this size. */
#define LOGTAIL_LINE_MAX 2048

void logtail_init(struct logtail *t, size_t keep_lines)
{
	memset(t, 0, sizeof(*t));
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	t->cap = keep_lines ? keep_lines : 1;
	t->ring = xcalloc(t->cap, sizeof(*t->ring));
}

static void push_line(struct logtail *t, const char *s, size_t len, enum log_kind kind)
{
	if (t->n == t->cap) {
		free(t->ring[t->first].text);
		t->first = (t->first + 1) % t->cap;
		t->n--;
	}
	struct log_line *l = &t->ring[(t->first + t->n) % t->cap];
	l->text = xstrndup(s, len);
	l->kind = kind;
	t->n++;
}

static void clear_lines(struct logtail *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->ring[(t->first + i) % t->cap].text);
	t->first = t->n = 0;
}

static void file_close(struct logtail *t, struct log_file *f)
{
	if (f->wd >= 0 && t->ifd >= 0)
		inotify_rm_watch(t->ifd, f->wd);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = f->wd = -1;
	buf_free(&f->partial);
}

static void unfollow(struct logtail *t)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		file_close(t, &t->files[i]);
		free(t->files[i].path);
	}
	t->nfiles = 0;
}

void logtail_free(struct logtail *t)
{
	unfollow(t);
	clear_lines(t);
	free(t->ring);
	if (t->ifd >= 0)
		close(t->ifd);
	t->ifd = -1;
}

/* Open (or reopen after a rotation) and watch; false if not a regular
 * file right now. */
static bool file_open(struct logtail *t, struct log_file *f)
{
	file_close(t, f);
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (f->fd < 0 || fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		file_close(t, f);
		return false;
	}
	f->ino = st.st_ino;
	f->off = 0;
	if (t->ifd >= 0)
		f->wd = inotify_add_watch(t->ifd, f->path, IN_MODIFY);
	return true;
}

/* Split data into lines; a line without its newline waits in partial. */
static bool take_lines(struct logtail *t, struct log_file *f, const char *p, size_t n)
{
	bool got = false;
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;
		size_t room = LOGTAIL_LINE_MAX - f->partial.len;
		size_t take = len < room ? len : room;
		buf_append(&f->partial, p, take);
		if (nl || f->partial.len >= LOGTAIL_LINE_MAX) {
			push_line(t, f->partial.data, f->partial.len, f->kind);
			buf_reset(&f->partial);
			got = true;
		}
		if (nl && take == len)
			take++; /* the newline */
		p += take;
		n -= take;
	}
	return got;
}

/* Read what the file got since last time; false if nothing. */
static bool file_read(struct logtail *t, struct log_file *f)
{
	struct stat st;
	if (stat(f->path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if ((f->fd < 0 || st.st_ino != f->ino) && !file_open(t, f))
		return false;
	if (st.st_size < f->off) { /* flushed */
		f->off = 0;
		buf_reset(&f->partial);
	}
	bool skipped = st.st_size - f->off > LOGTAIL_WINDOW;
	if (skipped) {
		f->off = st.st_size - LOGTAIL_WINDOW;
		buf_reset(&f->partial);
	}
	static char chunk[LOGTAIL_WINDOW];
	ssize_t r = pread(f->fd, chunk, sizeof(chunk), f->off);
	if (r <= 0)
		return false;
	f->off += r;
	const char *p = chunk;
	size_t n = (size_t)r;
	/* Starting mid-file: the first line is a piece of one, drop it. */
	const char *nl = skipped ? memchr(p, '\n', n) : NULL;
	if (nl) {
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return take_lines(t, f, p, n);
}

static int64_t mtime_ns(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

void logtail_follow(struct logtail *t, const char *out_path, const char *err_path)
{
	unfollow(t);
	clear_lines(t);
	const char *paths[2] = { out_path, err_path };
	for (int i = 0; i < 2; i++) {
		if (!paths[i] || (i == 1 && out_path && strcmp(out_path, err_path) == 0))
			continue;
		struct log_file *f = &t->files[t->nfiles++];
		memset(f, 0, sizeof(*f));
		f->path = xstrdup(paths[i]);
		f->kind = i == 0 ? LOG_OUT : LOG_ERR;
		f->fd = f->wd = -1;
		buf_init(&f->partial);
	}
	/* How the two files' past lines interleaved is lost: show first the
	 * file written to less recently, so the newest lines end up last. */
	size_t order[2] = { 0, 1 };
	if (t->nfiles == 2 && mtime_ns(t->files[1].path) < mtime_ns(t->files[0].path))
		order[0] = 1, order[1] = 0;
	for (size_t i = 0; i < t->nfiles; i++)
		file_read(t, &t->files[order[i]]);
}

bool logtail_poll(struct logtail *t)
{
	char ev[4096];
	while (t->ifd >= 0 && read(t->ifd, ev, sizeof(ev)) > 0)
		;
	bool got = false;
	for (size_t i = 0; i < t->nfiles; i++)
		got |= file_read(t, &t->files[i]);
	return got;
}

int logtail_fd(const struct logtail *t)
{
	return t->ifd;
}

size_t logtail_count(const struct logtail *t)
{
	return t->n;
}

const struct log_line *logtail_line(const struct logtail *t, size_t i)
{
	return i < t->n ? &t->ring[(t->first + i) % t->cap] : NULL;
}
