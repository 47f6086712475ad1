/* cli: PM2's command line — parsing argv the way PM2's commander does,
 * talking to the daemon, and rendering what it answers. The CLI never
 * touches an app's process; everything goes through the control socket. */
#ifndef PM2_CLI_H
#define PM2_CLI_H

#include "../common/paths.h"
#include "../common/yaml.h"
#include "../common/util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

/* Parsed command line: the command, its positional arguments, arguments
 * after "--", and the flags (long names without dashes → string or true). */
struct cli {
	const char *prog;   /* "pm2" or "pm2-runtime" */
	const char *cmd;
	char **pos;
	int npos;
	char **rest;        /* after "--" */
	int nrest;
	cJSON *flags;
	struct pm2_paths paths;
	bool color;
	char daemon_version[32]; /* as the daemon said in its last list */
	const char *self_exe;
};

int cli_main(int argc, char **argv);
int runtime_main(int argc, char **argv);

/* args.c */
int args_parse(struct cli *c, int argc, char **argv, int first);
const char *flag_str(const struct cli *c, const char *name);
bool flag_set(const struct cli *c, const char *name);
void args_free(struct cli *c);

/* client.c: talk to the daemon. */
/* Connect, starting the daemon if it is not running and `autostart`.
 * -1 with a message printed on failure. */
int client_connect(struct cli *c, bool autostart, bool quiet);
/* One request, one reply (NULL + message printed on failure). */
cJSON *client_call(struct cli *c, cJSON *req, bool autostart, bool quiet);
/* One request on an open connection that stays open for what follows (a
 * stream, the daemon's exit): the first reply, or NULL with the error
 * printed. `in` keeps what was read beyond it. */
cJSON *client_exchange(struct cli *c, int fd, const cJSON *req, struct buf *in, int timeout_ms);
/* A reply's error, or NULL if ok. */
const char *reply_error(const cJSON *reply);
/* A request object {"cmd": cmd}. */
cJSON *client_request(const char *cmd);
/* Send req (consumed), return the ok reply, or NULL with the error printed. */
cJSON *client_do(struct cli *c, cJSON *req, bool autostart, bool quiet);
/* The process list as `jlist` gives it (full: with env and app keys). */
cJSON *client_list(struct cli *c, bool full, bool quiet);
/* The same at a level of detail: "table" (the `ls` columns only), "brief"
 * or "full". */
cJSON *client_list_detail(struct cli *c, const char *detail, bool quiet);
/* The full list for a command that names a process: NULL, with `usage`
 * said, when the command line names none. */
cJSON *client_list_for(struct cli *c, const char *usage);

/* output helpers (render.c) */
void say(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void say_err(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void say_warn(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void render_table(struct cli *c, cJSON *procs);
void render_mini_list(struct cli *c, const cJSON *procs);
void render_describe(struct cli *c, const cJSON *proc);
char *render_bytes(double bytes);
char *render_cpu(double cpu);
/* An array of strings joined with spaces, "N/A" when empty. */
char *render_join(const cJSON *a);
/* A value by dotted path ("pm2_env.status") in a process of the list. */
const cJSON *jget(const cJSON *o, const char *path);
const char *jstr(const cJSON *o, const char *path, const char *dflt);
double jnum(const cJSON *o, const char *path, double dflt);
char *render_since(double wall_ms_then);
const char *render_now_local(char *buf, size_t n);

/* start.c: build app specs from argv or ecosystem files (the default file
 * if no argument); *from_file tells whether a file was read. */
cJSON *start_build_specs(struct cli *c, bool *from_file, char *err, size_t errlen);
/* Our environment as apps get it (minus variables meant for us only). */
cJSON *start_capture_env(void);

/* ecosystem.c: the files PM2 users keep their apps in — JSON (comments
 * allowed), YAML, JavaScript evaluated by node, or JSON on stdin ("-"). */
struct ecosystem {
	const char *name; /* as the user wrote it, for messages ("stdin" for "-") */
	char *dir;        /* where relative paths in it start */
	char *text;       /* the JSON text it was parsed from, for positions */
	cJSON *root;
	struct yaml_doc *yaml; /* positions of a YAML file */
};
bool ecosystem_is_file(const char *arg);
/* The default file in the current folder (ecosystem.config.js, ...), or NULL. */
const char *ecosystem_default(void);
/* Read and parse; 0, or -1 with a message naming file:line:col in err. */
int ecosystem_load(struct ecosystem *e, const char *arg, char *err, size_t errlen);
/* The apps it describes ({apps: [...]}, [...] or one bare app). */
const cJSON *ecosystem_apps(const struct ecosystem *e, char *err, size_t errlen);
/* "file:line:col" of an item of e->root ("file" if unknown). */
void ecosystem_where(const struct ecosystem *e, const cJSON *item, char *out, size_t n);
void ecosystem_free(struct ecosystem *e);
/* Names of the apps in an ecosystem file (for stop/restart/delete of a
 * file). NULL (and message printed) if the file is bad. */
cJSON *ecosystem_app_names(struct cli *c, const char *file);
int cmd_ecosystem(struct cli *c);

/* deploy.c: pm2 deploy <file> <env> [command] */
int cmd_deploy(struct cli *c);

/* subproc.c: run a helper program (node, ssh, git) and wait for it. */
struct subproc {
	char *const *argv;  /* argv[0] is looked up on PATH */
	int stdin_fd;       /* -1: /dev/null, 0: ours, else this fd */
	int capture_fd;     /* the child's fd captured into `out`; 0: none */
	size_t capture_max;
	int timeout_ms;     /* for a capture; 0: none */
	const char *cwd;    /* NULL: ours */
	bool quiet;         /* its stderr goes to /dev/null */
};
#define SUBPROC_TIMEOUT (-2)
#define SUBPROC_TOO_BIG (-3)
/* Exit code, 128+n if killed by signal n; -1 (errno set) if it could not
 * run, SUBPROC_TIMEOUT or SUBPROC_TOO_BIG (the child is killed). */
int subproc_run(const struct subproc *sp, struct buf *out);

/* ops.c */
int ops_save(struct cli *c);
int ops_resurrect(struct cli *c);
int ops_cleardump(struct cli *c);
int ops_env(struct cli *c);
int ops_pid(struct cli *c);
int ops_id(struct cli *c);
int ops_startup(struct cli *c);
int ops_unstartup(struct cli *c);

/* health.c: probes for containers. */
int health_ready(struct cli *c);

/* web.c: the daemon's HTTP interface. */
int web_command(struct cli *c);
int web_enable(struct cli *c, const char *arg);
/* The address --web asks for, checked, as "127.0.0.1:9615" (-1 and a
 * message if it is bad); the token from --web-token or PM2_WEB_TOKEN. */
int web_resolve_listen(struct cli *c, const char *arg, char *out, size_t outlen);
const char *web_token(const struct cli *c);
/* monit.c: `pm2 monit`, the full-screen dashboard. */
int monit_run(struct cli *c);

/* commands.c */
int commands_run(struct cli *c);
/* The process table, as PM2 prints it after an action (not with -s). */
int show_list_after(struct cli *c);

/* logs.c: pm2 logs, flush, reloadLogs. */
int cmd_logs(struct cli *c);
int cmd_flush(struct cli *c);
int cmd_reload_logs(struct cli *c);

/* module.c: the built-in pm2-logrotate and module_conf.json. */
int cmd_install(struct cli *c);
int cmd_uninstall(struct cli *c);
int cmd_set(struct cli *c);
int cmd_get(struct cli *c);
int cmd_unset(struct cli *c);
int cmd_conf(struct cli *c);

#endif
