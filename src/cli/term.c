/* term: see term.h. */
#define _GNU_SOURCE
#include "term.h"
#include "../common/util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#define ENTER_SEQ "\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE_SEQ "\033[0m\033[?25h\033[?1049l"

/* Signals that end, stop or resize us: read from a signalfd, so the
 * loop handles them and the terminal is restored before we go. */
static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				       SIGTSTP, SIGCONT, SIGWINCH };
/* Signals of a crash: restore the terminal, then die as we would have. */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

/* The only global state: a crash handler must find the terminal as the
 * user had it, and nothing can be passed to a signal handler. */
static struct termios saved_tio;
static volatile sig_atomic_t raw_active;
static struct sigaction crash_prev[ARRAY_LEN(crash_signals)];
static sigset_t saved_mask;
static int sigfd = -1;

/* Async-signal-safe: only write() and tcsetattr(). */
static void restore_screen(void)
{
	if (!raw_active)
		return;
	raw_active = 0;
	(void)!write(STDOUT_FILENO, LEAVE_SEQ, sizeof(LEAVE_SEQ) - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
}

static void on_crash(int sig)
{
	restore_screen();
	/* Hand over to whatever was there (a sanitizer's report, or the
	 * default action) and let it run. */
	for (size_t i = 0; i < ARRAY_LEN(crash_signals); i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_prev[i], NULL);
	raise(sig);
}

static int go_raw(void)
{
	struct termios raw = saved_tio;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | ISTRIP);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
		return -1;
	raw_active = 1;
	return write_all(STDOUT_FILENO, ENTER_SEQ, sizeof(ENTER_SEQ) - 1);
}

int term_enter(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return -1;
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_LEN(handled_signals); i++)
		sigaddset(&set, handled_signals[i]);
	sigprocmask(SIG_BLOCK, &set, &saved_mask);
	sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0) {
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(crash_signals); i++)
		sigaction(crash_signals[i], &sa, &crash_prev[i]);
	atexit(term_leave);
	if (go_raw() < 0) {
		term_leave();
		return -1;
	}
	return 0;
}

void term_leave(void)
{
	restore_screen();
	if (sigfd < 0)
		return;
	for (size_t i = 0; i < ARRAY_LEN(crash_signals); i++)
		sigaction(crash_signals[i], &crash_prev[i], NULL);
	close(sigfd);
	sigfd = -1;
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}

int term_signal_fd(void)
{
	return sigfd;
}

int term_take_signal(void)
{
	struct signalfd_siginfo si;
	if (sigfd < 0 || read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

void term_suspend(void)
{
	restore_screen();
	/* SIGTSTP is blocked; SIGSTOP stops us all the same, and the shell
	 * sees a stopped job. We continue here after `fg`. */
	kill(getpid(), SIGSTOP);
	term_resume();
}

void term_resume(void)
{
	if (sigfd >= 0)
		go_raw();
}

void term_size(int *cols, int *rows)
{
	struct winsize ws;
	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static enum key plain_key(unsigned char c)
{
	switch (c) {
	case 'q':
	case 'Q':
	case 3: /* Ctrl-C */
	case 4: /* Ctrl-D */
		return KEY_QUIT;
	case 'j':
		return KEY_DOWN;
	case 'k':
		return KEY_UP;
	case 'g':
		return KEY_HOME;
	case 'G':
		return KEY_END;
	case 12: /* Ctrl-L */
		return KEY_REDRAW;
	case 26: /* Ctrl-Z */
		return KEY_SUSPEND;
	default:
		return KEY_OTHER;
	}
}

/* The key of a CSI or SS3 sequence: its final byte, and for "~" keys
 * the number before it. */
static enum key sequence_key(char final, int num)
{
	switch (final) {
	case 'A': return KEY_UP;
	case 'B': return KEY_DOWN;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	case '~':
		switch (num) {
		case 1: case 7: return KEY_HOME;
		case 4: case 8: return KEY_END;
		case 5: return KEY_PAGE_UP;
		case 6: return KEY_PAGE_DOWN;
		}
		return KEY_OTHER;
	default:
		return KEY_OTHER;
	}
}

size_t term_decode_key(const char *p, size_t n, bool complete, enum key *out)
{
	*out = KEY_OTHER;
	if (p[0] != '\033') {
		*out = plain_key((unsigned char)p[0]);
		return 1;
	}
	if (n == 1) {
		if (!complete)
			return 0;
		*out = KEY_QUIT; /* a lone Escape, as in PM2's dashboard */
		return 1;
	}
	if (p[1] != '[' && p[1] != 'O')
		return 2; /* Alt+key */
	/* Parameters and intermediates (0x20-0x3f), then a final byte. */
	size_t i = 2;
	int num = 0;
	while (i < n && p[i] >= 0x20 && p[i] <= 0x3f) {
		if (p[i] >= '0' && p[i] <= '9' && num < 1000)
			num = num * 10 + (p[i] - '0');
		i++;
	}
	if (i == n)
		return complete ? n : 0;
	*out = sequence_key(p[i], num);
	return i + 1;
}
