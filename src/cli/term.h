/* term: the terminal for full-screen commands — raw mode on the
 * alternate screen, its size, keys, and getting back to exactly the
 * terminal the user had on every way out: a normal exit, a stop or
 * termination signal, and a crash. */
#ifndef PM2_TERM_H
#define PM2_TERM_H

#include <stdbool.h>
#include <stddef.h>

enum key {
	KEY_NONE,
	KEY_UP,
	KEY_DOWN,
	KEY_PAGE_UP,
	KEY_PAGE_DOWN,
	KEY_HOME,
	KEY_END,
	KEY_QUIT,    /* q, Escape, Ctrl-C, Ctrl-D */
	KEY_REDRAW,  /* Ctrl-L */
	KEY_SUSPEND, /* Ctrl-Z */
	KEY_OTHER,
};

/* Enter raw mode and the alternate screen, hide the cursor. Signals that
 * end or stop us are blocked and come back through term_signal_fd(); the
 * terminal is restored at exit and before a crash kills us. -1 if stdin
 * or stdout is not a terminal. */
int term_enter(void);
/* Put the terminal back as it was (idempotent). */
void term_leave(void);
/* Readable when a signal came: read it with term_take_signal(). */
int term_signal_fd(void);
/* The pending signal number, 0 if none. */
int term_take_signal(void);
/* Stop ourselves like a shell job would (Ctrl-Z), with the terminal
 * restored while stopped and raw again once continued. */
void term_suspend(void);
/* After SIGCONT: the shell may have put the terminal back to cooked mode
 * while we were stopped. Raw mode and the alternate screen again. */
void term_resume(void);
void term_size(int *cols, int *rows);

/* Decode the next key from n > 0 bytes read on stdin; returns how many
 * bytes it used. An Escape at the end of p may start a sequence still on
 * its way: unless `complete`, that returns 0 to ask for more bytes. */
size_t term_decode_key(const char *p, size_t n, bool complete, enum key *out);

#endif
