/* cli: entry points for `pm2 ...` and `pm2-runtime ...`. */
#define _GNU_SOURCE
#include "cli.h"
#include "../daemon/daemon.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Our own executable, to start the daemon from: /proc/self/exe when
 * /proc is there, else argv[0] looked up on PATH. */
static char *find_self(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		return xstrdup(buf);
	}
	if (strchr(argv0, '/'))
		return xstrdup(argv0);
	char *p = path_search(argv0, getenv("PATH"));
	return p ? p : xstrdup(argv0);
}

static bool want_color(const struct cli *c)
{
	if (flag_set(c, "no-color") || getenv("NO_COLOR"))
		return false;
	const char *force = getenv("FORCE_COLOR");
	if (force)
		return strcmp(force, "0") != 0;
	return isatty(1);
}

static int cli_setup(struct cli *c, int argc, char **argv, int first)
{
	if (args_parse(c, argc, argv, first) < 0)
		return -1;
	c->color = want_color(c);
	char err[512];
	if (paths_init(&c->paths, err, sizeof(err)) < 0) {
		say_err(c, "%s", err);
		return -1;
	}
	return 0;
}

static void shift_pos(struct cli *c)
{
	memmove(c->pos, c->pos + 1, (size_t)c->npos * sizeof(char *));
	c->npos--;
}

static void cli_teardown(struct cli *c)
{
	args_free(c);
	paths_free(&c->paths);
	free((char *)c->self_exe);
}

int cli_main(int argc, char **argv)
{
	/* Internal: the detached daemon, started by client.c. */
	if (argc == 3 && strcmp(argv[1], "__daemon") == 0) {
		struct daemon_opts o = { .foreground = false, .ready_fd = atoi(argv[2]) };
		return daemon_main(&o);
	}
	struct cli c;
	memset(&c, 0, sizeof(c));
	c.prog = "pm2";
	c.self_exe = find_self(argv[0]);
	if (cli_setup(&c, argc, argv, 1) < 0) {
		cli_teardown(&c);
		return 1;
	}
	if (c.npos > 0) {
		c.cmd = c.pos[0];
		shift_pos(&c);
	}
	int rc = commands_run(&c);
	cli_teardown(&c);
	return rc;
}

/* pm2-runtime <script|ecosystem> [flags]: `pm2 start --no-daemon`. */
int runtime_main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof(c));
	c.prog = "pm2-runtime";
	c.self_exe = find_self(argv[0]);
	if (cli_setup(&c, argc, argv, 1) < 0) {
		cli_teardown(&c);
		return 1;
	}
	/* `pm2-runtime -v` prints the version, as PM2's does. */
	c.cmd = flag_set(&c, "version") && c.npos == 0 ? NULL : "start";
	if (c.npos > 0 && strcmp(c.pos[0], "start") == 0)
		shift_pos(&c);
	cJSON_AddTrueToObject(c.flags, "no-daemon");
	int rc = commands_run(&c);
	cli_teardown(&c);
	return rc;
}
