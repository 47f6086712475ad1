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

/* LISTEN_FDNAMES: systemd names each fd after its socket unit; ours are
 * named after the app (':' separates names, so it cannot be in one). */
static char *fd_names(const char *app, size_t n)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, ":");
		for (const char *p = app; *p; p++)
			buf_append(&b, *p == ':' ? "_" : p, 1);
	}
	return b.data ? b.data : xstrdup("");
}

/* Variables PM2 sets for its apps, on top of the app's env, and the ones
 * that describe the fds we pass. A variable the app's env already has is
 * overridden, as in PM2. LISTEN_PID is a slot the child fills in with its
 * own pid, which only it knows before exec. */
static char **instance_envp(struct daemon *d, struct instance *in, const struct spawn_io *io,
			    char **listen_pid_slot)
{
	const struct app_conf *c = in->conf;
	size_t base = 0;
	while (c->envp[base])
		base++;
	char *extra[40];
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
	if (c->increment_var)
		extra[n++] = xasprintf("%s=%lld", c->increment_var, in->increment_value);
	/* Only where READY=1 means something: other apps start clean. */
	if (d->notify_path && c->wait_ready)
		extra[n++] = xasprintf("NOTIFY_SOCKET=%s", d->notify_path);
	*listen_pid_slot = NULL;
	if (io->nlisten) {
		char *names = fd_names(c->name, io->nlisten);
		extra[n++] = xasprintf("LISTEN_FDS=%zu", io->nlisten);
		extra[n++] = xasprintf("LISTEN_FDNAMES=%s", names);
		extra[n++] = xasprintf("LISTEN_PID=%20s", "");
		*listen_pid_slot = extra[n - 1] + strlen("LISTEN_PID=");
		free(names);
	}
	if (io->ipc_fd >= 0) {
		extra[n++] = xasprintf("NODE_CHANNEL_FD=%zu", 3 + io->nlisten);
		extra[n++] = xasprintf("NODE_CHANNEL_SERIALIZATION_MODE=json");
		if (io->worker_id > 0)
			extra[n++] = xasprintf("NODE_UNIQUE_ID=%d", io->worker_id);
	}
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

/* Everything from fd `first` up is ours, not the app's. */
static void close_fds_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0)
		return;
	struct rlimit rl;
	long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : 1024;
	for (long fd = first; fd < max; fd++)
		close((int)fd);
}

/* In the child: its own pid into the LISTEN_PID slot, without malloc. */
static void fill_pid(char *slot)
{
	char digits[24];
	int n = 0;
	for (unsigned long v = (unsigned long)getpid(); v || !n; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	for (int i = 0; i < n; i++)
		slot[i] = digits[n - 1 - i];
	slot[n] = '\0';
}

/* In the child: fds[i] becomes 3 + i. They are first copied above the
 * targets, so that no source is overwritten before it is moved and no
 * dup2 onto itself leaves CLOEXEC set. */
static void place_fds(const int *fds, int n)
{
	int tmp[SPAWN_MAX_LISTEN_FDS + 1];
	for (int i = 0; i < n; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + n);
		if (tmp[i] < 0)
			child_fail("pass a socket to", "the app", 126);
	}
	for (int i = 0; i < n; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			child_fail("pass a socket to", "the app", 126);
	close_fds_from(3 + n);
}

/* [node, --require, preload, node_args..., script, args...] */
static char **with_preload(char **argv, const char *preload)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = xcalloc(n + 3, sizeof(char *));
	v[0] = argv[0];
	v[1] = (char *)"--require";
	v[2] = (char *)preload;
	memcpy(v + 3, argv + 1, n * sizeof(char *));
	return v;
}

pid_t spawn_instance(struct daemon *d, struct instance *in, const struct spawn_io *io)
{
	const struct app_conf *c = in->conf;
	char *listen_pid_slot;
	char **envp = instance_envp(d, in, io, &listen_pid_slot);
	char **argv = io->node_preload ? with_preload(c->argv, io->node_preload) : c->argv;
	int fds[SPAWN_MAX_LISTEN_FDS + 1];
	int nfds = 0;
	for (size_t i = 0; i < io->nlisten && i < SPAWN_MAX_LISTEN_FDS; i++)
		fds[nfds++] = io->listen_fds[i];
	if (io->ipc_fd >= 0)
		fds[nfds++] = io->ipc_fd;

	pid_t pid = fork();
	if (pid != 0) {
		int e = errno;
		free_instance_envp(in, envp);
		if (argv != c->argv)
			free(argv);
		errno = e;
		return pid;
	}

	/* Child: from here only async-signal-safe calls. */
	setsid();
	/* Dispositions need nothing: the daemon ignores no signal (it undid
	 * what its parent left ignored at startup), and exec resets handlers.
	 * The mask is ours, all blocked for the signalfd. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0 && devnull != 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	dup2(io->out_fd, 1);
	dup2(io->err_fd, 2);
	place_fds(fds, nfds);
	if (listen_pid_slot)
		fill_pid(listen_pid_slot);

	char why[256];
	if (privs_apply(&c->privs, why, sizeof(why)) < 0) {
		char msg[400];
		int m = snprintf(msg, sizeof(msg), "pm2: cannot drop privileges: %s\n", why);
		(void)!write(2, msg, (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1);
		_exit(126);
	}
	if (chdir(c->cwd) < 0)
		child_fail("chdir to", c->cwd, 126);
	execve(c->exec_path, argv, envp);
	child_fail("execute", c->exec_path, errno == ENOENT ? 127 : 126);
	return -1;
}
