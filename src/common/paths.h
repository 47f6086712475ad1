/* paths: where PM2_HOME and everything in it live. PM2_HOME defaults to
 * ~/.pm2, as in PM2; the control socket is PM2_HOME/rpc.sock. */
#ifndef PM2_PATHS_H
#define PM2_PATHS_H

struct pm2_paths {
	char *home;       /* PM2_HOME */
	char *sock;       /* control socket */
	char *logs;       /* app logs folder */
	char *pids;       /* app pid files */
	char *daemon_log; /* the daemon's own log, pm2.log */
	char *daemon_pid; /* pm2.pid */
	char *lock;       /* held by the running daemon */
};

/* Fill from the environment; -1 with a message in `err` if PM2_HOME cannot
 * be used (e.g. too long for a unix socket path). */
int paths_init(struct pm2_paths *p, char *err, unsigned errlen);
void paths_free(struct pm2_paths *p);
/* Create PM2_HOME (0700), logs/ and pids/. */
int paths_make_dirs(const struct pm2_paths *p);

#endif
