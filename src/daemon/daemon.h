/* daemon: the supervisor's state — the one process table, the loop, the
 * control socket — and the entry point shared by the background daemon and
 * the foreground runtime (PID 1). Submodules get a pointer to this struct;
 * nothing else is global. */
#ifndef PM2_DAEMON_H
#define PM2_DAEMON_H

#include "loop.h"
#include "privs.h"
#include "../common/cron.h"
#include "../common/paths.h"
#include "../common/util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The struct that embeds `member` at p (timers, ios). */
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/* PM2's status names, in `jlist` and `ls`. */
enum inst_state {
	ST_LAUNCHING,
	ST_ONLINE,
	ST_STOPPING,
	ST_STOPPED,
	ST_ERRORED,
	ST_WAITING_RESTART,
};
const char *state_name(enum inst_state s);

/* How the foreground runtime shows app output on its own stdout/stderr. */
enum log_view {
	VIEW_RAW,    /* the lines as the app wrote them (pm2-runtime's default) */
	VIEW_PREFIX, /* "0|api  | line", as `pm2 logs` (--formatted, --prefix) */
	VIEW_JSON,   /* one JSON object per line (--json) */
	VIEW_FORMAT, /* timestamp=... app=... id=... type=... message=... (--format) */
};

/* How a worker is asked to go, one step per kill_timeout: a Node cluster
 * worker first disconnects (closes its servers and lets its requests
 * finish), then gets its stop signal (or PM2's "shutdown" message), then
 * SIGKILL. */
enum stop_step { STOP_DISCONNECT, STOP_ASK, STOP_KILL };

/* Where an instance is in a `reload`. */
enum reload_step { RL_NONE, RL_QUEUED, RL_ACTIVE };

/* What to do once a stopping instance is down. */
enum after_stop { AFTER_NOTHING, AFTER_START, AFTER_DELETE };

/* The resolved configuration of one app, shared by its instances. */
struct app_conf {
	int refs;
	cJSON *spec;          /* canonical spec as received (for jlist) */
	char *name;
	char *namespace;
	char *script;         /* pm_exec_path */
	char *interpreter;    /* exec_interpreter: "node", "none", ... */
	char *exec_path;      /* what execve() runs */
	char **argv;          /* NULL-terminated */
	char **envp;          /* NULL-terminated, without per-instance vars */
	char *cwd;
	char *instance_var;   /* NODE_APP_INSTANCE */
	char *increment_var;  /* PM2's increment_var, NULL if none */
	bool cluster;         /* exec_mode cluster_mode */
	bool node;            /* runs on node: IPC channel, Node's cluster protocol */
	bool wait_ready;      /* launching until the app says it is ready */
	bool shutdown_with_message; /* stop Node apps with "shutdown" over IPC */
	int64_t listen_timeout;
	char **listen;        /* addresses the daemon listens on for the app */
	size_t nlisten;
	bool autorestart;
	bool merge_logs;
	int max_restarts;
	int64_t min_uptime;
	int64_t restart_delay;
	int64_t exp_backoff;  /* exp_backoff_restart_delay, 0 = off */
	int64_t kill_timeout;
	int kill_signal;
	int *stop_codes;
	size_t nstop_codes;
	char *out_file;       /* NULL = default path, "" = disabled */
	char *err_file;
	char *pid_file;       /* NULL = default */
	int instances;        /* as asked: 0 = max, -1 = max-1 */
	bool has_cron;        /* cron_restart */
	struct cron_expr cron;
	struct privs privs;   /* uid/gid/capabilities/no_new_privs */
	uint64_t max_memory;  /* max_memory_restart in bytes, 0 = none */
};

struct instance;
struct nodeipc;
struct retiree;
struct reload_job;
struct app_sockets;
struct watcher;
struct log_sink;
struct log_sub;
struct logrotate;

/* What an instance's process tree uses, as last sampled (usage.c). */
struct usage {
	double cpu;          /* percent of one core, one decimal, as PM2 */
	uint64_t memory;     /* resident bytes of the whole tree */
	unsigned nprocs;     /* processes in the tree */
	int64_t sampled_ms;  /* monotonic; 0 = never */
	uint64_t ref_ticks;  /* where the next CPU window starts */
	int64_t ref_ms;      /* 0 = no window yet: measure since the start */
};

/* One end of a child's stdout or stderr pipe. Old pipes stay open after a
 * restart until every writer (grandchildren too) has closed them. */
struct pipe_reader {
	struct io io;
	struct daemon *d;
	struct instance *in;
	int kind;           /* 1 = stdout, 2 = stderr */
	bool paused;        /* a sink it feeds is blocked */
	struct buf partial; /* the line being written, not ended yet */
	struct pipe_reader *next;
};

