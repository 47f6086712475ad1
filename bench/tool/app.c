/* app: the program every supervisor under test runs, so each one carries
 * exactly the same load. It reports "up" on the FIFO, optionally writes
 * `seq 1 K` to stdout or makes orphans, then idles in sigwaitinfo until
 * SIGUSR1 tells it to crash (exit 1 after reporting "exit"). SIGTERM and
 * SIGINT keep their default action: the app dies at once when asked.
 * --tag is ignored: it puts the benchmark's scratch path on the command
 * line, so cleanup can find every app it started. */
#define _GNU_SOURCE
#include "bt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GEN_CHUNK 65536

/* `seq 1 n`, byte for byte, from a decimal counter kept as text. */
int gen_seq(int fd, long long n)
{
	static char out[GEN_CHUNK + 32];
	char num[24] = "1";
	size_t nlen = 1, used = 0;
	for (long long i = 1; i <= n; i++) {
		memcpy(out + used, num, nlen);
		used += nlen;
		out[used++] = '\n';
		if (used >= GEN_CHUNK) {
			if (write(fd, out, used) != (ssize_t)used)
				return -1;
			used = 0;
		}
		size_t d = nlen;
		while (d > 0 && num[d - 1] == '9')
			num[--d] = '0';
		if (d > 0) {
			num[d - 1]++;
		} else {
			memmove(num + 1, num, nlen++);
			num[0] = '1';
		}
	}
	return used && write(fd, out, used) != (ssize_t)used ? -1 : 0;
}

int cmd_gen(int argc, char **argv)
{
	if (argc < 1)
		return bt_usage("gen <lines>");
	return gen_seq(1, atoll(argv[0])) < 0 ? 1 : 0;
}

int cmd_app(int argc, char **argv)
{
	struct opt opts[] = {OPT("fifo"), OPT("lines"), OPT("orphans"), OPT("orphan-timeout-ms"),
			     OPT("tag"),  OPT_END};
	char **rest;
	if (opts_parse(argc, argv, opts, &rest) < 0)
		return 2;
	const char *fifo = opt_str(opts, "fifo");

	/* Whatever mask or ignored signals the supervisor leaked to us, the
	 * app behaves the same under every one of them. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &usr1, NULL);

	fifo_say(fifo, "up %d %lld\n", (int)getpid(), (long long)now_ns());
	long long lines = opt_num(opts, "lines", 0);
	if (lines > 0 && gen_seq(1, lines) < 0)
		fprintf(stderr, "benchtool app: write: %s\n", strerror(errno));
	int orphans = (int)opt_num(opts, "orphans", 0);
	if (orphans > 0) {
		int64_t reap_us = -1;
		int zombies = -1;
		orphans_run(orphans, (int)opt_num(opts, "orphan-timeout-ms", 10000), &reap_us,
			    &zombies);
		fifo_say(fifo, "orph %lld %d\n", (long long)reap_us, zombies);
	}
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&usr1, &si) == SIGUSR1)
			break;
	}
	fifo_say(fifo, "exit %d %lld\n", (int)getpid(), (long long)now_ns());
	_exit(1);
}
