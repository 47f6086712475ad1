/* procstat: an app's tree is its descendants plus what still runs in its
 * session after being reparented to us (a double-forked daemon): the
 * /proc scan sees both; the walk sees descendants, and the orphan is
 * found among our own children, as usage.c does. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/daemon/procstat.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A session leader with one child, and a grandchild whose parent exits
 * at once (reaped by the app), so it is reparented to us, the subreaper. */
static pid_t start_app(void)
{
	pid_t pid = fork();
	if (pid)
		return pid;
	setsid();
	if (fork() == 0) {
		execlp("sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	pid_t middle = fork();
	if (middle == 0) {
		if (fork() == 0) {
			execlp("sleep", "sleep", "61", (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	waitpid(middle, NULL, 0);
	execlp("sleep", "sleep", "62", (char *)NULL);
	_exit(127);
}

static pid_t reparented_child(pid_t app)
{
	struct pid_list kids = { 0 };
	procstat_children(getpid(), &kids);
	pid_t found = 0;
	for (size_t i = 0; i < kids.n; i++) {
		struct procstat ps;
		if (kids.v[i] != app && procstat_read(kids.v[i], &ps) == 0 && ps.sid == app)
			found = kids.v[i];
	}
	free(kids.v);
	return found;
}

void test_procstat(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	pid_t app = start_app();
	/* Wait (bounded) until the middle child is gone and reaped. */
	pid_t orphan = 0;
	for (int i = 0; i < 200 && !orphan; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		orphan = reparented_child(app);
		if (!orphan)
			usleep(20000);
	}
	CHECK(orphan > 0, "procstat: the double-forked child is reparented to the subreaper");

	struct procstat ps;
	CHECK(procstat_read(getpid(), &ps) == 0 && ps.pid == getpid() && ps.ppid == getppid() &&
		      ps.sid == getsid(0) && ps.rss_bytes > 0 && ps.cpu_ticks < 1000000,
	      "procstat: one process's stat line");
	CHECK(procstat_read(app, &ps) == 0 && ps.sid == app && ps.ppid == getpid(),
	      "procstat: the app leads its own session");

	pid_t roots[2] = { app, 0 };
	struct tree_usage scan[2];
	CHECK(procstat_scan_trees(roots, 2, scan) == 0 && scan[0].nprocs == 3 && scan[1].nprocs == 0,
	      "procstat: the scan counts the app, its child and its reparented grandchild");

	struct tree_usage walk = { 0 };
	CHECK(procstat_walk_tree(app, &walk) == 0 && walk.nprocs == 2,
	      "procstat: the walk counts the app and its child");
	procstat_walk_tree(orphan, &walk);
	CHECK(walk.nprocs == scan[0].nprocs, "procstat: walk plus the reparented member = scan");

	struct tree_usage none = { 0 };
	CHECK(procstat_walk_tree(999999999, &none) < 0 && none.nprocs == 0,
	      "procstat: a pid that is gone has no tree");
	kill(-app, SIGKILL);
	while (wait(NULL) > 0)
		;
}
