/* commands: one function per PM2 command family, each a request to the
 * daemon and a rendering of its answer. Exit codes follow PM2: 0 on
 * success, 1 on any error. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/cpus.h"
#include "../common/proto.h"
#include "../common/signals.h"
#include "../common/version.h"
#include "../daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmd_list(struct cli *c)
{
	bool mini = flag_set(c, "mini-list");
	cJSON *procs = client_list_detail(c, mini ? "brief" : "table", false);
	if (!procs)
		return 1;
	if (mini)
		render_mini_list(c, procs);
	else
		render_table(c, procs);
	cJSON_Delete(procs);
	/* PM2's warning when the daemon runs another version than this CLI. */
	if (c->daemon_version[0] && strcmp(c->daemon_version, PM2_VERSION) != 0)
		printf(">>>> In-memory PM2 is out-of-date, do:\n>>>> $ pm2 update\n"
		       "In memory PM2 version: %s\nLocal PM2 version: %s\n",
		       c->daemon_version, PM2_VERSION);
	return 0;
}

/* PM2's refresh period for `ls --watch`. */
#define LIST_WATCH_MS 900

/* `ls --watch`: clear, time stamp, table; again until Ctrl-C. The table
 * takes the terminal's width each time, so a resize is followed. */
static int cmd_list_watch(struct cli *c)
{
	for (;;) {
		cJSON *procs = client_list_detail(c, "table", false);
		if (!procs)
			return 1;
		char stamp[64];
		fputs("\033[2J\033[0f", stdout);
		printf("Last refresh:  %s\n", render_now_local(stamp, sizeof(stamp)));
		render_table(c, procs);
		cJSON_Delete(procs);
		struct timespec ts = { LIST_WATCH_MS / 1000, (LIST_WATCH_MS % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0)
			;
	}
}

static int cmd_ls(struct cli *c)
{
	return flag_set(c, "watch") ? cmd_list_watch(c) : cmd_list(c);
}

/* After an action PM2 shows the table, unless --silent. */
int show_list_after(struct cli *c)
{
	if (flag_set(c, "silent"))
		return 0;
	return cmd_list(c);
}

static int cmd_jlist(struct cli *c, bool pretty)
{
	cJSON *procs = client_list(c, true, true);
	if (!procs)
		return 1;
	char *s = pretty ? cJSON_Print(procs) : cJSON_PrintUnformatted(procs);
	puts(s);
	cJSON_free(s);
	cJSON_Delete(procs);
	return 0;
}

/* Names for the ids of a reply, as PM2 prints "[name](id) ✓". */
static void print_done(struct cli *c, const cJSON *ids, cJSON *procs)
{
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next) {
		const char *name = "?";
		for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next)
			if (cJSON_GetObjectItemCaseSensitive(p, "pm_id")->valueint == id->valueint)
				name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
		say(c, "[%s](%d) ✓", name, id->valueint);
	}
}

/* PM2 prints the ids the way Node's util.inspect does: [ 0, 1 ] */
static void print_applying(struct cli *c, const char *action, const char *label, const cJSON *ids)
{
	struct buf idtext;
	buf_init(&idtext);
	buf_puts(&idtext, "[");
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next)
		buf_printf(&idtext, "%s %d", id == ids->child ? "" : ",", id->valueint);
	buf_puts(&idtext, cJSON_GetArraySize(ids) ? " ]" : "]");
	say(c, "Applying action %s on app [%s](ids: %s)", action, label, idtext.data);
	buf_free(&idtext);
}

static const char *action_name(const char *cmd)
{
	if (!strcmp(cmd, "stop"))
		return "stopProcessId";
	if (!strcmp(cmd, "restart"))
		return "restartProcessId";
	if (!strcmp(cmd, "reload"))
		return "reloadProcessId";
	return "deleteProcessId";
}

