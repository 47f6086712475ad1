/* ops: everyday operations that are mostly CLI-side — save/dump,
 * resurrect, cleardump, env, pid, id, and startup/unstartup (a systemd
 * unit that brings the daemon and the saved apps back at boot). */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/app_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DUMP_MAX_BYTES (64u * 1024 * 1024)

static char *dump_path(struct cli *c, const char *suffix)
{
	return xasprintf("%s/dump.pm2%s", c->paths.home, suffix);
}

/* Write `text` to `path` atomically: a temp file, fsync, rename; the
 * previous file stays as `bak` (a hard link, so there is never a moment
 * without a dump). */
static int write_atomic(const char *path, const char *bak, const char *text)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;
	if (fd >= 0) {
		rc = write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0 ? 0 : -1;
		close(fd);
	}
	if (rc == 0 && bak && file_exists(path)) {
		unlink(bak);
		if (link(path, bak) < 0)
			rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

int ops_save(struct cli *c)
{
	cJSON *procs = client_list(c, true, false);
	if (!procs)
		return 1;
	say(c, "Saving current process list...");
	if (!cJSON_GetArraySize(procs) && !flag_set(c, "force")) {
		say_warn(c, "PM2 is not managing any process, skipping save...");
		say_warn(c, "To force saving use: pm2 save --force");
		cJSON_Delete(procs);
		return 0;
	}
	/* PM2's dump: one pm2_env per process. */
	cJSON *dump = cJSON_CreateArray();
	for (cJSON *p = procs->child; p; p = p->next)
		cJSON_AddItemToArray(dump, cJSON_DetachItemFromObjectCaseSensitive(p, "pm2_env"));
	char *text = cJSON_Print(dump);
	char *path = dump_path(c, ""), *bak = dump_path(c, ".bak");
	int rc = write_atomic(path, bak, text);
	if (rc < 0)
		say_err(c, "cannot write %s: %s", path, strerror(errno));
	else
		say(c, "Successfully saved in %s", path);
	cJSON_free(text);
	free(path);
	free(bak);
	cJSON_Delete(dump);
	cJSON_Delete(procs);
	return rc < 0 ? 1 : 0;
}

/* A dump entry back into an app as `start` takes it. Dumps written by
 * PM2 itself have no "script"/"cwd" keys, only pm_exec_path/pm_cwd. */
static cJSON *entry_to_app(const cJSON *e)
{
	cJSON *app = cJSON_Duplicate(e, 1);
	static const struct { const char *from, *to; } renames[] = {
		{ "pm_exec_path", "script" }, { "pm_cwd", "cwd" },
		{ "pm_out_log_path", "out_file" }, { "pm_err_log_path", "error_file" },
	};
	for (size_t i = 0; i < ARRAY_LEN(renames); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, renames[i].from);
		if (cJSON_IsString(v) && !cJSON_GetObjectItemCaseSensitive(app, renames[i].to))
			cJSON_AddStringToObject(app, renames[i].to, v->valuestring);
	}
	struct spec_error se;
	cJSON *spec = app_spec_normalize(app, &se, NULL, NULL);
	cJSON_Delete(app);
	return spec;
}

static cJSON *read_dump(struct cli *c, const char *path)
{
	char *text = read_file(path, NULL, DUMP_MAX_BYTES);
	if (!text)
		return NULL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		say_warn(c, "%s is not a valid dump", path);
		return NULL;
	}
	return j;
}

static bool name_running(const cJSON *procs, const char *name)
{
	for (const cJSON *p = procs ? procs->child : NULL; p; p = p->next) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return true;
	}
	return false;
}

