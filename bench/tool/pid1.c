/* pid1: an init (ours, tini, dumb-init, PM2's pm2-runtime) as PID 1 of a
 * fresh PID namespace, `unshare --pid --fork --mount-proc INIT app ...`.
 * Once the app is up: the init's RSS; optionally the orphan figures the
 * app reports; then SIGTERM to the init and the time until the namespace
 * is gone. */
#define _GNU_SOURCE
#include "bt.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The init is unshare's only child. */
static pid_t child_of(pid_t parent)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int pid = -1;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

int cmd_pid1(int argc, char **argv)
{
	struct opt opts[] = {OPT("fifo"), OPT("orphans"), OPT("settle-ms"), OPT("timeout-ms"),
			     OPT_END};
	char **cmd;
	if (opts_parse(argc, argv, opts, &cmd) < 1 || !opt_str(opts, "fifo"))
		return bt_usage(
		    "pid1 --fifo F [--orphans 1] [--settle-ms S] [--timeout-ms T] -- <command...>");
	int timeout = (int)opt_num(opts, "timeout-ms", BT_TIMEOUT_MS);
	struct fifo f;
	int64_t up[2], orph[2] = {-1, -1};
	if (fifo_open(&f, opt_str(opts, "fifo")) < 0)
		return 1;
	pid_t upid = spawn(cmd);
	fifo_watch(&f, upid);
	if (fifo_expect(&f, "up", up, timeout) < 0) {
		fprintf(stderr, "benchtool pid1: the app did not start under %s\n", cmd[0]);
		kill_one(child_of(upid), SIGKILL);
		wait_child(upid, timeout);
		return 1;
	}
	pid_t init = child_of(upid);
	if (init <= 1) {
		fprintf(stderr, "benchtool pid1: cannot find the init under pid %d\n", (int)upid);
		wait_child(upid, 1);
		return 1;
	}
	sleep_ms(opt_num(opts, "settle-ms", 500));
	long rss = rss_kb(init);
	if (opt_num(opts, "orphans", 0) && fifo_expect(&f, "orph", orph, timeout) < 0)
		fprintf(stderr, "benchtool pid1: no orphan report\n");

	int64_t t0 = now_ns();
	kill_one(init, SIGTERM);
	int rc = wait_child(upid, timeout);
	int64_t t1 = now_ns();
	if (rc < 0)
		kill_one(init, SIGKILL); /* unshare is gone; its namespace goes with PID 1 */
	printf("%ld %lld %lld %lld\n", rss, rc < 0 ? -1LL : (long long)((t1 - t0) / 1000),
	       (long long)orph[0], (long long)orph[1]);
	return rc < 0;
}
