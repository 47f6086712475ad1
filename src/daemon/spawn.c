/* spawn: see spawn.h. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Variables PM2 sets for its apps, on top of the app's env. A variable the
 * app's env already has is overridden, as in PM2. */
static char **instance_envp(struct daemon *d, struct instance *in)
{
	const struct app_conf *c = in->conf;
	size_t base = 0;
	while (c->envp[base])
		base++;
	char *extra[20];
	size_t n = 0;
	extra[n++] = xasprintf("pm_id=%d", in->pm_id);
	extra[n++] = xasprintf("name=%s", c->name);
	extra[n++] = xasprintf("namespace=%s", c->namespace);
	extra[n++] = xasprintf("%s=%d", c->instance_var, in->instance_index);
	extra[n++] = xasprintf("pm_exec_path=%s", c->script);
	extra[n++] = xasprintf("pm_cwd=%s", c->cwd);
	extra[n++] = xasprintf("pm_out_log_path=%s", in->out_path);
	extra[n++] = xasprintf("pm_err_log_path=%s", in->err_path);
	extra[n++] = xasprintf("pm_pid_path=%s", in->pid_path);
	extra[n++] = xasprintf("exec_mode=%s", c->cluster ? "cluster_mode" : "fork_mode");
	extra[n++] = xasprintf("restart_time=%d", in->restart_time);
	extra[n++] = xasprintf("PM2_HOME=%s", d->paths.home);
	extra[n++] = xasprintf("PM2_USAGE=CLI");
	if (c->privs.set_user) {
		/* The app's user, not ours. */
		extra[n++] = xasprintf("USER=%s", c->privs.username);
		extra[n++] = xasprintf("LOGNAME=%s", c->privs.username);
		if (c->privs.home)
			extra[n++] = xasprintf("HOME=%s", c->privs.home);
	}

	char **envp = xcalloc(base + n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < base; i++) {
		const char *eq = strchr(c->envp[i], '=');
		size_t klen = eq ? (size_t)(eq - c->envp[i]) : strlen(c->envp[i]);
		bool overridden = false;
		for (size_t j = 0; j < n && !overridden; j++)
			overridden = strncmp(extra[j], c->envp[i], klen) == 0 &&
				     extra[j][klen] == '=';
		if (!overridden)
			envp[k++] = c->envp[i];
	}
	for (size_t j = 0; j < n; j++)
		envp[k++] = extra[j];
	/* The extras are owned by the array from here: remember where. */
	envp[k] = NULL;
	return envp;
}

static void free_instance_envp(struct instance *in, char **envp)
{
	for (char **p = envp; *p; p++) {
		bool borrowed = false;
		for (char **b = in->conf->envp; *b && !borrowed; b++)
			borrowed = *b == *p;
		if (!borrowed)
			free(*p);
	}
	free(envp);
}

static void child_fail(const char *what, const char *path, int code)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "pm2: cannot %s %s: %s\n", what, path,
			 strerror(errno));
	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(code);
}

static void close_other_fds(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
	struct rlimit rl;
	long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : 1024;
	for (long fd = 3; fd < max; fd++)
		close((int)fd);
}

pid_t spawn_instance(struct daemon *d, struct instance *in, int out_fd, int err_fd)
{
	const struct app_conf *c = in->conf;
	char **envp = instance_envp(d, in);

	pid_t pid = fork();
	if (pid != 0) {
		int e = errno;
		free_instance_envp(in, envp);
		errno = e;
		return pid;
	}

	/* Child: from here only async-signal-safe calls. */
	setsid();
	sigset_t none;
	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0 && devnull != 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	close_other_fds();

	char why[256];
	if (privs_apply(&c->privs, why, sizeof(why)) < 0) {
		char msg[400];
		int m = snprintf(msg, sizeof(msg), "pm2: cannot drop privileges: %s\n", why);
		(void)!write(2, msg, (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1);
		_exit(126);
	}
	if (chdir(c->cwd) < 0)
		child_fail("chdir to", c->cwd, 126);
	execve(c->exec_path, c->argv, envp);
	child_fail("execute", c->exec_path, errno == ENOENT ? 127 : 126);
	return -1;
}