int ops_resurrect(struct cli *c)
{
	char *path = dump_path(c, ""), *bak = dump_path(c, ".bak");
	say(c, "Resurrecting");
	cJSON *dump = read_dump(c, path);
	const char *used = path;
	if (!dump && (dump = read_dump(c, bak))) {
		say_warn(c, "%s is missing or broken, using %s", path, bak);
		used = bak;
	}
	if (!dump) {
		say_err(c, "No processes saved; file %s does not exist", path);
		free(path);
		free(bak);
		return 1;
	}
	say(c, "Restoring processes located in %s", used);
	cJSON *running = client_list(c, true, false);
	if (!running) {
		cJSON_Delete(dump);
		free(path);
		free(bak);
		return 1;
	}
	/* One app per name; its instance count is how many were saved. */
	cJSON *apps = cJSON_CreateArray();
	for (const cJSON *e = dump->child; e; e = e->next) {
		cJSON *spec = entry_to_app(e);
		const char *name = spec ? spec_str(spec, "name", NULL) : NULL;
		if (!name || name_running(running, name) || name_running(apps, name)) {
			cJSON_Delete(spec);
			continue;
		}
		int count = 0;
		for (const cJSON *o = dump->child; o; o = o->next) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
			count += cJSON_IsString(n) && strcmp(n->valuestring, name) == 0;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "instances");
		cJSON_AddNumberToObject(spec, "instances", count);
		cJSON_AddItemToArray(apps, spec);
	}
	int rc = 0;
	if (cJSON_GetArraySize(apps)) {
		cJSON *req = client_request("start");
		cJSON_AddItemToObject(req, "apps", apps);
		cJSON *reply = client_do(c, req, true, false);
		rc = reply ? 0 : 1;
		cJSON_Delete(reply);
	} else {
		cJSON_Delete(apps);
	}
	cJSON_Delete(running);
	cJSON_Delete(dump);
	free(path);
	free(bak);
	return rc ? rc : show_list_after(c);
}

int ops_cleardump(struct cli *c)
{
	char *path = dump_path(c, "");
	int rc = write_atomic(path, NULL, "[]");
	if (rc < 0)
		say_err(c, "cannot write %s: %s", path, strerror(errno));
	else
		say(c, "Successfully created %s", path);
	free(path);
	return rc < 0 ? 1 : 0;
}

/* Processes whose name or id is `target` ("all": every one). */
static bool matches(const cJSON *p, const char *target)
{
	if (!target || strcmp(target, "all") == 0)
		return true;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "pm_id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%d", id ? id->valueint : -1);
	return strcmp(tmp, target) == 0 || (cJSON_IsString(name) && strcmp(name->valuestring, target) == 0);
}

int ops_env(struct cli *c)
{
	cJSON *procs = client_list_for(c, "env needs a process id: pm2 env 0");
	if (!procs)
		return 1;
	int shown = 0;
	for (const cJSON *p = procs->child; p; p = p->next) {
		if (!str_is_uint(c->pos[0]) || !matches(p, c->pos[0]))
			continue;
		const cJSON *env = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(p, "pm2_env"), "env");
		for (const cJSON *v = env ? env->child : NULL; v; v = v->next)
			printf("%s: %s\n", v->string, cJSON_IsString(v) ? v->valuestring : "");
		shown++;
	}
	cJSON_Delete(procs);
	if (!shown) {
		say_err(c, "Modules with id %s not found", c->pos[0]);
		return 1;
	}
	return 0;
}

int ops_pid(struct cli *c)
{
	cJSON *procs = client_list(c, true, false);
	if (!procs)
		return 1;
	for (const cJSON *p = procs->child; p; p = p->next)
		if (matches(p, c->npos ? c->pos[0] : NULL))
			printf("%d\n", cJSON_GetObjectItemCaseSensitive(p, "pid")->valueint);
	cJSON_Delete(procs);
	return 0;
}

int ops_id(struct cli *c)
{
	cJSON *procs = client_list_for(c, "id needs an app name: pm2 id api");
	if (!procs)
		return 1;
	struct buf out;
	buf_init(&out);
	buf_puts(&out, "[");
	int n = 0;
	for (const cJSON *p = procs->child; p; p = p->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(name) && strcmp(name->valuestring, c->pos[0]) == 0)
			buf_printf(&out, "%s %d", n++ ? "," : "",
				   cJSON_GetObjectItemCaseSensitive(p, "pm_id")->valueint);
	}
	buf_puts(&out, n ? " ]" : "]");
	puts(out.data);
	buf_free(&out);
	cJSON_Delete(procs);
	return 0;
}

