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
#include <unistd.h>

static cJSON *request(const char *cmd)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "cmd", cmd);
	return r;
}

/* Send, check, return the reply (NULL and message printed on error). */
static cJSON *call(struct cli *c, cJSON *req, bool autostart, bool quiet)
{
	cJSON *reply = client_call(c, req, autostart, quiet);
	cJSON_Delete(req);
	if (!reply)
		return NULL;
	const char *e = reply_error(reply);
	if (e) {
		say_err(c, "%s", e);
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

static cJSON *fetch_list(struct cli *c, bool full, bool quiet)
{
	cJSON *req = request("jlist");
	cJSON_AddBoolToObject(req, "full", full);
	cJSON *reply = call(c, req, true, quiet);
	if (!reply)
		return NULL;
	cJSON *procs = cJSON_DetachItemFromObjectCaseSensitive(reply, "procs");
	cJSON_Delete(reply);
	return procs;
}

static int cmd_list(struct cli *c)
{
	cJSON *procs = fetch_list(c, false, false);
	if (!procs)
		return 1;
	render_table(c, procs);
	cJSON_Delete(procs);
	return 0;
}

/* After an action PM2 shows the table, unless --silent. */
static int show_list_after(struct cli *c)
{
	if (flag_set(c, "silent"))
		return 0;
	return cmd_list(c);
}

static int cmd_jlist(struct cli *c, bool pretty)
{
	cJSON *procs = fetch_list(c, true, true);
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
		if (start_is_ecosystem(c->pos[i]) && file_exists(c->pos[i])) {
			cJSON *names = start_file_app_names(c, c->pos[i]);
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
	cJSON *before = fetch_list(c, false, false);
	if (!before) {
		cJSON_Delete(targets);
		return 1;
	}
	if ((!strcmp(cmd, "restart") || !strcmp(cmd, "reload")) && !flag_set(c, "update-env"))
		say(c, "Use --update-env to update environment variables");
	cJSON *req = request(cmd);
	cJSON_AddItemToObject(req, "targets", targets);
	char *label = NULL;
	for (int i = 0; i < c->npos; i++) {
		char *l = label ? xasprintf("%s %s", label, c->pos[i]) : xstrdup(c->pos[i]);
		free(label);
		label = l;
	}
	cJSON *reply = call(c, req, true, false);
	if (!reply) {
		free(label);
		cJSON_Delete(before);
		return 1;
	}
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	/* PM2 prints the ids the way Node's util.inspect does: [ 0, 1 ] */
	struct buf idtext;
	buf_init(&idtext);
	buf_puts(&idtext, "[");
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next)
		buf_printf(&idtext, "%s %d", id == ids->child ? "" : ",", id->valueint);
	buf_puts(&idtext, cJSON_GetArraySize(ids) ? " ]" : "]");
	say(c, "Applying action %s on app [%s](ids: %s)", action_name(cmd), label, idtext.data);
	buf_free(&idtext);
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
	cJSON *req = request("reset");
	cJSON_AddItemToObject(req, "targets", targets);
	cJSON *reply = call(c, req, true, false);
	if (!reply)
		return 1;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	for (const cJSON *id = ids ? ids->child : NULL; id; id = id->next)
		say(c, "Resetting meta for process id %d", id->valueint);
	cJSON_Delete(reply);
	return show_list_after(c);
}

static int cmd_start(struct cli *c)
{
	char err[1024];
	cJSON *apps = start_build_specs(c, err, sizeof(err));
	if (!apps) {
		say_err(c, "%s", err);
		return 1;
	}
	if (flag_set(c, "no-daemon")) {
		struct daemon_opts o = { .foreground = true, .auto_exit = !flag_set(c, "no-auto-exit"),
					 .ready_fd = -1, .initial_apps = apps };
		int rc = daemon_main(&o);
		cJSON_Delete(apps);
		return rc;
	}
	for (const cJSON *a = apps->child; a; a = a->next) {
		const cJSON *inst = cJSON_GetObjectItemCaseSensitive(a, "instances");
		int n = cpus_resolve_instances(cJSON_IsNumber(inst) ? inst->valueint : 1);
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(a, "exec_mode");
		say(c, "Starting %s in %s (%d instance%s)",
		    cJSON_GetObjectItemCaseSensitive(a, "script")->valuestring,
		    cJSON_IsString(mode) ? mode->valuestring : "fork_mode", n, n > 1 ? "s" : "");
	}
	cJSON *req = request("start");
	cJSON_AddItemToObject(req, "apps", apps);
	if (flag_set(c, "update-env"))
		cJSON_AddTrueToObject(req, "update_env");
	cJSON *reply = call(c, req, true, false);
	if (!reply)
		return 1;
	cJSON_Delete(reply);
	say(c, "Done.");
	return show_list_after(c);
}

static int cmd_describe(struct cli *c)
{
	if (c->npos < 1) {
		say_err(c, "describe needs a process: an id or a name");
		return 1;
	}
	cJSON *procs = fetch_list(c, true, false);
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
	cJSON *reply = call(c, request("ping"), true, false);
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
	cJSON *req = request("kill");
	struct buf in;
	buf_init(&in);
	cJSON *reply = proto_send(fd, req) == 0 ? proto_recv(fd, &in, 600000) : NULL;
	cJSON_Delete(req);
	const char *e = reply ? reply_error(reply) : "no answer from the PM2 daemon";
	if (e) {
		say_err(c, "%s", e);
		cJSON_Delete(reply);
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
	     "  start <script|ecosystem.json> [--name N] [-i N] [-- args]\n"
	     "  stop|restart|reload|delete <id|name|namespace|all|ecosystem.json>...\n"
	     "  scale <name> <N|+N|-N>\n"
	     "  reset <id|name|all>\n"
	     "  ls|list|l|ps|status [--sort field[:desc]] [-m]\n"
	     "  jlist | prettylist | describe|info|show <id|name>\n"
	     "  sendSignal <signal> <id|name>\n"
	     "  ping | kill | -v|--version\n\n"
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
	cJSON *req = request("signal");
	cJSON_AddStringToObject(req, "signal", c->pos[0]);
	cJSON *targets = cJSON_CreateArray();
	for (int i = 1; i < c->npos; i++)
		cJSON_AddItemToArray(targets, cJSON_CreateString(c->pos[i]));
	cJSON_AddItemToObject(req, "targets", targets);
	cJSON *reply = call(c, req, true, false);
	if (!reply)
		return 1;
	const char *sig = cJSON_GetObjectItemCaseSensitive(reply, "signal")->valuestring;
	for (int i = 1; i < c->npos; i++)
		say(c, "successfully sent signal %s to process %s %s", sig,
		    str_is_uint(c->pos[i]) ? "id" : "name", c->pos[i]);
	cJSON_Delete(reply);
	return 0;
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
	cJSON *before = fetch_list(c, false, false);
	if (!before)
		return 1;
	cJSON *req = request("scale");
	cJSON_AddStringToObject(req, "name", c->pos[0]);
	cJSON_AddStringToObject(req, "number", c->pos[1]);
	cJSON *reply = call(c, req, true, false);
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
static int cmd_ls(struct cli *c) { return cmd_list(c); }
static int cmd_jlist_plain(struct cli *c) { return cmd_jlist(c, false); }
static int cmd_prettylist(struct cli *c) { return cmd_jlist(c, true); }

/* Every command, with PM2's aliases. */
static const struct {
	const char *names[6];
	int (*fn)(struct cli *c);
} commands[] = {
	{ { "start" }, cmd_start },
	{ { "stop" }, cmd_stop },
	{ { "restart" }, cmd_restart },
	{ { "reload" }, cmd_reload },
	{ { "scale" }, cmd_scale },
	{ { "delete", "del" }, cmd_delete },
	{ { "reset" }, cmd_reset },
	{ { "ls", "list", "l", "ps", "status" }, cmd_ls },
	{ { "jlist" }, cmd_jlist_plain },
	{ { "prettylist" }, cmd_prettylist },
	{ { "describe", "info", "show", "desc" }, cmd_describe },
	{ { "ping" }, cmd_ping },
	{ { "kill" }, cmd_kill },
	{ { "sendSignal", "sendsignal" }, cmd_send_signal },
	{ { "version" }, cmd_version },
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
		for (size_t k = 0; k < ARRAY_LEN(commands[i].names) && commands[i].names[k]; k++)
			if (!strcmp(cmd, commands[i].names[k]))
				return commands[i].fn(c);
	say_err(c, "Command not found: %s", cmd);
	usage();
	return 1;
}
