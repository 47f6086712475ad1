/* daemon: setup, the point of no return, and the main loop.
 *
 * Before the loop, a problem (another daemon on this PM2_HOME, a socket we
 * cannot bind) is fatal and reported. Once the loop runs, nothing may kill
 * the supervisor: errors are logged and the loop carries on. */
#define _GNU_SOURCE
#include "daemon.h"
#include "cluster.h"
#include "control.h"
#include "log.h"
#include "notify.h"
#include "../common/signals.h"
#include "../common/version.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void stop_everything(struct daemon *d, const char *why)
{
	if (d->stopping_all)
		return;
	dlog_info("%s: stopping all apps", why);
	d->stopping_all = true;
	for (struct instance *in = d->procs; in; in = in->next)
		instance_stop(d, in, AFTER_NOTHING);
}

static void forward_signal(struct daemon *d, int sig)
{
	for (struct instance *in = d->procs; in; in = in->next)
		if (in->pid > 0)
			kill(in->pid, sig);
}

/* What a signal sent to the supervisor means. */
static void on_signal(struct daemon *d, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	switch (sig) {
	case SIGCHLD:
		reap_children(d);
		return;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		stop_everything(d, signal_name(sig));
		return;
	case SIGTTIN:
	case SIGTTOU:
	case SIGTSTP:
	case SIGPIPE:
		return; /* never let these stop or kill the supervisor */
	case SIGUSR2:
		/* PM2's way to say "reopen your logs" (logrotate's postrotate). */
		logs_reopen_all(d);
		return;
	case SIGHUP:
	case SIGUSR1:
	case SIGWINCH:
	default:
		if (d->foreground)
			forward_signal(d, sig);
		return;
	}
}

static void on_signalfd(struct loop *l, struct io *io, uint32_t events)
{
	(void)l;
	(void)events;
	struct daemon *d = io->ctx;
	struct signalfd_siginfo si;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(d, &si);
}

/* Every catchable signal is blocked and read from a signalfd: the kernel
 * drops unhandled signals sent to PID 1, and blocked ones are never lost. */
static int signals_setup(struct daemon *d)
{
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	signals_unignore();
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return -1;
	d->sigfd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -1;
	io_init(&d->sigio, d->sigfd, on_signalfd, d);
	return loop_io_add(&d->loop, &d->sigio, EPOLLIN);
}

static int take_lock(struct daemon *d, char *err, size_t errlen)
{
	d->lock_fd = open(d->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", d->paths.lock, strerror(errno));
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		char *pid = read_file(d->paths.daemon_pid, NULL, 64);
		snprintf(err, errlen, "a PM2 daemon is already running for PM2_HOME %s%s%s%s",
			 d->paths.home, pid ? " (pid " : "", pid ? pid : "", pid ? ")" : "");
		free(pid);
		return -1;
	}
	return 0;
}

static void write_daemon_pid(struct daemon *d)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%d", (int)getpid());
	int fd = open(d->paths.daemon_pid, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void)!write(fd, tmp, (size_t)n);
		close(fd);
	}
}

/* Detached daemon: stdin from /dev/null, stdout/stderr into pm2.log. */
static void redirect_stdio(struct daemon *d)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int log = open(d->paths.daemon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (in >= 0) {
		dup2(in, 0);
		close(in);
	}
	if (log >= 0) {
		dup2(log, 1);
		dup2(log, 2);
		close(log);
	}
}

static int setup(struct daemon *d, const struct daemon_opts *opts, char *err, size_t errlen)
{
	if (paths_init(&d->paths, err, (unsigned)errlen) < 0)
		return -1;
	if (paths_make_dirs(&d->paths) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", d->paths.home, strerror(errno));
		return -1;
	}
	if (opts->resume_fd <= 0 && take_lock(d, err, errlen) < 0)
		return -1;
	if (loop_init(&d->loop) < 0 || signals_setup(d) < 0) {
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	/* Orphans of our apps come to us, not to the host's init. */
	if (!d->pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		dlog_warn("cannot become a subreaper: %s", strerror(errno));
	if (opts->resume_fd > 0) {
		/* An in-place update: everything comes from the old image
		 * (upgrade_resume sets the foreground view up, then logs). */
		if (upgrade_resume(d, opts->resume_fd, err, errlen) < 0)
			return -1;
		write_daemon_pid(d);
		return 0;
	}
	if (control_listen(d, err, errlen) < 0)
		return -1;
	notify_open(d);
	if (opts->web_listen && web_start(d, opts->web_listen, opts->web_token, err, errlen) < 0)
		return -1;
	logs_init(d);
	write_daemon_pid(d);
	if (opts->initial_apps) {
		cJSON *ids = cJSON_CreateArray();
		int rc = commands_start_specs(d, opts->initial_apps, false, ids, NULL, err, errlen);
		cJSON_Delete(ids);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The binary we run, for `pm2 update` to run again once replaced. */
static char *self_exe_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static void teardown(struct daemon *d)
{
	while (d->procs) {
		struct instance *in = d->procs;
		proc_remove(d, in);
	}
	reload_free_all(d);
	cluster_close_all(d);
	notify_close(d);
	web_stop(d);
	control_close(d);
	rotate_close(d);
	logs_close(d);
	if (d->sigfd >= 0) {
		loop_io_del(&d->loop, &d->sigio);
		close(d->sigfd);
	}
	unlink(d->paths.daemon_pid);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	loop_close(&d->loop);
	paths_free(&d->paths);
	free((char *)d->self_exe);
}

int daemon_main(const struct daemon_opts *opts)
{
	struct daemon d;
	memset(&d, 0, sizeof(d));
	d.sigfd = d.listen_fd = d.lock_fd = d.notify_fd = -1;
	d.foreground = opts->foreground;
	d.auto_exit = opts->auto_exit;
	d.pid1 = getpid() == 1;
	d.view = opts->view;
	d.started_wall = wall_ms();
	d.self_exe = self_exe_path();

	char err[512] = "";
	if (setup(&d, opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "[PM2][ERROR] %s\n", err);
		if (opts->ready_fd >= 0)
			close(opts->ready_fd);
		/* Apps may have started before the failure: take them down. */
		d.stopping_all = true;
		for (struct instance *in = d.procs; in; in = in->next)
			if (in->pid > 0)
				kill(-in->pid, SIGKILL);
		teardown(&d);
		return 1;
	}
	/* Setup errors went to the caller's terminal; from now on a
	 * detached daemon writes to pm2.log. */
	if (!d.foreground)
		redirect_stdio(&d);
	dlog_info("PM2 %s daemon online (pid %d, PM2_HOME %s)", PM2_VERSION,
		  (int)getpid(), d.paths.home);
	rotate_init(&d);
	if (opts->ready_fd >= 0) {
		(void)!write(opts->ready_fd, "1\n", 2);
		close(opts->ready_fd);
	}

	/* Point of no return: from here on, nothing exits but a stop.
	 * Wait for events, dispatch them (reaping included), then decide
	 * whether it is time to leave. */
	while (!d.loop.stop) {
		loop_run_once(&d.loop);
		reload_advance(&d);
		supervise_check_auto_exit(&d);
	}

	dlog_info("PM2 daemon exiting (code %d)", d.exit_code);
	logs_before_exit(&d);
	int code = d.exit_code;
	teardown(&d);
	return code;
}
