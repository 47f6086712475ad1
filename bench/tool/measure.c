/* measure: stopwatches around a command. Each prints its figures on stdout,
 * one run per line, in microseconds, so the shell only has to record
 * them. A wait that runs out prints -1 rather than a number that looks
 * measured. */
#define _GNU_SOURCE
#include "bt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How often the log file's size is looked at: the figure is hundreds of
 * milliseconds, so 1 ms is fine resolution. */
#define LOG_POLL_MS 1

/* run N -- cmd: wall time of each of N runs; a failing run fails all. */
int cmd_run(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "--"))
		return bt_usage("run <count> -- <command...>");
	int n = atoi(argv[0]);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		int rc = wait_child(spawn(argv + 2), BT_TIMEOUT_MS);
		int64_t t1 = now_ns();
		if (rc != 0) {
			fprintf(stderr, "benchtool run: %s exited with %d\n", argv[2], rc);
			return 1;
		}
		printf("%lld\n", (long long)((t1 - t0) / 1000));
	}
	return 0;
}

/* start: from running the command until `count` apps said "up" (their own
 * clock), and until the command returned. */
int cmd_start(int argc, char **argv)
{
	struct opt opts[] = {OPT("fifo"), OPT("count"), OPT("timeout-ms"), OPT_END};
	char **cmd;
	if (opts_parse(argc, argv, opts, &cmd) < 1 || !opt_str(opts, "fifo"))
		return bt_usage("start --fifo F [--count K] [--timeout-ms T] -- <command...>");
	int count = (int)opt_num(opts, "count", 1);
	int timeout = (int)opt_num(opts, "timeout-ms", BT_TIMEOUT_MS);
	struct fifo f;
	if (fifo_open(&f, opt_str(opts, "fifo")) < 0)
		return 1;
	int64_t t0 = now_ns(), last_up = 0, up[2];
	pid_t pid = spawn(cmd);
	for (int i = 0; i < count; i++) {
		if (fifo_expect(&f, "up", up, timeout) < 0) {
			fprintf(stderr, "benchtool start: %d of %d apps up\n", i, count);
			wait_child(pid, timeout);
			printf("-1 -1\n");
			return 1;
		}
		if (up[1] > last_up)
			last_up = up[1];
	}
	int rc = wait_child(pid, timeout);
	int64_t t_cli = now_ns();
	if (rc != 0)
		fprintf(stderr, "benchtool start: %s exited with %d\n", cmd[0], rc);
	printf("%lld %lld\n", (long long)((last_up - t0) / 1000), (long long)((t_cli - t0) / 1000));
	return rc != 0;
}

/* crash: run the command (which starts one app), then `count` times make
 * the app crash and time from its last breath to its successor's "up". */
int cmd_crash(int argc, char **argv)
{
	struct opt opts[] = {OPT("fifo"), OPT("count"), OPT("gap-ms"), OPT_END};
	char **cmd;
	if (opts_parse(argc, argv, opts, &cmd) < 1 || !opt_str(opts, "fifo"))
		return bt_usage("crash --fifo F [--count K] [--gap-ms G] -- <command...>");
	int count = (int)opt_num(opts, "count", 10);
	int gap = (int)opt_num(opts, "gap-ms", 200);
	struct fifo f;
	int64_t up[2], ex[2];
	if (fifo_open(&f, opt_str(opts, "fifo")) < 0)
		return 1;
	int rc = wait_child(spawn(cmd), BT_TIMEOUT_MS);
	if (rc != 0 || fifo_expect(&f, "up", up, BT_TIMEOUT_MS) < 0) {
		fprintf(stderr, "benchtool crash: the app did not start (%d)\n", rc);
		return 1;
	}
	for (int i = 0; i < count; i++) {
		/* Let it live past min_uptime, so no policy counts it unstable. */
		sleep_ms(gap);
		kill_one((pid_t)up[0], SIGUSR1);
		if (fifo_expect(&f, "exit", ex, 10000) < 0 ||
		    fifo_expect(&f, "up", up, 10000) < 0) {
			fprintf(stderr, "benchtool crash: no restart after crash %d\n", i + 1);
			printf("-1\n");
			return 1;
		}
		printf("%lld\n", (long long)((up[1] - ex[1]) / 1000));
		fflush(stdout);
	}
	return 0;
}

/* logtput: from the app's "up" until its log file holds `bytes`. */
int cmd_logtput(int argc, char **argv)
{
	struct opt opts[] = {OPT("fifo"), OPT("file"), OPT("bytes"), OPT("timeout-ms"), OPT_END};
	char **cmd;
	if (opts_parse(argc, argv, opts, &cmd) < 1 || !opt_str(opts, "fifo") ||
	    !opt_str(opts, "file"))
		return bt_usage(
		    "logtput --fifo F --file LOG --bytes N [--timeout-ms T] -- <command...>");
	long long bytes = opt_num(opts, "bytes", 0);
	int timeout = (int)opt_num(opts, "timeout-ms", BT_TIMEOUT_MS);
	struct fifo f;
	int64_t up[2];
	if (fifo_open(&f, opt_str(opts, "fifo")) < 0)
		return 1;
	pid_t pid = spawn(cmd);
	if (fifo_expect(&f, "up", up, timeout) < 0) {
		fprintf(stderr, "benchtool logtput: the app did not start\n");
		wait_child(pid, timeout);
		return 1;
	}
	int64_t end = up[1] + (int64_t)timeout * 1000000;
	struct stat st = {0};
	while (now_ns() < end) {
		if (stat(opt_str(opts, "file"), &st) == 0 && st.st_size >= bytes)
			break;
		sleep_ms(LOG_POLL_MS);
	}
	int64_t t1 = now_ns();
	wait_child(pid, timeout);
	if (st.st_size < bytes) {
		fprintf(stderr, "benchtool logtput: %lld of %lld bytes after %d ms\n",
			(long long)st.st_size, bytes, timeout);
		printf("-1\n");
		return 1;
	}
	printf("%lld\n", (long long)((t1 - up[1]) / 1000));
	return 0;
}
