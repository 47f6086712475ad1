/* paths: see paths.h. */
#define _GNU_SOURCE
#include "paths.h"
#include "util.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char *default_home(void)
{
	const char *h = getenv("HOME");
	if (!h || !*h) {
		struct passwd *pw = getpwuid(getuid());
		h = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.pm2", strcmp(h, "/") == 0 ? "" : h);
}

int paths_init(struct pm2_paths *p, char *err, unsigned errlen)
{
	const char *env = getenv("PM2_HOME");
	char *home = env && *env ? xstrdup(env) : default_home();
	if (home[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		char *abs = path_absolute(cwd ? cwd : "/", home);
		free(cwd);
		free(home);
		home = abs;
	}
	size_t n = strlen(home);
	while (n > 1 && home[n - 1] == '/')
		home[--n] = '\0';

	p->home = home;
	p->sock = xasprintf("%s/rpc.sock", home);
	p->logs = xasprintf("%s/logs", home);
	p->pids = xasprintf("%s/pids", home);
	p->daemon_log = xasprintf("%s/pm2.log", home);
	p->daemon_pid = xasprintf("%s/pm2.pid", home);
	p->lock = xasprintf("%s/pm2.lock", home);

	struct sockaddr_un sa;
	if (strlen(p->sock) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen,
			 "PM2_HOME %s is too long: the socket path must stay under %zu bytes",
			 home, sizeof(sa.sun_path));
		return -1;
	}
	return 0;
}

void paths_free(struct pm2_paths *p)
{
	free(p->home);
	free(p->sock);
	free(p->logs);
	free(p->pids);
	free(p->daemon_log);
	free(p->daemon_pid);
	free(p->lock);
	memset(p, 0, sizeof(*p));
}

int paths_make_dirs(const struct pm2_paths *p)
{
	if (mkdir_p(p->home, 0700) < 0)
		return -1;
	if (mkdir_p(p->logs, 0755) < 0)
		return -1;
	return mkdir_p(p->pids, 0755);
}
