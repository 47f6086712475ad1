/* deploy: `pm2 deploy <file> <env> [command]`, PM2's deploy with the
 * system's ssh and git: the same keys, the same remote layout and the same
 * steps, so a server set up by PM2 can be deployed by us and back.
 *
 *   <path>/source     the git clone, reset to each deployed ref
 *   <path>/current -> <path>/source   (hooks run here)
 *   <path>/shared/{logs,pids}         kept across deploys ($SHARED)
 *   <path>/.deploys   one commit per deploy, newest last (list, revert)
 *
 * PM2 pipes the config to a bash script that splices values into shell
 * commands unquoted; we build each remote command here and quote every
 * value, so paths, refs and env values with spaces survive. Each step is
 * one ssh run (or a local shell for host "localhost", as PM2 does). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a captured remote answer (the deploy log) may weigh. */
#define DEPLOY_CAPTURE_MAX (1u << 20)

struct deploy {
	struct cli *c;
	const struct ecosystem *eco;
	const cJSON *conf; /* deploy.<env> */
	const char *file;  /* the ecosystem file, as given */
	const char *env;   /* the environment's name */
	const char *host;  /* the host this run is for */
	char *post_deploy; /* the post-deploy hook, env exports first */
	char err[512];
};

static const char *conf_str(const struct deploy *d, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d->conf, key);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* PM2's deploy script prints its progress as "  ○ ...". */
static void step(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("  ○ ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static int failed(struct deploy *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int failed(struct deploy *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------ shell commands */

static void sh_quote(struct buf *b, const char *s)
{
	buf_puts(b, "'");
	for (; *s; s++)
		if (*s == '\'')
			buf_puts(b, "'\\''");
		else
			buf_append(b, s, 1);
	buf_puts(b, "'");
}

/* A remote path, quoted: "~/app" stays relative to the remote home. */
static void put_path(struct buf *b, const struct deploy *d, const char *sub)
{
	const char *p = conf_str(d, "path");
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		buf_puts(b, "\"$HOME\"");
		p++;
	}
	char *full = xasprintf("%s%s", p, sub);
	if (*full)
		sh_quote(b, full);
	free(full);
}

/* A command line built from a format where %P is a quoted remote path
 * (followed by its sub-path up to the next space), %Q a quoted value and
 * %S a string put as is. */
static char *shell_cmd(const struct deploy *d, const char *fmt, ...)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	va_list ap;
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			buf_append(&b, f, 1);
			continue;
		}
		const char *arg = va_arg(ap, const char *);
		switch (*++f) {
		case 'P':
			put_path(&b, d, arg);
			break;
		case 'Q':
			sh_quote(&b, arg);
			break;
		default:
			buf_puts(&b, arg);
		}
	}
	va_end(ap);
	return b.data;
}

static char *local_shell(void)
{
	char *bash = path_search("bash", getenv("PATH"));
	return bash ? bash : xstrdup("/bin/sh");
}

/* ssh [-o opt]... [-t] [-A] [-p port] [-i key] [user@]host cmd */
static char **ssh_argv(const struct deploy *d, const char *cmd)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(d->conf, "ssh_options");
	size_t n = 0, cap = 16 + 2 * (size_t)(cJSON_IsArray(opts) ? cJSON_GetArraySize(opts) : 1);
	char **argv = xcalloc(cap, sizeof(char *));
	argv[n++] = xstrdup("ssh");
	const cJSON *first = cJSON_IsArray(opts) ? opts->child : opts;
	for (const cJSON *o = first; o; o = cJSON_IsArray(opts) ? o->next : NULL) {
		argv[n++] = xstrdup("-o");
		argv[n++] = xstrdup(o->valuestring);
	}
	if (conf_str(d, "needs_tty"))
		argv[n++] = xstrdup("-t");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d->conf, "forward-agent")) ||
	    conf_str(d, "forward-agent"))
		argv[n++] = xstrdup("-A");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(d->conf, "port");
	if (port) {
		argv[n++] = xstrdup("-p");
		argv[n++] = cJSON_IsNumber(port) ? xasprintf("%d", port->valueint)
						 : xstrdup(port->valuestring);
	}
	const char *key = conf_str(d, "key");
	if (key) {
		argv[n++] = xstrdup("-i");
		argv[n++] = key[0] == '~' && getenv("HOME")
				? xasprintf("%s%s", getenv("HOME"), key + 1)
				: xstrdup(key);
	}
	const char *user = conf_str(d, "user");
	argv[n++] = user ? xasprintf("%s@%s", user, d->host) : xstrdup(d->host);
	argv[n++] = xstrdup(cmd);
	return argv;
}