/* Targets from the command line; an ecosystem file stands for its apps. */
static cJSON *collect_targets(struct cli *c)
{
	cJSON *targets = cJSON_CreateArray();
	for (int i = 0; i < c->npos; i++) {
		if (ecosystem_is_file(c->pos[i]) && file_exists(c->pos[i])) {
			cJSON *names = ecosystem_app_names(c, c->pos[i]);
			if (!names) {
				cJSON_Delete(targets);
				return NULL;
			}
			cJSON *n;
			while ((n = cJSON_DetachItemFromArray(names, 0)))
				cJSON_AddItemToArray(targets, n);
			cJSON_Delete(names);
			continue;
		}
		cJSON_AddItemToArray(targets, cJSON_CreateString(c->pos[i]));
	}
	return targets;
}

static int cmd_action(struct cli *c, const char *cmd)
{
	if (c->npos < 1) {
		say_err(c, "%s needs a process: an id, a name, a namespace, \"all\" or an ecosystem file", cmd);
		return 1;
	}
	cJSON *targets = collect_targets(c);
	if (!targets)
		return 1;
	/* Before acting, show what will be acted on (PM2's wording). */
	cJSON *before = client_list(c, false, false);
	if (!before) {
		cJSON_Delete(targets);
		return 1;
	}
	if ((!strcmp(cmd, "restart") || !strcmp(cmd, "reload")) && !flag_set(c, "update-env"))
		say(c, "Use --update-env to update environment variables");
	cJSON *req = client_request(cmd);
	cJSON_AddItemToObject(req, "targets", targets);
	if ((!strcmp(cmd, "restart") || !strcmp(cmd, "reload")) && flag_set(c, "update-env"))
		cJSON_AddItemToObject(req, "env", start_capture_env());
	char *label = NULL;
	for (int i = 0; i < c->npos; i++) {
		char *l = label ? xasprintf("%s %s", label, c->pos[i]) : xstrdup(c->pos[i]);
		free(label);
		label = l;
	}
	cJSON *reply = client_do(c, req, true, false);
	if (!reply) {
		free(label);
		cJSON_Delete(before);
		return 1;
	}
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	print_applying(c, action_name(cmd), label, ids);
	print_done(c, ids, before);
	free(label);
	cJSON_Delete(before);
	cJSON_Delete(reply);
	return show_list_after(c);
}

static int cmd_reset(struct cli *c)
{
	if (c->npos < 1) {
		say_err(c, "reset needs a process: an id, a name or \"all\"");
		return 1;
	}
	cJSON *targets = collect_targets(c);
	if (!targets)
		return 1;
	cJSON *req = client_request("reset");
	cJSON_AddItemToObject(req, "targets", targets);
	cJSON *reply = client_do(c, req, true, false);
	if (!reply)
		return 1;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next)
		say(c, "Resetting meta for process id %d", id->valueint);
	cJSON_Delete(reply);
	return show_list_after(c);
}

/* How the foreground shows app output: pm2-runtime prints the lines as
 * they are (PM2's --raw default there), `pm2 start --no-daemon` with
 * `pm2 logs`' prefix; the flags pick. */
static enum log_view foreground_view(struct cli *c)
{
	if (flag_set(c, "json"))
		return VIEW_JSON;
	if (flag_set(c, "format"))
		return VIEW_FORMAT;
	if (flag_set(c, "formatted") || flag_set(c, "prefix"))
		return VIEW_PREFIX;
	if (flag_set(c, "raw"))
		return VIEW_RAW;
	return strcmp(c->prog, "pm2-runtime") == 0 ? VIEW_RAW : VIEW_PREFIX;
}

/* pm_ids of the listed processes named `name`. */
static cJSON *ids_named(const cJSON *procs, const char *name)
{
	cJSON *ids = cJSON_CreateArray();
	for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next)
		if (!strcmp(cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring, name))
			cJSON_AddItemToArray(ids, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "pm_id"), 1));
	return ids;
}

