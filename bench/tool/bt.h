/* benchtool: the measuring half of `make bench`. One static binary that is
 * both the app the supervisors run (it reports its own start and crash on
 * a FIFO, writes log lines, makes orphans) and the stopwatch around them.
 * The shell scripts in bench/ decide what to measure; this only measures. */
#ifndef BT_H
#define BT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Every wait in the harness is bounded; this is the default bound. */
#define BT_TIMEOUT_MS 60000

/* clocks: CLOCK_MONOTONIC is system-wide, so a time taken in the app and
 * one taken here can be subtracted. */
int64_t now_ns(void);
void sleep_ms(int64_t ms);

/* The report channel: a FIFO the apps write one short line to per event
 * ("up <pid> <ns>", "exit <pid> <ns>", "orph <reap_us> <zombies>"). Lines
 * under PIPE_BUF are atomic, so many apps may share one FIFO. */
struct fifo {
	int fd;
	int pidfd; /* when >= 0: stop waiting once this process exits */
	char buf[4096];
	size_t len;
};
int fifo_open(struct fifo *f, const char *path);
/* Give up waiting for lines once `pid` (which should outlive them) exits. */
void fifo_watch(struct fifo *f, pid_t pid);
/* Next line into `line`; 0, or -1 after timeout_ms without one. */
int fifo_line(struct fifo *f, char *line, size_t size, int timeout_ms);
/* The next line that starts with `tag`, others skipped; fields after the
 * tag in a[0..1]. */
int fifo_expect(struct fifo *f, const char *tag, int64_t a[2], int timeout_ms);
/* From the app's side: one line, never blocking, lost if nobody reads. */
void fifo_say(const char *path, const char *fmt, ...);

/* kill(2) for exactly one process: refuses pid <= 1, since kill(-1, sig)
 * would signal every process we may signal, and kill(0, sig) our own
 * group. A pid read from /proc or a FIFO can be 0 or -1 on a bad day. */
int kill_one(pid_t pid, int sig);

/* Run argv with stdin and stdout on /dev/null, stderr inherited. */
pid_t spawn(char **argv);
/* Wait for pid up to timeout_ms; its exit status, or -1 (then killed). */
int wait_child(pid_t pid, int timeout_ms);

/* Flags of the form --name value; the "--" that ends them is consumed
 * and the rest of argv returned through *rest. */
struct opt {
	const char *name;
	const char *val;
};
#define OPT(name)                                                                                  \
	{                                                                                          \
		name, NULL                                                                         \
	}
#define OPT_END                                                                                    \
	{                                                                                          \
		NULL, NULL                                                                         \
	}
int opts_parse(int argc, char **argv, struct opt *opts, char ***rest);
const char *opt_str(const struct opt *opts, const char *name);
long long opt_num(const struct opt *opts, const char *name, long long def);

/* Prints the usage line; returns 2, the exit code for bad arguments. */
int bt_usage(const char *synopsis);

/* The subcommands. */
int cmd_app(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_crash(int argc, char **argv);
int cmd_logtput(int argc, char **argv);
int cmd_pid1(int argc, char **argv);
int cmd_idle(int argc, char **argv);
int cmd_load(int argc, char **argv);

/* orphans: run inside a PID namespace by the app; see orphans.c. */
int orphans_run(int count, int timeout_ms, int64_t *reap_us, int *zombies);
/* gen: `seq 1 n` to fd, fast. */
int gen_seq(int fd, long long n);

#endif