static void argv_free(char **argv)
{
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* Run `cmd` on the host; its output goes to ours, or into `out`. The
 * exit code, or -1 with d->err filled if ssh (or the shell) cannot run. */
static int on_host_in(struct deploy *d, const char *cmd, struct buf *out, int stdin_fd)
{
	char **argv;
	if (!strcmp(d->host, "localhost")) {
		argv = xcalloc(4, sizeof(char *));
		argv[0] = local_shell();
		argv[1] = xstrdup("-c");
		argv[2] = xstrdup(cmd);
	} else {
		argv = ssh_argv(d, cmd);
	}
	struct subproc sp = {.argv = argv,
			     .stdin_fd = conf_str(d, "needs_tty") ? 0 : stdin_fd,
			     .capture_fd = out ? 1 : 0,
			     .capture_max = DEPLOY_CAPTURE_MAX};
	int rc = subproc_run(&sp, out);
	if (rc == -1)
		failed(d, "cannot run %s: %s", argv[0], strerror(errno));
	else if (rc == SUBPROC_TOO_BIG)
		failed(d, "%s answered more than %u bytes", d->host, DEPLOY_CAPTURE_MAX);
	argv_free(argv);
	return rc;
}

static int on_host(struct deploy *d, const char *cmd, struct buf *out)
{
	return on_host_in(d, cmd, out, -1);
}

/* Run a step; on failure, fill d->err with `what` and the exit code. */
static int must(struct deploy *d, char *cmd, const char *what)
{
	int rc = on_host(d, cmd, NULL);
	free(cmd);
	if (rc == 0)
		return 0;
	if (rc > 0)
		failed(d, "%s (exit code %d)", what, rc);
	return -1;
}

/* A hook runs in <path>/current with $SHARED set, as PM2's do. */
static int hook(struct deploy *d, const char *name)
{
	const char *cmd = !strcmp(name, "post-deploy") ? d->post_deploy : conf_str(d, name);
	if (!cmd) {
		step("hook %s", name);
		return 0;
	}
	step("executing %s `%s`", name, cmd);
	char *what = xasprintf("%s hook failed", name);
	int rc = must(
	    d,
	    shell_cmd(d, "cd %P && SHARED=%P && export SHARED && %S", "/current", "/shared", cmd),
	    what);
	free(what);
	return rc;
}

static int run_local(struct deploy *d, const char *cmd, const char *what)
{
	char *shell = local_shell();
	char *argv[] = {shell, "-c", (char *)cmd, NULL};
	struct subproc sp = {.argv = argv, .stdin_fd = -1};
	int rc = subproc_run(&sp, NULL);
	free(shell);
	if (rc == 0)
		return 0;
	return failed(d, "%s (exit code %d)", what, rc);
}

/* ------------------------------------------------------------ commands */

static const char *fetch_depth(const struct deploy *d)
{
	const char *fetch = conf_str(d, "fetch");
	bool fast = fetch && !strcmp(fetch, "fast");
	step(fast ? "fast fetch" : "full fetch");
	return fast ? " --depth=5" : "";
}

/* pre-setup is a local script file (sent to the host's bash) or a command. */
static int pre_setup(struct deploy *d)
{
	const char *cmd = conf_str(d, "pre-setup");
	if (!cmd) {
		step("hook pre-setup");
		return 0;
	}
	char *script = xstrndup(cmd, strcspn(cmd, " \t"));
	int rc;
	if (file_exists(script)) {
		step("executing pre-setup script `%s`", cmd);
		int fd = open(script, O_RDONLY | O_CLOEXEC);
		rc = fd < 0 ? -1 : on_host_in(d, "bash -s", NULL, fd);
		if (fd >= 0)
			close(fd);
	} else {
		step("executing pre-setup `%s`", cmd);
		rc = on_host(d, cmd, NULL);
	}
	free(script);
	if (rc > 0 || (rc < 0 && !d->err[0]))
		failed(d, "pre-setup hook failed (exit code %d)", rc);
	return rc == 0 ? 0 : -1;
}

static int do_setup(struct deploy *d)
{
	const char *ref = conf_str(d, "ref");
	const char *slash = strchr(ref, '/');
	const char *branch = slash ? slash + 1 : ref;
	if (pre_setup(d) < 0)
		return -1;
	if (must(d, shell_cmd(d, "mkdir -p %P %P %P", "/shared/logs", "/shared/pids", "/source"),
		 "setup paths failed") < 0)
		return -1;
	step("running setup");
	step("cloning %s", conf_str(d, "repo"));
	const char *depth = fetch_depth(d);
	if (must(d,
		 shell_cmd(d, "git clone%S --branch %Q %Q %P", depth, branch, conf_str(d, "repo"),
			   "/source"),
		 "failed to clone") < 0)
		return -1;
	if (must(d, shell_cmd(d, "ln -sfn %P %P", "/source", "/current"), "symlink failed") < 0)
		return -1;
	if (hook(d, "post-setup") < 0)
		return -1;
	step("setup complete");
	return 0;
}

/* Fetch, reset source to `ref`, point current at it, log the commit,
 * run the hooks. */
static int do_deploy(struct deploy *d, const char *ref)
{
	step("deploying %s", ref);
	step("executing pre-deploy-local");
	const char *pdl = conf_str(d, "pre-deploy-local");
	if (pdl && run_local(d, pdl, "pre-deploy-local hook failed") < 0)
		return -1;
	if (hook(d, "pre-deploy") < 0)
		return -1;
	step("fetching updates");
	const char *depth = fetch_depth(d);
	if (must(d, shell_cmd(d, "cd %P && git fetch%S --all --tags", "/source", depth),
		 "fetch failed") < 0)
		return -1;
	step("resetting HEAD to %s", ref);
	if (must(d, shell_cmd(d, "cd %P && git reset --hard %Q", "/source", ref),
		 "git reset failed") < 0)
		return -1;
	if (must(d, shell_cmd(d, "ln -sfn %P %P", "/source", "/current"), "symlink failed") < 0)
		return -1;
	if (must(d, shell_cmd(d, "cd %P && git rev-parse HEAD >> %P", "/source", "/.deploys"),
		 "deploy log append failed") < 0)
		return -1;
	if (hook(d, "post-deploy") < 0)
		return -1;
	step("successfully deployed %s", ref);
	return 0;
}

/* The commits of <path>/.deploys, oldest first. */
static cJSON *deploy_log(struct deploy *d)
{
	struct buf out;
	buf_init(&out);
	char *cmd = shell_cmd(d, "cat %P", "/.deploys");
	int rc = on_host(d, cmd, &out);
	free(cmd);
	if (rc != 0) {
		if (rc > 0)
			failed(d, "no deploy recorded on %s yet (run: pm2 deploy %s %s)", d->host,
			       d->file, d->env);
		buf_free(&out);
		return NULL;
	}
	cJSON *commits = cJSON_CreateArray();
	char *save = NULL;
	for (char *l = out.data ? strtok_r(out.data, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		l[strcspn(l, " \r")] = '\0';
		if (*l)
			cJSON_AddItemToArray(commits, cJSON_CreateString(l));
	}
	buf_free(&out);
	return commits;
}

/* The commit `back` deploys before the newest. */
static const char *nth_back(struct deploy *d, const cJSON *log, int back)
{
	int n = cJSON_GetArraySize(log);
	if (back >= n) {
		failed(d, "cannot go back %d deploy(s): %d recorded on %s", back, n, d->host);
		return NULL;
	}
	return cJSON_GetArrayItem(log, n - 1 - back)->valuestring;
}

static int do_revert(struct deploy *d, const char *count)
{
	if (count && (!str_is_uint(count) || atoi(count) < 1))
		return failed(d, "revert takes a number of deploys, got \"%s\"", count);
	int back = count ? atoi(count) : 1;
	cJSON *log = deploy_log(d);
	const char *commit = log ? nth_back(d, log, back) : NULL;
	int rc = -1;
	if (commit) {
		step("reverting %d deploy(s)", back);
		char *c = xstrdup(commit);
		rc = do_deploy(d, c);
		free(c);
	}
	cJSON_Delete(log);
	return rc;
}

static int do_list(struct deploy *d, bool previous_only)
{
	cJSON *log = deploy_log(d);
	if (!log)
		return -1;
	int rc = 0;
	if (previous_only) {
		const char *prev = nth_back(d, log, 1);
		if (prev)
			printf("%s\n", prev);
		rc = prev ? 0 : -1;
	} else {
		int n = cJSON_GetArraySize(log);
		for (int i = 0; i < n; i++)
			printf("%d\t%s\n", i, cJSON_GetArrayItem(log, n - 1 - i)->valuestring);
	}
	fflush(stdout);
	cJSON_Delete(log);
	return rc;
}

/* Local work must be committed and pushed before a deploy, unless
 * --force; outside a git work tree there is nothing to check (PM2 then
 * fails on `git diff`). */
static int check_local_changes(struct deploy *d)
{
	char *inside[] = {"git", "rev-parse", "--is-inside-work-tree", NULL};
	char *diff[] = {"git", "--no-pager", "diff", "--exit-code", "--quiet", NULL};
	char *staged[] = {"git", "--no-pager", "diff", "--exit-code", "--quiet", "--cached", NULL};
	char *ahead[] = {"git", "rev-list", "@{upstream}..", "-n", "1", NULL};
	struct subproc sp = {.argv = inside,
			     .stdin_fd = -1,
			     .capture_fd = 1,
			     .capture_max = DEPLOY_CAPTURE_MAX,
			     .quiet = true};
	struct buf out;
	buf_init(&out);
	int rc = subproc_run(&sp, &out);
	buf_reset(&out);
	if (rc != 0) {
		buf_free(&out);
		return 0;
	}
	sp.argv = diff;
	if (subproc_run(&sp, &out) != 0)
		rc = failed(d, "commit or stash your changes before deploying (or use --force)");
	sp.argv = staged;
	if (!rc && subproc_run(&sp, &out) != 0)
		rc = failed(d, "commit your staged changes before deploying (or use --force)");
	sp.argv = ahead;
	buf_reset(&out);
	if (!rc && subproc_run(&sp, &out) == 0 && out.len)
		rc = failed(d, "push your changes before deploying (or use --force)");
	buf_free(&out);
	return rc;
}

/* What to do on one host: args[0] is the command (none: deploy "ref"). */
static int run_command(struct deploy *d, char **args, int nargs)
{
	const char *cmd = nargs ? args[0] : "update";
	if (!strcmp(cmd, "setup"))
		return do_setup(d);
	if (!strcmp(cmd, "revert"))
		return do_revert(d, nargs > 1 ? args[1] : NULL);
	if (!strcmp(cmd, "curr") || !strcmp(cmd, "current"))
		return must(d, shell_cmd(d, "cd %P && git rev-parse --short HEAD", "/source"),
			    "cannot read the current commit");
	if (!strcmp(cmd, "prev") || !strcmp(cmd, "previous"))
		return do_list(d, true);
	if (!strcmp(cmd, "list"))
		return do_list(d, false);
	if (!strcmp(cmd, "exec") || !strcmp(cmd, "run")) {
		struct buf line;
		buf_init(&line);
		buf_puts(&line, "");
		for (int i = 1; i < nargs; i++)
			buf_printf(&line, "%s%s", i > 1 ? " " : "", args[i]);
		for (int i = 0; i < d->c->nrest; i++)
			buf_printf(&line, "%s%s", line.len ? " " : "", d->c->rest[i]);
		if (!line.len) {
			buf_free(&line);
			return failed(d, "exec needs a command: pm2 deploy %s %s exec \"pm2 ls\"",
				      d->file, d->env);
		}
		int rc =
		    must(d, shell_cmd(d, "cd %P && %S", "/current", line.data), "command failed");
		buf_free(&line);
		return rc;
	}
	/* update, "ref <ref>", or a bare <ref> */
	const char *ref = conf_str(d, "ref");
	if (!strcmp(cmd, "ref") && nargs > 1)
		ref = args[1];
	else if (strcmp(cmd, "update") && strcmp(cmd, "ref"))
		ref = cmd;
	if (!flag_set(d->c, "force") && check_local_changes(d) < 0)
		return -1;
	return do_deploy(d, ref);
}

/* ---------------------------------------------------------- the config */

static int bad_key(struct deploy *d, const cJSON *item, const char *key, const char *what)
{
	char at[512];
	ecosystem_where(d->eco, item, at, sizeof(at));
	return failed(d, "%s: deploy.%s: \"%s\" %s", at, d->env, key, what);
}

static bool is_string_list(const cJSON *v)
{
	if (cJSON_IsString(v))
		return *v->valuestring != '\0';
	if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
		return false;
	for (const cJSON *e = v->child; e; e = e->next)
		if (!cJSON_IsString(e) || !*e->valuestring)
			return false;
	return true;
}

/* PM2's schema (host, repo, path, ref required), checked with places. */
static int check_conf(struct deploy *d)
{
	static const char *const required[] = {"repo", "path", "ref"};
	static const char *const strings[] = {"user",	    "key",	  "fetch",
					      "pre-setup",  "post-setup", "pre-deploy-local",
					      "pre-deploy", "post-deploy"};
	if (!cJSON_IsObject(d->conf))
		return bad_key(d, d->conf, d->env, "must be an object of deploy keys");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(d->conf, "host");
	if (!host)
		return bad_key(d, d->conf, "host", "is required");
	if (!is_string_list(host))
		return bad_key(d, host, "host", "must be a host name or a list of them");
	for (const cJSON *h = cJSON_IsArray(host) ? host->child : host; h;
	     h = cJSON_IsArray(host) ? h->next : NULL)
		if (h->valuestring[0] == '-')
			return bad_key(d, host, "host", "must not start with \"-\"");
	for (size_t i = 0; i < ARRAY_LEN(required); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d->conf, required[i]);
		if (!v)
			return bad_key(d, d->conf, required[i], "is required");
		if (!cJSON_IsString(v) || !*v->valuestring)
			return bad_key(d, v, required[i], "must be a non-empty string");
	}
	for (size_t i = 0; i < ARRAY_LEN(strings); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d->conf, strings[i]);
		if (v && !cJSON_IsString(v))
			return bad_key(d, v, strings[i], "must be a string");
	}
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(d->conf, "user");
	if (user && (!*user->valuestring || user->valuestring[0] == '-'))
		return bad_key(d, user, "user", "must be a user name");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(d->conf, "port");
	if (port && !(cJSON_IsNumber(port) && port->valueint > 0 && port->valueint < 65536) &&
	    !(cJSON_IsString(port) && str_is_uint(port->valuestring)))
		return bad_key(d, port, "port", "must be a port number");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(d->conf, "ssh_options");
	if (opts && !is_string_list(opts))
		return bad_key(d, opts, "ssh_options", "must be an ssh option or a list of them");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(d->conf, "env");
	if (env && !cJSON_IsObject(env))
		return bad_key(d, env, "env", "must be an object of variables");
	for (const cJSON *v = env ? env->child : NULL; v; v = v->next)
		if (cJSON_IsObject(v) || cJSON_IsArray(v))
			return bad_key(d, v, "env",
				       "variables must be strings, numbers or booleans");
	return 0;
}