/* Where an instance's output goes and how it is written (output.c). */
struct inst_logs {
	struct log_sink *out, *err, *all; /* all: log_file, out and err; NULL = none */
	char *all_path;                   /* pm_log_path, NULL when no log_file */
	char *date_format;                /* log_date_format (or time: true), NULL = none */
	bool json;                        /* log_type: "json" */
	bool disabled;                    /* disable_logs */
};

/* One pm_id: a running (or not) copy of an app. */
struct instance {
	int pm_id;
	int instance_index;   /* NODE_APP_INSTANCE */
	struct app_conf *conf;
	enum inst_state state;
	enum after_stop after_stop;
	pid_t pid;            /* 0 when not running */
	int restart_time;
	int unstable_restarts;
	int64_t created_at;   /* wall ms */
	int64_t pm_uptime;    /* wall ms of the last start */
	int64_t started_mono; /* monotonic ms of the last start */
	int64_t prev_restart_delay;
	int exit_code;        /* last exit: code, or 128+signal */
	bool has_exited;
	long long increment_value; /* conf->increment_var's value */
	struct nodeipc *ipc;  /* Node apps: the current worker's IPC channel */
	enum reload_step reload;
	char *reload_error;   /* why the last reload of this instance failed */
	char *version;        /* from the app's package.json at its last start; NULL: N/A */
	struct timer restart_timer;
	struct timer kill_timer;
	struct timer ready_timer; /* listen_timeout while launching */
	enum stop_step stop_step; /* while stopping: the last step taken */
	struct timer cron_timer;
	struct pipe_reader *readers;
	struct watcher *watcher; /* while --watch is on */
	struct inst_logs logs;
	char *out_path, *err_path, *pid_path;
	uint64_t log_bytes[2]; /* what it wrote to stdout, stderr */
	struct usage usage;
	struct instance *next;
};

struct client;
struct web;

struct daemon {
	struct loop loop;
	struct pm2_paths paths;
	struct instance *procs;   /* the process table, in pm_id order */
	int next_id;
	int sigfd;
	struct io sigio;
	int listen_fd;
	struct io listen_io;
	struct client *clients;
	int lock_fd;
	bool foreground;          /* --no-daemon / pm2-runtime */
	bool pid1;                /* getpid() == 1 */
	bool auto_exit;           /* foreground: exit when every app is down */
	bool stopping_all;        /* SIGTERM / kill: no more restarts */
	int exit_code;
	int final_code;           /* last non-zero code of an app that went down for good */
	int64_t started_wall;
	uint64_t orphans_reaped;
	struct timer memory_timer; /* armed only while an app has a memory limit */
	const char *self_exe;
	struct app_sockets *sockets; /* cluster.c: listening sockets per app */
	struct retiree *retirees;    /* reload.c: old workers on their way out */
	struct reload_job *reloads;  /* reload.c: rolling reloads in progress */
	int notify_fd;               /* notify.c: NOTIFY_SOCKET, -1 if none */
	struct io notify_io;
	char *notify_path;
	int next_worker_id;          /* NODE_UNIQUE_ID of the next Node worker */
	struct web *web;          /* the HTTP interface, while on */
	/* Logs: open files, `pm2 logs` streams, rotation, the foreground view. */
	struct log_sink *sinks;
	struct log_sub *subs;
	struct logrotate *rotate;
	enum log_view view;
	struct log_sink *mirror[2]; /* foreground: our stdout, stderr */
	int mirror_pad;             /* PM2's name column, grows with the names */
};

/* Options for daemon_main(). */
struct daemon_opts {
	bool foreground;
	bool auto_exit;
	int ready_fd;        /* written "1\n" once serving, then closed; -1 */
	int resume_fd;       /* > 0: state left by an in-place update (upgrade.c) */
	enum log_view view;  /* foreground: how app output is shown */
	cJSON *initial_apps; /* canonical specs to start first (foreground) */
	const char *web_listen; /* --web: "127.0.0.1:9615"; NULL = off */
	const char *web_token;  /* --web-token: NULL = read-only */
};

/* Run the supervisor until `kill` (or, in the foreground, a stop signal or
 * auto-exit). Returns the process exit code. */
int daemon_main(const struct daemon_opts *opts);

/* Process table (proc.c). */
struct app_conf *app_conf_new(const cJSON *spec, char *err, size_t errlen);
/* A copy of `old` whose env has `env` laid over it (--update-env). */
struct app_conf *app_conf_with_env(const struct app_conf *old, const cJSON *env,
				   char *err, size_t errlen);
