/* gitinfo: what PM2 shows as an app's "revision control metadata" — remote
 * url, branch, revision, its comment and date — read from .git directly:
 * no git binary, no child process. Handles loose and packed refs and
 * objects, delta-compressed commits in packs, and worktrees (a .git file).
 * The repository is untrusted input: every read is bounded. */
#ifndef PM2_GITINFO_H
#define PM2_GITINFO_H

struct git_info {
	char *root;        /* top of the work tree */
	char *url;         /* remote.origin.url, NULL if none */
	char *branch;      /* "HEAD" when detached */
	char *revision;    /* commit id, NULL in an empty repository */
	char *comment;     /* its message, NULL if unreadable */
	char *update_time; /* committer date as git's %cI: 2024-05-01T12:34:56+02:00 */
};

/* Is dir (or a folder above it) a git checkout? 0 and *gi filled if so,
 * -1 if not. */
int git_info_read(const char *dir, struct git_info *gi);
void git_info_free(struct git_info *gi);

#endif