static int app_instances(const cJSON *app)
{
	const cJSON *inst = cJSON_GetObjectItemCaseSensitive(app, "instances");
	return cpus_resolve_instances(cJSON_IsNumber(inst) ? inst->valueint : 1);
}

/* What PM2 does with a file (`start <file>`, `startOrRestart <file>`):
 * start the apps that are missing, restart those that run, with the
 * file's new settings and environment. `action` is PM2's name for it.
 * The daemon's "start" request restarts a name that exists. */
static int start_or(struct cli *c, cJSON *apps, const char *action)
{
	cJSON *before = client_list(c, false, false);
	if (!before) {
		cJSON_Delete(apps);
		return 1;
	}
	cJSON *acted = cJSON_CreateArray();
	cJSON *launched = cJSON_CreateArray();
	struct buf missing;
	buf_init(&missing);
	buf_puts(&missing, "");
	for (const cJSON *a = apps->child; a; a = a->next) {
		const char *name = cJSON_GetObjectItemCaseSensitive(a, "name")->valuestring;
		cJSON *ids = ids_named(before, name);
		if (cJSON_GetArraySize(ids)) {
			print_applying(c, action, name, ids);
			cJSON *id;
			while ((id = cJSON_DetachItemFromArray(ids, 0)))
				cJSON_AddItemToArray(acted, id);
		} else {
			buf_printf(&missing, "%s%s", missing.len ? ", " : "", name);
			char *line = xasprintf("App [%s] launched (%d instances)", name, app_instances(a));
			cJSON_AddItemToArray(launched, cJSON_CreateString(line));
			free(line);
		}
		cJSON_Delete(ids);
	}
	cJSON *req = client_request("start");
	cJSON_AddItemToObject(req, "apps", apps);
	cJSON_AddTrueToObject(req, "update_env");
	if (!strcmp(action, "reloadProcessId"))
		cJSON_AddTrueToObject(req, "reload");
	cJSON *reply = client_do(c, req, true, false);
	if (reply) {
		print_done(c, acted, before);
		if (missing.len)
			say_warn(c, "Applications %s not running, starting...", missing.data);
		for (const cJSON *l = launched->child; l; l = l->next)
			say(c, "%s", l->valuestring);
	}
	buf_free(&missing);
	cJSON_Delete(launched);
	cJSON_Delete(acted);
	cJSON_Delete(before);
	cJSON_Delete(reply);
	return reply ? show_list_after(c) : 1;
}

/* The apps of the command line or its files; NULL with the error shown. */
static cJSON *build_specs(struct cli *c, bool *from_file)
{
	char err[1024];
	cJSON *apps = start_build_specs(c, from_file, err, sizeof(err));
	if (!apps)
		say_err(c, "%s", err);
	return apps;
}

static int cmd_start(struct cli *c)
{
	bool from_file;
	cJSON *apps = build_specs(c, &from_file);
	if (!apps)
		return 1;
	if (flag_set(c, "no-daemon")) {
		struct daemon_opts o = { .foreground = true, .auto_exit = !flag_set(c, "no-auto-exit"),
					 .ready_fd = -1, .initial_apps = apps, .view = foreground_view(c) };
		char listen[80];
		if (flag_set(c, "web")) {
			if (web_resolve_listen(c, flag_str(c, "web"), listen, sizeof(listen)) < 0) {
				cJSON_Delete(apps);
				return 1;
			}
			o.web_listen = listen;
			o.web_token = web_token(c);
		}
		int rc = daemon_main(&o);
		cJSON_Delete(apps);
		return rc;
	}
	if (from_file)
		return start_or(c, apps, "restartProcessId");
	for (const cJSON *a = apps->child; a; a = a->next) {
		int n = app_instances(a);
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(a, "exec_mode");
		say(c, "Starting %s in %s (%d instance%s)",
		    cJSON_GetObjectItemCaseSensitive(a, "script")->valuestring,
		    cJSON_IsString(mode) ? mode->valuestring : "fork_mode", n, n > 1 ? "s" : "");
	}
	cJSON *req = client_request("start");
	cJSON_AddItemToObject(req, "apps", apps);
	/* A script needs --update-env to refresh a running app's env; a
	 * file always does (start_or), as PM2 does. */
	if (flag_set(c, "update-env"))
		cJSON_AddTrueToObject(req, "update_env");
	cJSON *reply = client_do(c, req, true, false);
	if (!reply)
		return 1;
	cJSON_Delete(reply);
	say(c, "Done.");
	if (flag_set(c, "web") && web_enable(c, flag_str(c, "web")) != 0)
		return 1;
	return show_list_after(c);
}