/* --- startup ----------------------------------------------------------- */

static char *unit_dir(void)
{
	const char *d = getenv("PM2_SYSTEMD_DIR"); /* packaging and tests */
	return xstrdup(d && *d ? d : "/etc/systemd/system");
}

static char *unit_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return xasprintf("pm2-%s.service", pw ? pw->pw_name : "root");
}

/* systemctl <verb> [unit]: 0 on success, 1 otherwise. */
static int systemctl(struct cli *c, const char *verb, const char *unit)
{
	char *argv[] = { "systemctl", (char *)verb, (char *)unit, NULL };
	struct subproc sp = { .argv = argv, .stdin_fd = -1 };
	int rc = subproc_run(&sp, NULL);
	if (rc != 0)
		say_err(c, "systemctl %s%s%s failed", verb, unit ? " " : "", unit ? unit : "");
	return rc != 0;
}

int ops_startup(struct cli *c)
{
	const char *initsys = c->npos ? c->pos[0] : "systemd";
	if (strcmp(initsys, "systemd") != 0) {
		say_err(c, "Init system %s is not supported: only systemd (containers: use pm2-runtime as PID 1)",
			initsys);
		return 1;
	}
	char *dir = unit_dir(), *name = unit_name();
	char *path = xasprintf("%s/%s", dir, name);
	const char *pathenv = getenv("PATH");
	char *unit = xasprintf(
		"[Unit]\n"
		"Description=PM2 process manager\n"
		"Documentation=https://pm2.keymetrics.io/\n"
		"After=network.target\n"
		"\n"
		"[Service]\n"
		"Type=forking\n"
		"User=%s\n"
		"LimitNOFILE=infinity\n"
		"LimitNPROC=infinity\n"
		"LimitCORE=infinity\n"
		"Environment=PATH=%s\n"
		"Environment=PM2_HOME=%s\n"
		"PIDFile=%s/pm2.pid\n"
		"Restart=on-failure\n"
		"\n"
		"ExecStart=%s resurrect\n"
		"ExecReload=%s reload all\n"
		"ExecStop=%s kill\n"
		"\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n",
		getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "root",
		pathenv ? pathenv : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		c->paths.home, c->paths.home, c->self_exe, c->self_exe, c->self_exe);
	int rc = 0;
	if (geteuid() != 0) {
		say(c, "To setup the Startup Script, copy/paste the following command:");
		printf("sudo env PATH=$PATH:%s %s startup systemd -u %s --hp %s\n",
		       getenv("PATH") ? getenv("PATH") : "", c->self_exe,
		       getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "", getenv("HOME") ? getenv("HOME") : "");
	} else if (mkdir_p(dir, 0755) < 0 || write_atomic(path, NULL, unit) < 0) {
		say_err(c, "cannot write %s: %s", path, strerror(errno));
		rc = 1;
	} else {
		chmod(path, 0644);
		say(c, "Writing init configuration in %s", path);
		if (access("/run/systemd/system", F_OK) == 0) {
			say(c, "[-] Executing: systemctl daemon-reload && systemctl enable %s...", name);
			rc = systemctl(c, "daemon-reload", NULL) || systemctl(c, "enable", name);
		} else {
			say(c, "systemd is not running here: enable it later with `systemctl enable %s`", name);
		}
		say(c, "Freeze a process list on reboot via: pm2 save");
	}
	free(unit);
	free(path);
	free(dir);
	free(name);
	return rc;
}

int ops_unstartup(struct cli *c)
{
	char *dir = unit_dir(), *name = unit_name();
	char *path = xasprintf("%s/%s", dir, name);
	int rc = 0;
	if (access("/run/systemd/system", F_OK) == 0)
		rc = systemctl(c, "disable", name);
	if (unlink(path) < 0 && errno != ENOENT) {
		say_err(c, "cannot remove %s: %s", path, strerror(errno));
		rc = 1;
	} else {
		say(c, "Init file %s removed", path);
	}
	free(path);
	free(dir);
	free(name);
	return rc;
}