/* post-deploy, by default `pm2 startOrRestart <file> --env <env>`, with
 * the deploy's env exported first (names upper-cased, as PM2 does). */
static char *post_deploy_cmd(const struct deploy *d)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(d->conf, "env");
	for (const cJSON *v = env ? env->child : NULL; v; v = v->next) {
		char *name = xstrdup(v->string);
		for (char *p = name; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		char num[64];
		if (cJSON_IsNumber(v))
			js_number(v->valuedouble, num, sizeof(num));
		char *val = xstrdup(cJSON_IsString(v)	? v->valuestring
				    : cJSON_IsNumber(v) ? num
				    : cJSON_IsTrue(v)	? "true"
				    : cJSON_IsFalse(v)	? "false"
							: "");
		buf_printf(&b, "export %s=", name);
		sh_quote(&b, val);
		buf_puts(&b, " && ");
		free(name);
		free(val);
	}
	const char *cmd = conf_str(d, "post-deploy");
	if (cmd) {
		buf_puts(&b, cmd);
	} else {
		buf_puts(&b, "pm2 startOrRestart ");
		sh_quote(&b, d->file);
		buf_puts(&b, " --env ");
		sh_quote(&b, d->env);
	}
	return b.data;
}

static void deploy_help(void)
{
	puts("\n-----> Helper: Deployment with PM2\n\n"
	     "  Generate a sample ecosystem.config.js with the command\n"
	     "  $ pm2 ecosystem\n"
	     "  Then edit the file depending on your needs\n\n"
	     "  Commands:\n"
	     "    setup                run remote setup commands\n"
	     "    update               update deploy to the latest release\n"
	     "    revert [n]           revert to [n]th last deployment or 1\n"
	     "    curr[ent]            output current release commit\n"
	     "    prev[ious]           output previous release commit\n"
	     "    exec|run <cmd>       execute the given <cmd>\n"
	     "    list                 list previous deploy commits\n"
	     "    [ref]                deploy to [ref], the \"ref\" setting\n\n"
	     "  Basic Examples:\n\n"
	     "    First initialize remote production host:\n"
	     "    $ pm2 deploy ecosystem.config.js production setup\n\n"
	     "    Then deploy new code:\n"
	     "    $ pm2 deploy ecosystem.config.js production\n\n"
	     "    If I want to revert to the previous commit:\n"
	     "    $ pm2 deploy ecosystem.config.js production revert 1\n\n"
	     "    Execute a command on remote server:\n"
	     "    $ pm2 deploy ecosystem.config.js production exec \"pm2 restart all\"\n");
}