/* pm2 startOrRestart|startOrReload|startOrGracefulReload <file>: apps
 * that run are restarted (or reloaded, rolling) with the file's config;
 * the others start. */
static int cmd_start_or(struct cli *c, const char *action)
{
	bool from_file;
	cJSON *apps = build_specs(c, &from_file);
	return apps ? start_or(c, apps, action) : 1;
}

static int cmd_start_or_restart(struct cli *c) { return cmd_start_or(c, "restartProcessId"); }
static int cmd_start_or_reload(struct cli *c) { return cmd_start_or(c, "reloadProcessId"); }

static int cmd_describe(struct cli *c)
{
	cJSON *procs = client_list_for(c, "describe needs a process: an id or a name");
	if (!procs)
		return 1;
	int shown = 0;
	for (const cJSON *p = procs->child; p; p = p->next) {
		char id[32];
		snprintf(id, sizeof(id), "%d", cJSON_GetObjectItemCaseSensitive(p, "pm_id")->valueint);
		const char *name = cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring;
		if (strcmp(c->pos[0], id) == 0 || strcmp(c->pos[0], name) == 0) {
			render_describe(c, p);
			shown++;
		}
	}
	cJSON_Delete(procs);
	if (!shown) {
		say_warn(c, "%s doesn't exist", c->pos[0]);
		return 1;
	}
	return 0;
}

static int cmd_ping(struct cli *c)
{
	cJSON *reply = client_do(c, client_request("ping"), true, false);
	if (!reply)
		return 1;
	puts("{ msg: 'pong' }");
	cJSON_Delete(reply);
	return 0;
}

static int cmd_kill(struct cli *c)
{
	int fd = client_connect(c, false, true);
	if (fd < 0) {
		say(c, "[v] PM2 Daemon Stopped");
		return 0;
	}
	cJSON *req = client_request("kill");
	struct buf in;
	buf_init(&in);
	cJSON *reply = client_exchange(c, fd, req, &in, 600000);
	cJSON_Delete(req);
	if (!reply) {
		buf_free(&in);
		close(fd);
		return 1;
	}
	cJSON_Delete(reply);
	/* The daemon closes this connection as it exits: wait for that, so
	 * a following command cannot race with its exit. */
	cJSON *more;
	while ((more = proto_recv(fd, &in, 10000)))
		cJSON_Delete(more);
	buf_free(&in);
	close(fd);
	say(c, "[v] All Applications Stopped");
	say(c, "[v] PM2 Daemon Stopped");
	return 0;
}