struct app_conf *app_conf_ref(struct app_conf *c);
void app_conf_unref(struct app_conf *c);
struct instance *proc_find(struct daemon *d, int pm_id);
struct instance *proc_add(struct daemon *d, struct app_conf *conf, int index);
/* An instance carried over an in-place update, with its own pm_id. */
struct instance *proc_restore(struct daemon *d, struct app_conf *conf, int pm_id, int index);
void proc_remove(struct daemon *d, struct instance *in);
struct instance *proc_by_pid(struct daemon *d, pid_t pid);
int proc_count(const struct daemon *d);
/* Lowest NODE_APP_INSTANCE not used by another instance of `name`. */
int proc_free_index(struct daemon *d, const char *name);

/* Supervision (supervise.c): the instance state machine. */
int instance_start(struct daemon *d, struct instance *in);
void instance_stop(struct daemon *d, struct instance *in, enum after_stop after);
/* kill_timeout ran out while stopping: the next step. */
void instance_stop_timeout(struct daemon *d, struct instance *in);
/* Take stop step `step` on a worker (or the next one that applies to it);
 * returns the step taken. */
enum stop_step worker_stop_step(pid_t pid, struct nodeipc *ipc, const struct app_conf *c,
				enum stop_step step, int pm_id);
void instance_on_exit(struct daemon *d, struct instance *in, int status);
void instance_reset_counters(struct instance *in);
/* max_memory_restart: make sure the memory check runs (no-op if it
 * does, or if no running app has a limit). */
void memory_watch_arm(struct daemon *d);
/* Arm the cron_restart timer for the next matching time, if any. */
void instance_arm_cron(struct daemon *d, struct instance *in);
/* Is this instance between two states (a request must wait for it)? */
bool instance_busy(const struct instance *in);
/* Launching or stopping right now (reload or not)? */
bool instance_settling(const struct instance *in);
/* Something a worker process told us, through its Node IPC channel or
 * NOTIFY_SOCKET. `pid` is the worker (current or retiring). */
enum worker_event { WEV_READY, WEV_LISTENING, WEV_CHANNEL_CLOSED };
void supervise_worker_event(struct daemon *d, pid_t pid, enum worker_event ev);
/* A launching instance is ready (or its listen_timeout ran out). */
void instance_ready(struct daemon *d, struct instance *in);
void reap_children(struct daemon *d);
void supervise_check_auto_exit(struct daemon *d);

/* Child output (output.c): pipes -> lines -> files, streams, our stdout. */
void output_attach(struct daemon *d, struct instance *in, int out_fd, int err_fd);
/* After an in-place update: watch a pipe we already had, with the line it
 * was in the middle of. */
void output_adopt(struct daemon *d, struct instance *in, int fd, int kind, const char *partial,
		  size_t n);
/* Resolve the instance's log paths and open them (at every start). */
void output_open_logs(struct daemon *d, struct instance *in);
void output_close_logs(struct daemon *d, struct instance *in);
void output_detach_all(struct daemon *d, struct instance *in);
/* A sink drained: readers paused on it read again. */
void output_resume(struct daemon *d);

/* Log requests and streams (log_stream.c). */
void logs_init(struct daemon *d);
/* Leaving: read what the pipes still hold and give slow readers of our
 * output a few seconds to take it (before teardown). */
void logs_before_exit(struct daemon *d);
void logs_close(struct daemon *d);
/* Reopen every log file (reloadLogs, SIGUSR2): logrotate's `create`. */
int logs_reopen_all(struct daemon *d);
/* Point our stdout/stderr at a fresh pm2.log (detached daemon only). */
int logs_reopen_daemon_log(struct daemon *d);
/* `pm2 update`: the `pm2 logs` viewers, their connections kept through
 * keep() and what they have not read yet, and the same put back after
 * the exec. The viewers go on as if nothing happened. */
cJSON *logs_save_viewers(struct daemon *d, int (*keep)(void *, int), void *ctx);
void logs_restore_viewers(struct daemon *d, const cJSON *viewers);
/* New complete lines of an instance, for the `pm2 logs` streams. */
void logs_broadcast(struct daemon *d, struct instance *in, int kind, const struct iovec *iov,
		    int n);
/* A streaming client disconnected. */
void logs_client_gone(struct daemon *d, struct client *c);
cJSON *logs_cmd_logs(struct daemon *d, struct client *c, const cJSON *req);
cJSON *logs_cmd_flush(struct daemon *d, struct client *c, const cJSON *req);
cJSON *logs_cmd_reload(struct daemon *d, struct client *c, const cJSON *req);

