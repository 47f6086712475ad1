/* signals: see signals.h. */
#define _GNU_SOURCE
#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	int sig;
} signal_table[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },
	{ "ILL", SIGILL },     { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
	{ "IOT", SIGIOT },     { "BUS", SIGBUS },       { "FPE", SIGFPE },
	{ "KILL", SIGKILL },   { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },   { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },   { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },
	{ "POLL", SIGPOLL },   { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (str_is_uint(s)) {
		long n = strtol(s, NULL, 10);
		return (n >= 1 && n < NSIG) ? (int)n : -1;
	}
	const char *n = s;
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < ARRAY_LEN(signal_table); i++)
		if (strcasecmp(n, signal_table[i].name) == 0)
			return signal_table[i].sig;
	if (strncasecmp(n, "RTMIN+", 6) == 0 && str_is_uint(n + 6)) {
		int k = atoi(n + 6);
		return SIGRTMIN + k <= SIGRTMAX ? SIGRTMIN + k : -1;
	}
	return -1;
}

const char *signal_name(int sig)
{
	static char other[16];
	for (size_t i = 0; i < ARRAY_LEN(signal_table); i++)
		if (signal_table[i].sig == sig) {
			snprintf(other, sizeof(other), "SIG%s", signal_table[i].name);
			return other;
		}
	snprintf(other, sizeof(other), "SIG%d", sig);
	return other;
}

void signals_unignore(void)
{
	/* The kernel's sigaction: no restorer is needed for SIG_DFL, and its
	 * mask is one word of 64 bits. libc's sigaction refuses 32-34. */
	struct kernel_sigaction {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} old, dfl = { SIG_DFL, 0, NULL, 0 };
	for (int s = 1; s <= 64; s++)
		if (syscall(SYS_rt_sigaction, s, NULL, &old, sizeof old.mask) == 0 &&
		    old.handler == SIG_IGN)
			syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof dfl.mask);
}
