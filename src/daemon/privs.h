/* privs: who an app runs as and with which capabilities. Names are
 * resolved once, when the app's configuration is made (from /etc/passwd
 * and /etc/group); the child drops privileges just before exec, in the
 * textbook order: bounding set, setgroups, setgid, setuid, then the kept
 * capabilities become ambient. */
#ifndef PM2_PRIVS_H
#define PM2_PRIVS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PRIVS_MAX_CAPS 64
#define PRIVS_MAX_GROUPS 64

struct privs {
	bool set_user;          /* uid/user given */
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVS_MAX_GROUPS];
	int ngroups;
	char *username;         /* for the user column, USER and LOGNAME */
	char *home;             /* HOME, or NULL */
	bool set_caps;          /* "capabilities" given */
	int caps[PRIVS_MAX_CAPS];
	int ncaps;
	bool no_new_privs;
};

/* Read uid/user, gid, capabilities and no_new_privs from a spec.
 * -1 with a one-line reason (unknown user, bad capability, not root). */
int privs_resolve(struct privs *p, const cJSON *spec, char *err, size_t errlen);
void privs_free(struct privs *p);
/* Is this a valid capability name ("CAP_NET_BIND_SERVICE", "net_bind_service")? */
bool privs_cap_valid(const char *name);
/* In the child, before exec. -1 with the reason in `why` (then the child
 * must not exec). */
int privs_apply(const struct privs *p, char *why, size_t n);

#endif
