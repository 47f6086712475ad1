/* gitinfo: see gitinfo.h. Formats as git documents them: gitrepository-
 * layout(5) for where things are, gitformat-pack(5) for pack and index
 * files and deltas. */
#define _GNU_SOURCE
#include "gitinfo.h"
#include "inflate.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GIT_SHA_HEX 40
#define GIT_SHA_RAW 20
/* No commit, ref file or config we read is anywhere near these. */
#define GIT_OBJECT_MAX (4u * 1024 * 1024)
#define GIT_TEXT_MAX (1u * 1024 * 1024)
#define GIT_REF_DEPTH 5
#define GIT_DELTA_DEPTH 64
/* A pack entry is read through a window that grows up to this. */
#define GIT_WINDOW_MIN (64u * 1024)
#define GIT_WINDOW_MAX (16u * 1024 * 1024)

enum obj_type { OBJ_COMMIT = 1, OBJ_TREE, OBJ_BLOB, OBJ_TAG, OBJ_OFS_DELTA = 6, OBJ_REF_DELTA };

struct repo {
	char *gitdir; /* HEAD lives here */
	char *common; /* refs, objects and config live here (differs for a worktree) */
};

struct object {
	int type;
	uint8_t *data;
	size_t len;
};

static char *read_text(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *s = read_file(path, NULL, GIT_TEXT_MAX);
	free(path);
	return s;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* A .git file ("gitdir: <path>") points at the real one. */
static char *follow_gitfile(const char *top, const char *dotgit)
{
	char *s = read_file(dotgit, NULL, 4096);
	if (!s || !str_starts(s, "gitdir: ")) {
		free(s);
		return NULL;
	}
	chomp(s);
	char *dir = path_absolute(top, s + 8);
	free(s);
	return dir;
}

/* dir or the nearest folder above it with a .git. */
static char *find_top(const char *dir, struct repo *r)
{
	char *top = path_absolute("/", dir);
	for (;;) {
		char *dotgit = xasprintf("%s%s.git", top, strcmp(top, "/") ? "/" : "");
		struct stat st;
		if (stat(dotgit, &st) == 0) {
			r->gitdir = S_ISDIR(st.st_mode) ? xstrdup(dotgit) : follow_gitfile(top, dotgit);
			free(dotgit);
			return top;
		}
		free(dotgit);
		char *slash = strrchr(top, '/');
		if (!slash || strcmp(top, "/") == 0) {
			free(top);
			return NULL;
		}
		if (slash == top)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

static bool is_hex_sha(const char *s)
{
	for (int i = 0; i < GIT_SHA_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A ref in packed-refs: "<sha> <name>" lines. */
static char *packed_ref(const struct repo *r, const char *name)
{
	char *s = read_text(r->common, "packed-refs");
	char *found = NULL;
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > GIT_SHA_HEX + 1 && is_hex_sha(line) && line[GIT_SHA_HEX] == ' ' &&
		    strcmp(line + GIT_SHA_HEX + 1, name) == 0)
			found = xstrndup(line, GIT_SHA_HEX);
	free(s);
	return found;
}

/* The commit id a ref points to, following symbolic refs. */
static char *resolve_ref(const struct repo *r, const char *name, int depth)
{
	if (depth > GIT_REF_DEPTH || strstr(name, ".."))
		return NULL;
	char *s = read_text(r->gitdir, name);
	if (!s && strcmp(r->gitdir, r->common))
		s = read_text(r->common, name);
	if (!s)
		return packed_ref(r, name);
	chomp(s);
	char *sha = NULL;
	if (str_starts(s, "ref: "))
		sha = resolve_ref(r, s + 5, depth + 1);
	else if (strlen(s) == GIT_SHA_HEX && is_hex_sha(s))
		sha = xstrdup(s);
	free(s);
	return sha;
}

/* remote.origin.url from the config file. */
static char *origin_url(const struct repo *r)
{
	char *s = read_text(r->common, "config");
	char *url = NULL;
	bool in_origin = false;
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '[') {
			in_origin = strncmp(line, "[remote \"origin\"]", 17) == 0;
			continue;
		}
		char *eq = strchr(line, '=');
		if (!in_origin || !eq || strncasecmp(line, "url", 3) != 0)
			continue;
		char *k = line + 3;
		while (k < eq && (*k == ' ' || *k == '\t'))
			k++;
		if (k != eq)
			continue;
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		chomp(v);
		size_t n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
			v[n - 1] = '\0', v++;
		free(url);
		url = xstrdup(v);
	}
	free(s);
	return url;
}

/* ---- objects ---- */

static int hex_value(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void sha_to_raw(const char *hex, uint8_t *raw)
{
	for (int i = 0; i < GIT_SHA_RAW; i++)
		raw[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
}

static void sha_to_hex(const uint8_t *raw, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < GIT_SHA_RAW; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[GIT_SHA_HEX] = '\0';
}

static int read_object(const struct repo *r, const char *sha, struct object *obj, int depth);

/* objects/xx/yyyy...: zlib("<type> <size>\0<data>"). */
static int read_loose(const struct repo *r, const char *sha, struct object *obj)
{
	char *path = xasprintf("%s/objects/%.2s/%s", r->common, sha, sha + 2);
	size_t n;
	uint8_t *z = (uint8_t *)read_file(path, &n, GIT_OBJECT_MAX);
	free(path);
	if (!z)
		return -1;
	uint8_t *raw;
	size_t len, used;
	int rc = zlib_inflate(z, n, GIT_OBJECT_MAX, &raw, &len, &used);
	free(z);
	if (rc != INFLATE_OK)
		return -1;
	static const char *const names[] = { "commit ", "tree ", "blob ", "tag " };
	uint8_t *nul = memchr(raw, '\0', len);
	obj->type = 0;
	for (int i = 0; i < 4 && nul; i++)
		if (str_starts((char *)raw, names[i]))
			obj->type = i + 1;
	if (!obj->type) {
		free(raw);
		return -1;
	}
	obj->len = len - (size_t)(nul + 1 - raw);
	obj->data = xmalloc(obj->len + 1);
	memcpy(obj->data, nul + 1, obj->len);
	obj->data[obj->len] = '\0';
	free(raw);
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool pread_all(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off) == (ssize_t)n;
}

/* Where an object is in the pack of a version 2 index: binary search in
 * the names between the fan-out bounds of its first byte. */
static int idx_find(int fd, const uint8_t *sha, uint64_t *offset)
{
	uint8_t hdr[8 + 256 * 4];
	if (!pread_all(fd, hdr, sizeof(hdr), 0) || be32(hdr) != 0xff744f63 || be32(hdr + 4) != 2)
		return -1;
	const uint8_t *fan = hdr + 8;
	uint32_t total = be32(fan + 255 * 4);
	uint32_t lo = sha[0] ? be32(fan + (sha[0] - 1) * 4) : 0, hi = be32(fan + sha[0] * 4);
	if (hi > total || lo > hi)
		return -1;
	const off_t names = (off_t)sizeof(hdr);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint8_t name[GIT_SHA_RAW];
		if (!pread_all(fd, name, sizeof(name), names + (off_t)mid * GIT_SHA_RAW))
			return -1;
		int c = memcmp(sha, name, GIT_SHA_RAW);
		if (c < 0) {
			hi = mid;
			continue;
		}
		if (c > 0) {
			lo = mid + 1;
			continue;
		}
		off_t offs = names + (off_t)total * (GIT_SHA_RAW + 4);
		uint8_t b[8];
		if (!pread_all(fd, b, 4, offs + (off_t)mid * 4))
			return -1;
		uint32_t o = be32(b);
		if (!(o & 0x80000000u)) {
			*offset = o;
			return 0;
		}
		/* Past 2 GiB: an index into the table of 8-byte offsets. */
		if (!pread_all(fd, b, 8, offs + (off_t)total * 4 + (off_t)(o & 0x7fffffffu) * 8))
			return -1;
		*offset = (uint64_t)be32(b) << 32 | be32(b + 4);
		return 0;
	}
	return -1;
}

/* A git delta: copy ranges of the base and insert literal bytes. */
static int apply_delta(const struct object *base, const uint8_t *d, size_t n, struct object *out)
{
	size_t pos = 0;
	uint64_t size[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		for (int shift = 0; pos < n; shift += 7) {
			uint8_t c = d[pos++];
			if (shift < 64)
				size[k] |= (uint64_t)(c & 0x7f) << shift;
			if (!(c & 0x80))
				break;
		}
	}
	if (size[0] != base->len || size[1] > GIT_OBJECT_MAX)
		return -1;
	out->type = base->type;
	out->len = (size_t)size[1];
	out->data = xmalloc(out->len + 1);
	size_t o = 0;
	while (pos < n) {
		uint8_t op = d[pos++];
		size_t off = 0, len = 0;
		if (op & 0x80) {
			for (int i = 0; i < 7; i++) {
				if (!(op & (1 << i)))
					continue;
				if (pos >= n)
					goto bad;
				if (i < 4)
					off |= (size_t)d[pos++] << (8 * i);
				else
					len |= (size_t)d[pos++] << (8 * (i - 4));
			}
			if (!len)
				len = 0x10000;
			if (off > base->len || len > base->len - off || len > out->len - o)
				goto bad;
			memcpy(out->data + o, base->data + off, len);
		} else if (op) {
			len = op;
			if (len > n - pos || len > out->len - o)
				goto bad;
			memcpy(out->data + o, d + pos, len);
			pos += len;
		} else {
			goto bad;
		}
		o += len;
	}
	if (o != out->len)
		goto bad;
	out->data[o] = '\0';
	return 0;
bad:
	free(out->data);
	out->data = NULL;
	return -1;
}

static int read_packed(const struct repo *r, int fd, uint64_t offset, struct object *obj,
		       int depth);

/* Resolve a delta entry: read its base, then apply. */
static int undelta(const struct repo *r, int fd, int type, uint64_t base_off, const char *base_sha,
		   const uint8_t *delta, size_t n, struct object *obj, int depth)
{
	struct object base = { 0 };
	int rc = type == OBJ_OFS_DELTA ? read_packed(r, fd, base_off, &base, depth + 1)
				       : read_object(r, base_sha, &base, depth + 1);
	if (rc < 0)
		return -1;
	rc = apply_delta(&base, delta, n, obj);
	free(base.data);
	return rc;
}

/* One pack entry: a header (type, size), for deltas where the base is,
 * then zlib data. The entry is read through a window grown until the zlib
 * stream fits in it. */
static int read_packed(const struct repo *r, int fd, uint64_t offset, struct object *obj,
		       int depth)
{
	if (depth > GIT_DELTA_DEPTH)
		return -1;
	int rc = -1;
	for (size_t win = GIT_WINDOW_MIN; win <= GIT_WINDOW_MAX && rc == -1; win *= 4) {
		uint8_t *buf = xmalloc(win);
		ssize_t got = pread(fd, buf, win, (off_t)offset);
		size_t pos = 0, n = got > 0 ? (size_t)got : 0;
		int type = n ? (buf[0] >> 4) & 7 : 0;
		uint64_t size = n ? buf[0] & 15u : 0;
		for (int shift = 4; pos < n && (buf[pos] & 0x80); shift += 7)
			if (++pos < n && shift < 57)
				size |= (uint64_t)(buf[pos] & 0x7f) << shift;
		pos++;
		uint64_t base_off = 0;
		char base_sha[GIT_SHA_HEX + 1] = "";
		if (type == OBJ_OFS_DELTA && pos < n) {
			uint64_t back = buf[pos] & 0x7f;
			while (pos + 1 < n && (buf[pos] & 0x80) && back < (1ull << 56))
				back = ((back + 1) << 7) | (buf[++pos] & 0x7f);
			pos++;
			base_off = offset - back;
			if (back == 0 || back > offset)
				type = 0;
		} else if (type == OBJ_REF_DELTA && pos + GIT_SHA_RAW <= n) {
			sha_to_hex(buf + pos, base_sha);
			pos += GIT_SHA_RAW;
		}
		uint8_t *data;
		size_t len, used;
		int z = type && type != 5 && pos < n && size <= GIT_OBJECT_MAX
				? zlib_inflate(buf + pos, n - pos, (size_t)size, &data, &len, &used)
				: INFLATE_BAD;
		if (z == INFLATE_OK) {
			if (type == OBJ_OFS_DELTA || type == OBJ_REF_DELTA) {
				rc = undelta(r, fd, type, base_off, base_sha, data, len, obj, depth)
					     ? -2 : 0;
				free(data);
			} else {
				obj->type = type;
				obj->data = data;
				obj->len = len;
				rc = 0;
			}
		} else if (z != INFLATE_SHORT || n < win) {
			rc = -2; /* broken, not just cut by the window */
		}
		free(buf);
	}
	return rc == 0 ? 0 : -1;
}

static int read_from_packs(const struct repo *r, const char *sha, struct object *obj, int depth)
{
	char *dirpath = xasprintf("%s/objects/pack", r->common);
	DIR *dir = opendir(dirpath);
	uint8_t raw[GIT_SHA_RAW];
	sha_to_raw(sha, raw);
	int rc = -1;
	struct dirent *de;
	while (dir && rc < 0 && (de = readdir(dir))) {
		if (!str_ends(de->d_name, ".idx"))
			continue;
		char *idx = xasprintf("%s/%s", dirpath, de->d_name);
		char *pack = xasprintf("%.*s.pack", (int)(strlen(idx) - 4), idx);
		int ifd = open(idx, O_RDONLY | O_CLOEXEC);
		uint64_t off;
		if (ifd >= 0 && idx_find(ifd, raw, &off) == 0) {
			int pfd = open(pack, O_RDONLY | O_CLOEXEC);
			if (pfd >= 0) {
				rc = read_packed(r, pfd, off, obj, depth);
				close(pfd);
			}
		}
		if (ifd >= 0)
			close(ifd);
		free(idx);
		free(pack);
	}
	if (dir)
		closedir(dir);
	free(dirpath);
	return rc;
}

static int read_object(const struct repo *r, const char *sha, struct object *obj, int depth)
{
	if (depth > GIT_DELTA_DEPTH)
		return -1;
	return read_loose(r, sha, obj) == 0 ? 0 : read_from_packs(r, sha, obj, depth);
}

/* ---- the commit ---- */

/* "committer Name <mail> 1714560896 +0200" as %cI shows it. */
static char *committer_date(const char *line)
{
	const char *gt = strrchr(line, '>');
	if (!gt)
		return NULL;
	char *end;
	long long t = strtoll(gt + 1, &end, 10);
	while (*end == ' ')
		end++;
	int tz = (int)strtol(end, NULL, 10);
	int minutes = (tz / 100) * 60 + tz % 100;
	time_t local = (time_t)(t + (long long)minutes * 60);
	struct tm tm;
	if (!gmtime_r(&local, &tm))
		return NULL;
	int a = minutes < 0 ? -minutes : minutes;
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, minutes < 0 ? '-' : '+',
			 a / 60, a % 60);
}

static void parse_commit(const struct object *obj, struct git_info *gi)
{
	const char *s = (const char *)obj->data;
	const char *body = strstr(s, "\n\n");
	for (const char *line = s; line && line < (body ? body : s + obj->len);) {
		if (str_starts(line, "committer ")) {
			const char *nl = strchr(line, '\n');
			char *l = xstrndup(line, nl ? (size_t)(nl - line) : strlen(line));
			gi->update_time = committer_date(l);
			free(l);
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	gi->comment = xstrdup(body ? body + 2 : "");
}

int git_info_read(const char *dir, struct git_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	struct repo r = { 0 };
	gi->root = find_top(dir, &r);
	char *head = r.gitdir ? read_text(r.gitdir, "HEAD") : NULL;
	if (!gi->root || !head) {
		free(head);
		free(r.gitdir);
		git_info_free(gi);
		return -1;
	}
	char *common = read_text(r.gitdir, "commondir");
	if (common) {
		chomp(common);
		r.common = path_absolute(r.gitdir, common);
		free(common);
	} else {
		r.common = xstrdup(r.gitdir);
	}
	chomp(head);
	if (str_starts(head, "ref: ")) {
		const char *ref = head + 5;
		gi->branch = xstrdup(str_starts(ref, "refs/heads/") ? ref + 11 : ref);
		gi->revision = resolve_ref(&r, ref, 0);
	} else {
		gi->branch = xstrdup("HEAD");
		if (strlen(head) == GIT_SHA_HEX && is_hex_sha(head))
			gi->revision = xstrdup(head);
	}
	gi->url = origin_url(&r);
	struct object obj = { 0 };
	if (gi->revision && read_object(&r, gi->revision, &obj, 0) == 0 && obj.type == OBJ_COMMIT)
		parse_commit(&obj, gi);
	free(obj.data);
	free(head);
	free(r.gitdir);
	free(r.common);
	return 0;
}

void git_info_free(struct git_info *gi)
{
	free(gi->root);
	free(gi->url);
	free(gi->branch);
	free(gi->revision);
	free(gi->comment);
	free(gi->update_time);
	memset(gi, 0, sizeof(*gi));
}