/* Built-in pm2-logrotate (rotate.c). */
void rotate_init(struct daemon *d);
void rotate_close(struct daemon *d);
/* After a write: rotate the file if it grew past max_size. */
void rotate_check(struct daemon *d, struct log_sink *s);
/* The daemon's own log (pm2.log) was written to. */
void rotate_daemon_log_check(struct daemon *d);
/* Was this child one of ours (a compressor)? Then it is reaped. */
bool rotate_reaped(struct daemon *d, pid_t pid);
cJSON *rotate_cmd_reload(struct daemon *d, struct client *c, const cJSON *req);

/* Control socket (control.c). */
int control_listen(struct daemon *d, char *err, size_t errlen);
void control_close(struct daemon *d);
/* Are replies still being written? (Don't exit under them.) */
bool control_flushing(struct daemon *d);
/* Something changed: requests waiting on instances may complete. */
void control_poke(struct daemon *d);

/* {"ok":false,"error":"<message>"}: every request's failure reply. */
cJSON *reply_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Requests (commands.c): handle one request; returns a reply, or NULL if
 * the reply will come later through the client's pending wait. With no
 * client (c NULL, the web interface), stop/restart/delete answer at once
 * instead of when the instances have settled. */
cJSON *commands_dispatch(struct daemon *d, struct client *c, const cJSON *req);
/* --update-env on restart/reload: NULL when done (or nothing to do), else
 * an error reply. */
cJSON *commands_update_env(struct daemon *d, const cJSON *req);
/* Start specs (foreground start and the `start` request share this). */
int commands_start_specs(struct daemon *d, const cJSON *apps, bool update_env,
			 cJSON *ids_out, cJSON *reload_ids, char *err, size_t errlen);

/* Rolling reload and retiring workers (reload.c). */
/* Start a reload of these ids; NULL, or an error reply. */
cJSON *reload_request(struct daemon *d, const int *ids, size_t n);
/* Move reloads forward; called after every round of events. */
void reload_advance(struct daemon *d);
/* The instance's new worker is ready: retire the old one. */
void reload_instance_online(struct daemon *d, struct instance *in);
/* The instance is being stopped: its old worker goes too. */
void reload_instance_stopping(struct daemon *d, struct instance *in);
/* The new worker of a reload died before it was ready: bring the old one
 * back into the instance. True if that happened. */
bool reload_new_worker_failed(struct daemon *d, struct instance *in, pid_t dead, int code);
/* A child exited: true if it was a retiring worker. */
bool reload_reap(struct daemon *d, pid_t pid, int status);
void reload_worker_event(struct daemon *d, pid_t pid, enum worker_event ev);
bool reload_any_running(const struct daemon *d);
void reload_finalize_reply(struct daemon *d, cJSON *reply);
void reload_free_all(struct daemon *d);

/* Resource usage (usage.c): sampled from /proc only when asked — by a
 * client (jlist, ls, monit) or by whatever enforces a memory limit — so
 * an idle daemon never wakes up to measure. A sample younger than a few
 * hundred ms is reused, so many clients cost one sample. */
void usage_reset(struct instance *in);
/* Sample this instance now (cheap: walks its tree only). */
void usage_sample(struct daemon *d, struct instance *in);
/* Sample every running instance with one pass over /proc. */
void usage_sample_all(struct daemon *d);

/* jlist rendering (jlist.c), at three levels of detail: what the `ls`
 * table shows; that and the paths and settings other views show; all of
 * it, with the app's own keys and environment (`pm2 jlist`). */
enum jlist_detail { JLIST_TABLE, JLIST_BRIEF, JLIST_FULL };
cJSON *jlist_instance(struct daemon *d, struct instance *in, enum jlist_detail detail);
cJSON *jlist_all(struct daemon *d, enum jlist_detail detail);

/* In-place update (upgrade.c): `pm2 update` re-executes the binary now on
 * disk and carries the whole state across; apps keep their pids. */
cJSON *upgrade_request(struct daemon *d, struct client *c, const cJSON *req);
int upgrade_resume(struct daemon *d, int fd, char *err, size_t errlen);

/* Web interface (web.c): probes, metrics, JSON and a status page over
 * HTTP. Starting again moves it or changes its token. */
int web_start(struct daemon *d, const char *listen, const char *token, char *err,
	      size_t errlen);
void web_stop(struct daemon *d);
/* Where the web interface listens and its token (false if it is off). */
bool web_where(const struct daemon *d, char *listen, size_t n, const char **token);
/* `pm2 update`: its listening socket (-1 if off), and serving one that
 * already listens, so that no probe is refused across the exec. */
int web_fd(const struct daemon *d);
int web_adopt(struct daemon *d, int fd, const char *token);
/* The "web" control request (`pm2 web`). */
cJSON *web_request(struct daemon *d, struct client *c, const cJSON *req);
/* Prometheus text format of the process table (metrics.c). */
void metrics_render(struct daemon *d, struct buf *b);

#endif
