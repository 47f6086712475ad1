/* privs: see privs.h. */
#define _GNU_SOURCE
#include "privs.h"
#include "../common/util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* "net_bind_service" and "CAP_NET_BIND_SERVICE" both name the same one. */
static int cap_lookup(const char *name)
{
	char lower[64];
	const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name : NULL;
	snprintf(lower, sizeof(lower), "%s%s", n ? "" : "cap_", name);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cap_value_t v;
	if (cap_from_name(lower, &v) < 0)
		return -1;
	return (int)v;
}

bool privs_cap_valid(const char *name)
{
	return cap_lookup(name) >= 0;
}

static const char *key_text(const cJSON *v, char *tmp, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(tmp, n, "%lld", (long long)v->valuedouble);
		return tmp;
	}
	return NULL;
}

static int resolve_user(struct privs *p, const cJSON *uidv, const cJSON *gidv, char *err,
			size_t errlen)
{
	char tmp[32], gtmp[32];
	const char *u = key_text(uidv, tmp, sizeof(tmp));
	const char *g = key_text(gidv, gtmp, sizeof(gtmp));
	if (uidv && !u) {
		snprintf(err, errlen, "\"uid\" must be a user name or number");
		return -1;
	}
	if (gidv && !g) {
		snprintf(err, errlen, "\"gid\" must be a group name or number");
		return -1;
	}
	struct passwd *pw = NULL;
	if (u) {
		pw = str_is_uint(u) ? getpwuid((uid_t)strtoul(u, NULL, 10)) : getpwnam(u);
		if (!pw && !str_is_uint(u)) {
			snprintf(err, errlen, "user \"%s\" does not exist", u);
			return -1;
		}
		p->set_user = true;
		p->uid = pw ? pw->pw_uid : (uid_t)strtoul(u, NULL, 10);
		p->gid = pw ? pw->pw_gid : (gid_t)p->uid;
		p->username = xstrdup(pw ? pw->pw_name : u);
		p->home = pw && pw->pw_dir ? xstrdup(pw->pw_dir) : NULL;
	}
	if (g) {
		struct group *gr = str_is_uint(g) ? getgrgid((gid_t)strtoul(g, NULL, 10)) : getgrnam(g);
		if (!gr && !str_is_uint(g)) {
			snprintf(err, errlen, "group \"%s\" does not exist", g);
			return -1;
		}
		p->set_user = true;
		p->gid = gr ? gr->gr_gid : (gid_t)strtoul(g, NULL, 10);
		if (!u) {
			p->uid = geteuid();
			struct passwd *me = getpwuid(p->uid);
			p->username = xstrdup(me ? me->pw_name : "root");
		}
	}
	if (!p->set_user)
		return 0;
	/* Supplementary groups: the user's, as login would give them. */
	p->ngroups = PRIVS_MAX_GROUPS;
	if (!pw || getgrouplist(pw->pw_name, p->gid, p->groups, &p->ngroups) < 0) {
		p->groups[0] = p->gid;
		p->ngroups = 1;
	}
	if (geteuid() != 0 && (p->uid != geteuid() || p->gid != getegid())) {
		snprintf(err, errlen, "running an app as another user needs a root daemon");
		return -1;
	}
	return 0;
}

int privs_resolve(struct privs *p, const cJSON *spec, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	const cJSON *uidv = cJSON_GetObjectItemCaseSensitive(spec, "uid");
	const cJSON *gidv = cJSON_GetObjectItemCaseSensitive(spec, "gid");
	if (resolve_user(p, uidv, gidv, err, errlen) < 0)
		return -1;
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(spec, "capabilities");
	if (caps) {
		p->set_caps = true;
		for (const cJSON *e = caps->child; e; e = e->next) {
			int v = cJSON_IsString(e) ? cap_lookup(e->valuestring) : -1;
			if (v < 0) {
				snprintf(err, errlen, "unknown capability \"%s\"",
					 cJSON_IsString(e) ? e->valuestring : "?");
				return -1;
			}
			if (p->ncaps < PRIVS_MAX_CAPS)
				p->caps[p->ncaps++] = v;
		}
	}
	const cJSON *nnp = cJSON_GetObjectItemCaseSensitive(spec, "no_new_privs");
	p->no_new_privs = cJSON_IsTrue(nnp);
	return 0;
}

void privs_free(struct privs *p)
{
	free(p->username);
	free(p->home);
	p->username = p->home = NULL;
}

static bool wanted(const struct privs *p, int cap)
{
	for (int i = 0; i < p->ncaps; i++)
		if (p->caps[i] == cap)
			return true;
	return false;
}

static int fail(char *why, size_t n, const char *what)
{
	snprintf(why, n, "%s: %s", what, strerror(errno));
	return -1;
}

int privs_apply(const struct privs *p, char *why, size_t n)
{
	if (p->set_caps) {
		/* While still privileged: drop everything else from the bounding
		 * set, so nothing the app execs can regain it. */
		for (int cap = 0; cap_valid(cap); cap++)
			if (!wanted(p, cap) && cap_drop_bound((cap_value_t)cap) < 0 && errno != EINVAL)
				return fail(why, n, "cannot drop from the bounding set");
		if (p->set_user && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return fail(why, n, "cannot keep capabilities");
	}
	if (p->set_user) {
		if (setgroups((size_t)p->ngroups, p->groups) < 0)
			return fail(why, n, "setgroups");
		if (setgid(p->gid) < 0)
			return fail(why, n, "setgid");
		if (setuid(p->uid) < 0)
			return fail(why, n, "setuid");
		/* Checked: a partial drop must never exec. */
		if (getuid() != p->uid || geteuid() != p->uid || getgid() != p->gid ||
		    getegid() != p->gid) {
			errno = EPERM;
			return fail(why, n, "identity did not change");
		}
	}
	if (p->set_caps) {
		cap_t c = cap_init();
		cap_value_t list[PRIVS_MAX_CAPS];
		for (int i = 0; i < p->ncaps; i++)
			list[i] = (cap_value_t)p->caps[i];
		int rc = 0;
		if (p->ncaps) {
			rc |= cap_set_flag(c, CAP_PERMITTED, p->ncaps, list, CAP_SET);
			rc |= cap_set_flag(c, CAP_EFFECTIVE, p->ncaps, list, CAP_SET);
			rc |= cap_set_flag(c, CAP_INHERITABLE, p->ncaps, list, CAP_SET);
		}
		rc |= cap_set_proc(c);
		cap_free(c);
		if (rc < 0)
			return fail(why, n, "cannot set capabilities");
		/* Ambient: survives execve into an unprivileged program. */
		cap_reset_ambient();
		for (int i = 0; i < p->ncaps; i++)
			if (cap_set_ambient((cap_value_t)p->caps[i], CAP_SET) < 0)
				return fail(why, n, "cannot raise an ambient capability");
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(why, n, "no_new_privs");
	return 0;
}