static void usage(void)
{
	puts("usage: pm2 [options] <command>\n\n"
	     "pm2 -h, --help             all available commands and options\n"
	     "pm2 <command> -h           help on a specific command\n\n"
	     "Commands:\n"
	     "  start [script|ecosystem file|-] [--name N] [-i N] [--env E] [-- args]\n"
	     "  startOrRestart|startOrReload <ecosystem file>\n"
	     "  ecosystem|init [simple|json|yaml]\n"
	     "  deploy <ecosystem file> <env> [setup|update|revert [n]|curr|prev|list|exec <cmd>|<ref>]\n"
	     "  stop|restart|reload|delete <id|name|namespace|all|ecosystem.json>...\n"
	     "  scale <name> <N|+N|-N>\n"
	     "  reset <id|name|all>\n"
	     "  ls|list|l|ps|status [--sort field[:desc]] [-m] [--watch]\n"
	     "  jlist | prettylist | describe|info|show <id|name>\n"
	     "  monit|dashboard            live CPU, memory and logs of every app\n"
	     "  sendSignal <signal> <id|name>\n"
	     "  logs [id|name|namespace|/regex/] [--lines N] [--raw] [--nostream] [--out|--err]\n"
	     "       [--json|--format] [--timestamp [fmt]] [--highlight text]\n"
	     "  flush [id|name] | reloadLogs\n"
	     "  install|uninstall pm2-logrotate | set|get|unset|conf [module:key] [value]\n"
	     "  save|dump [--force] | resurrect | cleardump | startup [systemd] | unstartup\n"
	     "  env <id> | pid [name] | id <name>\n"
	     "  ping                       is the daemon alive? (liveness probe)\n"
	     "  ready [id|name|namespace]  are all (or these) apps online? (readiness probe)\n"
	     "  web [port|host:port|stop] [--web-token T]  HTTP probes, metrics, status page\n"
	     "  kill | -v|--version\n\n"
	     "Access pm2 files in $PM2_HOME (default ~/.pm2)");
}

/* pm2 sendSignal <signal> <name|id>... */
static int cmd_send_signal(struct cli *c)
{
	if (c->npos < 2) {
		say_err(c, "sendSignal needs a signal and a process: pm2 sendSignal SIGUSR2 api");
		return 1;
	}
	if (signal_parse(c->pos[0]) < 0) {
		say_err(c, "Invalid signal: %s", c->pos[0]);
		return 1;
	}
	cJSON *req = client_request("signal");
	cJSON_AddStringToObject(req, "signal", c->pos[0]);
	cJSON *targets = cJSON_CreateArray();
	for (int i = 1; i < c->npos; i++)
		cJSON_AddItemToArray(targets, cJSON_CreateString(c->pos[i]));
	cJSON_AddItemToObject(req, "targets", targets);
	cJSON *reply = client_do(c, req, true, false);
	if (!reply)
		return 1;
	const char *sig = cJSON_GetObjectItemCaseSensitive(reply, "signal")->valuestring;
	for (int i = 1; i < c->npos; i++)
		say(c, "successfully sent signal %s to process %s %s", sig,
		    str_is_uint(c->pos[i]) ? "id" : "name", c->pos[i]);
	cJSON_Delete(reply);
	return 0;
}

/* pm2 update / updatePM2: the daemon re-executes the binary now on disk
 * and keeps every app running (PM2 kills and resurrects them). */
static int cmd_update(struct cli *c)
{
	int fd = client_connect(c, false, true);
	if (fd < 0) {
		say(c, "No PM2 daemon is running: nothing to update (the next command starts %s)",
		    PM2_VERSION);
		return 0;
	}
	close(fd);
	say(c, "Updating the PM2 daemon in place...");
	cJSON *reply = client_do(c, client_request("update"), false, false);
	if (!reply)
		return 1;
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(reply, "from");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(reply, "version");
	say(c, "PM2 daemon updated in place: %s -> %s (pid %d); apps kept running",
	    cJSON_IsString(from) ? from->valuestring : "?", cJSON_IsString(to) ? to->valuestring : "?",
	    cJSON_GetObjectItemCaseSensitive(reply, "pid")->valueint);
	cJSON_Delete(reply);
	return show_list_after(c);
}

static int cmd_version(struct cli *c)
{
	(void)c;
	puts(PM2_VERSION);
	return 0;
}