/* Every host of the environment, one after the other; the first failure
 * stops the deploy. */
static int deploy_hosts(struct deploy *d, char **args, int nargs)
{
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(d->conf, "host");
	printf("--> Deploying to %s environment\n", d->env);
	for (const cJSON *h = cJSON_IsArray(host) ? host->child : host; h;
	     h = cJSON_IsArray(host) ? h->next : NULL) {
		d->host = h->valuestring;
		printf("--> on host %s\n", d->host);
		fflush(stdout);
		if (run_command(d, args, nargs) < 0) {
			if (!d->err[0])
				failed(d, "on host %s", d->host);
			return -1;
		}
	}
	printf("--> Success\n");
	return 0;
}

int cmd_deploy(struct cli *c)
{
	int k = 0;
	const char *file =
	    c->npos && ecosystem_is_file(c->pos[0]) ? c->pos[k++] : ecosystem_default();
	if (c->npos <= k || !strcmp(c->pos[0], "help")) {
		deploy_help();
		return 0;
	}
	if (!file) {
		say_err(c,
			"no ecosystem file here (ecosystem.config.js, .cjs, .mjs, ecosystem.json, "
			".yml): pm2 deploy <file> <env>");
		return 1;
	}
	struct ecosystem e;
	struct deploy d = {.c = c, .eco = &e, .file = file, .env = c->pos[k]};
	if (ecosystem_load(&e, file, d.err, sizeof(d.err)) < 0) {
		say_err(c, "%s", d.err);
		ecosystem_free(&e);
		return 1;
	}
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(e.root, "deploy");
	d.conf = cJSON_GetObjectItemCaseSensitive(all, d.env);
	int rc;
	if (!d.conf) {
		say_err(c, "%s environment is not defined in %s file", d.env, file);
		rc = 1;
	} else if (check_conf(&d) < 0) {
		say_err(c, "%s", d.err);
		rc = 1;
	} else {
		d.post_deploy = post_deploy_cmd(&d);
		rc = deploy_hosts(&d, c->pos + k + 1, c->npos - k - 1) < 0;
		if (rc)
			say_err(c, "Deploy failed: %s", d.err);
	}
	free(d.post_deploy);
	ecosystem_free(&e);
	return rc;
}
