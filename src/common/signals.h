/* signals: signal names <-> numbers, as users type them
 * ("SIGUSR2", "USR2", "12", "sigterm"). */
#ifndef PM2_SIGNALS_H
#define PM2_SIGNALS_H

/* Signal number for a name or number, or -1 if it is not one. */
int signal_parse(const char *s);
/* "SIGTERM" for 15; "SIG42" style for realtime ones (static buffer). */
const char *signal_name(int sig);
/* Every ignored signal back to its default, libc's reserved ones included.
 * An ignored signal is dropped when sent, so a daemon started by a shell
 * that ignores TERM or CHLD (nohup, CI runners, init scripts) would never
 * see it, and apps would inherit the ignoring through exec. The daemon
 * calls it once at startup; its children then start with defaults. */
void signals_unignore(void);

#endif