/* pm2 scale <name> <N|+N|-N> */
static int cmd_scale(struct cli *c)
{
	if (c->npos < 2) {
		say_err(c, "scale needs an app name and a number: pm2 scale api 4 (or +2, -1)");
		return 1;
	}
	cJSON *before = client_list(c, false, false);
	if (!before)
		return 1;
	cJSON *req = client_request("scale");
	cJSON_AddStringToObject(req, "name", c->pos[0]);
	cJSON_AddStringToObject(req, "number", c->pos[1]);
	cJSON *reply = client_do(c, req, true, false);
	if (!reply) {
		cJSON_Delete(before);
		return 1;
	}
	const cJSON *added = cJSON_GetObjectItemCaseSensitive(reply, "added");
	const cJSON *removed = cJSON_GetObjectItemCaseSensitive(reply, "removed");
	for (const cJSON *id = added ? added->child : NULL; id; id = id->next)
		say(c, "Scaling up application");
	for (const cJSON *id = removed ? removed->child : NULL; id; id = id->next) {
		say(c, "Applying action deleteProcessId on app [%d](ids: [ %d ])", id->valueint,
		    id->valueint);
		cJSON *one = cJSON_CreateArray();
		cJSON_AddItemToArray(one, cJSON_CreateNumber(id->valueint));
		print_done(c, one, before);
		cJSON_Delete(one);
	}
	cJSON_Delete(before);
	cJSON_Delete(reply);
	return show_list_after(c);
}

static int cmd_stop(struct cli *c) { return cmd_action(c, "stop"); }
static int cmd_reload(struct cli *c) { return cmd_action(c, "reload"); }
static int cmd_restart(struct cli *c) { return cmd_action(c, "restart"); }
static int cmd_delete(struct cli *c) { return cmd_action(c, "delete"); }
static int cmd_jlist_plain(struct cli *c) { return cmd_jlist(c, false); }
static int cmd_prettylist(struct cli *c) { return cmd_jlist(c, true); }

/* Every command, with PM2's aliases. */
static const struct {
	const char *names; /* the name and PM2's aliases: "ls|list|l" */
	int (*fn)(struct cli *c);
} commands[] = {
	{ "start", cmd_start },
	{ "startOrRestart", cmd_start_or_restart },
	{ "startOrReload|startOrGracefulReload", cmd_start_or_reload },
	{ "ecosystem|init", cmd_ecosystem },
	{ "deploy", cmd_deploy },
	{ "stop", cmd_stop },
	{ "restart", cmd_restart },
	{ "reload", cmd_reload },
	{ "scale", cmd_scale },
	{ "delete|del", cmd_delete },
	{ "reset", cmd_reset },
	{ "ls|list|l|ps|status", cmd_ls },
	{ "jlist", cmd_jlist_plain },
	{ "prettylist", cmd_prettylist },
	{ "describe|info|show|desc", cmd_describe },
	{ "monit|dashboard|dash", monit_run },
	{ "ping", cmd_ping },
	{ "ready", health_ready },
	{ "kill", cmd_kill },
	{ "logs|log", cmd_logs },
	{ "flush", cmd_flush },
	{ "reloadLogs", cmd_reload_logs },
	{ "install|module:install", cmd_install },
	{ "uninstall|module:uninstall", cmd_uninstall },
	{ "set", cmd_set },
	{ "get", cmd_get },
	{ "unset", cmd_unset },
	{ "conf|config", cmd_conf },
	{ "sendSignal|sendsignal", cmd_send_signal },
	{ "update|updatePM2", cmd_update },
	{ "save|dump", ops_save },
	{ "resurrect", ops_resurrect },
	{ "cleardump", ops_cleardump },
	{ "env", ops_env },
	{ "pid", ops_pid },
	{ "id", ops_id },
	{ "startup", ops_startup },
	{ "unstartup", ops_unstartup },
	{ "version", cmd_version },
	{ "web", web_command },
};

int commands_run(struct cli *c)
{
	const char *cmd = c->cmd;
	if (!cmd) {
		if (flag_set(c, "version"))
			return cmd_version(c);
		usage();
		return flag_set(c, "help") ? 0 : 1;
	}
	if (flag_set(c, "help")) {
		usage();
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (name_in_list(commands[i].names, '|', cmd))
			return commands[i].fn(c);
	say_err(c, "Command not found: %s", cmd);
	usage();
	return 1;
}
