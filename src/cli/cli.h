/* cli: PM2's command line — parsing argv the way PM2's commander does,
 * talking to the daemon, and rendering what it answers. The CLI never
 * touches an app's process; everything goes through the control socket. */
#ifndef PM2_CLI_H
#define PM2_CLI_H

#include "../common/paths.h"
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
/* A reply's error, or NULL if ok. */
const char *reply_error(const cJSON *reply);

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

/* start.c: build app specs from argv or an ecosystem file. */
cJSON *start_build_specs(struct cli *c, char *err, size_t errlen);
/* Names of the apps in an ecosystem file (for stop/restart/delete of a
 * file). NULL (and message printed) if the file is bad. */
cJSON *start_file_app_names(struct cli *c, const char *file);
bool start_is_ecosystem(const char *arg);

/* monit.c: `pm2 monit`, the full-screen dashboard. */
int monit_run(struct cli *c);

/* commands.c */
int commands_run(struct cli *c);

#endif
