/* signals: signal names <-> numbers, as users type them
 * ("SIGUSR2", "USR2", "12", "sigterm"). */
#ifndef PM2_SIGNALS_H
#define PM2_SIGNALS_H

/* Signal number for a name or number, or -1 if it is not one. */
int signal_parse(const char *s);
/* "SIGTERM" for 15; "SIG42" style for realtime ones (static buffer). */
const char *signal_name(int sig);

#endif
