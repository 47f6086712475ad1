/* procstat_bench: which way of measuring every app's process tree is
 * cheaper — one /proc scan for all roots, or walking each root's
 * /proc/<pid>/task/<tid>/children links?
 *
 *   make bench-procstat [APPS=100] [ROUNDS=50]
 *
 * Starts APPS stand-in apps (a shell with two sleeping children, each in
 * its own session as the daemon runs apps; BENCH_APP="cmd" for another), measures ROUNDS samples of
 * all of them both ways, prints the best time per sample, and kills them. */
#define _GNU_SOURCE
#include "../src/daemon/procstat.h"
#include "../src/common/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double best(double a, double b)
{
	return a < b ? a : b;
}

/* BENCH_APP overrides the stand-in app, e.g. a threaded one. */
static const char *app_cmd = "sleep 600 & sleep 600 & wait";

static pid_t start_app(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		execl("/bin/sh", "sh", "-c", app_cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	if (getenv("BENCH_APP"))
		app_cmd = getenv("BENCH_APP");
	size_t napps = argc > 1 ? (size_t)atoi(argv[1]) : 100;
	int rounds = argc > 2 ? atoi(argv[2]) : 50;
	pid_t *roots = xcalloc(napps, sizeof(pid_t));
	struct tree_usage *out = xcalloc(napps, sizeof(*out));
	for (size_t i = 0; i < napps; i++)
		roots[i] = start_app();
	/* Let every shell start its children. */
	for (int tries = 0; tries < 100; tries++) {
		procstat_scan_trees(roots, napps, out);
		size_t ready = 0;
		for (size_t i = 0; i < napps; i++)
			ready += out[i].nprocs >= 2;
		if (ready == napps)
			break;
		usleep(50000);
	}

	/* The machine is shared: take the best of ROUNDS for each method,
	 * interleaved so both see the same background load. */
	double scan = 1e18, walk = 1e18, scan_one = 1e18, walk_one = 1e18;
	unsigned scanned = 0, walked = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_us();
		procstat_scan_trees(roots, napps, out);
		scan = best(scan, now_us() - t0);
		scanned = 0;
		for (size_t i = 0; i < napps; i++)
			scanned += out[i].nprocs;

		t0 = now_us();
		walked = 0;
		for (size_t i = 0; i < napps; i++) {
			out[i] = (struct tree_usage){ 0 };
			procstat_walk_tree(roots[i], &out[i]);
			walked += out[i].nprocs;
		}
		walk = best(walk, now_us() - t0);

		t0 = now_us();
		out[0] = (struct tree_usage){ 0 };
		procstat_walk_tree(roots[0], &out[0]);
		walk_one = best(walk_one, now_us() - t0);
		t0 = now_us();
		procstat_scan_trees(roots, 1, out);
		scan_one = best(scan_one, now_us() - t0);
	}

	int sysprocs = 0;
	FILE *f = popen("ls /proc | grep -c '^[0-9]'", "r");
	if (f) {
		if (fscanf(f, "%d", &sysprocs) != 1)
			sysprocs = 0;
		pclose(f);
	}
	printf("apps=%zu processes on the system=%d rounds=%d\n", napps, sysprocs, rounds);
	printf("all apps, one /proc scan:      %8.0f us per sample, best of rounds (%u processes counted)\n",
	       scan, scanned);
	printf("all apps, walking children:    %8.0f us per sample, best of rounds (%u processes counted)\n",
	       walk, walked);
	printf("one app,  one /proc scan:      %8.0f us\n", scan_one);
	printf("one app,  walking children:    %8.0f us\n", walk_one);
	for (size_t i = 0; i < napps; i++)
		kill(-roots[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(roots);
	free(out);
	return 0;
}
