/* benchtool <subcommand> ...: see bt.h. */
#define _GNU_SOURCE
#include "bt.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} subcommands[] = {
    {"app", cmd_app, "the supervised app: reports up/exit on --fifo, --lines, --orphans"},
    {"gen", cmd_gen, "seq 1 N to stdout"},
    {"run", cmd_run, "wall time of each of N runs of a command"},
    {"start", cmd_start, "command until K apps are up"},
    {"crash", cmd_crash, "crash-to-restart latency"},
    {"logtput", cmd_logtput, "app up until its log file holds N bytes"},
    {"pid1", cmd_pid1, "an init in a PID namespace: RSS, orphans, SIGTERM to exit"},
    {"idle", cmd_idle, "CPU time and wake-ups of idle processes"},
    {"load", cmd_load, "closed-loop HTTP load on 127.0.0.1"},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: benchtool <subcommand> ...\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(stderr, "  %-8s %s\n", subcommands[i].name, subcommands[i].what);
	return 2;
}
