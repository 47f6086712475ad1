/* module: PM2's module commands for the one module we have built in,
 * pm2-logrotate — `pm2 install|uninstall pm2-logrotate` and the settings
 * commands `pm2 set|get|unset|conf` over $PM2_HOME/module_conf.json. The
 * file is edited here (it works without a daemon, as PM2's does); a
 * running daemon is then told to read it again. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/module_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_BLUE "\033[34m"
#define C_GREEN "\033[32m"

static void say_mod(struct cli *c, const char *msg)
{
	printf(c->color ? "\033[32m[PM2][Module] " C_RESET "%s\n" : "[PM2][Module] %s\n", msg);
}

static cJSON *load(struct cli *c)
{
	char err[512];
	cJSON *conf = modconf_load(c->paths.home, err, sizeof(err));
	if (!conf)
		say_err(c, "%s", err);
	return conf;
}

static int save(struct cli *c, const cJSON *conf)
{
	char err[512];
	if (paths_make_dirs(&c->paths) < 0 || modconf_save(c->paths.home, conf, err, sizeof(err)) < 0) {
		say_err(c, "%s", err);
		return -1;
	}
	return 0;
}

/* A running daemon reads the settings again; a stopped one reads them
 * when it starts. */
static void tell_daemon(struct cli *c, bool start_it)
{
	cJSON *req = client_request("moduleConf");
	cJSON *reply = client_call(c, req, start_it, true);
	cJSON_Delete(req);
	cJSON_Delete(reply);
}

static char *value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

/* PM2's dispKeys: every module's settings as `pm2 set` lines. */
static void show_conf(struct cli *c, const cJSON *conf, const char *only)
{
	for (const cJSON *m = conf->child; m; m = m->next) {
		if (!cJSON_IsObject(m) || !strcmp(m->string, MODCONF_INSTALLED))
			continue;
		if (only && strcmp(only, m->string) != 0)
			continue;
		if (c->color)
			printf(C_BOLD "Module: " C_RESET C_BOLD C_BLUE "%s" C_RESET "\n", m->string);
		else
			printf("Module: %s\n", m->string);
		for (const cJSON *k = m->child; k; k = k->next) {
			char *v = value_text(k);
			printf("$ pm2 set %s:%s %s\n", m->string, k->string, v);
			free(v);
		}
	}
}

/* "module:key" or "module.key", as PM2's splitKey. */
static int split_key(struct cli *c, const char *key, char **module, char **name);

/* The key argument of set and unset, which need `need` arguments. */
static int key_arg(struct cli *c, int need, const char *example, char **module, char **name)
{
	if (c->npos < need) {
		say_err(c, "%s needs %s: pm2 %s", c->cmd, need > 1 ? "a key and a value" : "a key",
			example);
		return -1;
	}
	return split_key(c, c->pos[0], module, name);
}

static int split_key(struct cli *c, const char *key, char **module, char **name)
{
	const char *sep = strchr(key, ':');
	if (!sep)
		sep = strchr(key, '.');
	*module = sep ? xstrndup(key, (size_t)(sep - key)) : xstrdup(key);
	*name = sep ? xstrdup(sep + 1) : NULL;
	static const char *const bad[] = { "__proto__", "constructor", "prototype", "" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (!strcmp(*module, bad[i]) || (*name && !strcmp(*name, bad[i]))) {
			say_err(c, "\"%s\" is not a valid setting name", key);
			free(*module);
			free(*name);
			return -1;
		}
	return 0;
}

static const char *module_arg(const char *arg)
{
	/* pm2-logrotate@2.7.0 installs the built-in one too */
	size_t n = strlen(LOGROTATE_MODULE);
	if (!strncmp(arg, LOGROTATE_MODULE, n) && (!arg[n] || arg[n] == '@'))
		return LOGROTATE_MODULE;
	return NULL;
}

int cmd_install(struct cli *c)
{
	if (c->npos < 1 || !module_arg(c->pos[0])) {
		say_err(c, "%s: only the built-in pm2-logrotate can be installed (this PM2 has no npm modules)",
			c->npos ? c->pos[0] : "install");
		return 1;
	}
	cJSON *conf = load(c);
	if (!conf)
		return 1;
	say_mod(c, "Installing pm2-logrotate (built in, nothing to download)");
	cJSON *mine = cJSON_GetObjectItemCaseSensitive(conf, LOGROTATE_MODULE);
	if (!cJSON_IsObject(mine)) {
		cJSON_DeleteItemFromObjectCaseSensitive(conf, LOGROTATE_MODULE);
		mine = cJSON_AddObjectToObject(conf, LOGROTATE_MODULE);
	}
	/* The module's defaults, where the user has set nothing. */
	for (size_t i = 0; i < logrotate_ndefaults; i++) {
		const struct logrotate_default *d = &logrotate_defaults[i];
		if (cJSON_GetObjectItemCaseSensitive(mine, d->key))
			continue;
		cJSON_AddItemToObject(mine, d->key,
				      d->boolean ? cJSON_CreateBool(d->value[0] == 't')
						 : cJSON_CreateString(d->value));
	}
	cJSON *db = cJSON_GetObjectItemCaseSensitive(conf, MODCONF_INSTALLED);
	if (!cJSON_IsObject(db)) {
		cJSON_DeleteItemFromObjectCaseSensitive(conf, MODCONF_INSTALLED);
		db = cJSON_AddObjectToObject(conf, MODCONF_INSTALLED);
	}
	if (!cJSON_GetObjectItemCaseSensitive(db, LOGROTATE_MODULE))
		cJSON_AddObjectToObject(db, LOGROTATE_MODULE);
	int rc = save(c, conf);
	if (rc == 0) {
		tell_daemon(c, true);
		show_conf(c, conf, LOGROTATE_MODULE);
		say_mod(c, "Module successfully installed and launched");
		say_mod(c, "Checkout module options: `$ pm2 conf`");
	}
	cJSON_Delete(conf);
	return rc ? 1 : 0;
}

int cmd_uninstall(struct cli *c)
{
	cJSON *conf = c->npos && module_arg(c->pos[0]) ? load(c) : NULL;
	if (!conf) {
		if (!c->npos || !module_arg(c->pos[0]))
			say_err(c, "%s: only the built-in pm2-logrotate can be uninstalled",
				c->npos ? c->pos[0] : "uninstall");
		return 1;
	}
	if (!modconf_installed(conf, LOGROTATE_MODULE)) {
		say_err(c, "Module %s is not installed", LOGROTATE_MODULE);
		cJSON_Delete(conf);
		return 1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(conf, MODCONF_INSTALLED), LOGROTATE_MODULE);
	int rc = save(c, conf);
	cJSON_Delete(conf);
	if (rc)
		return 1;
	tell_daemon(c, false);
	say_mod(c, "Module pm2-logrotate uninstalled (its settings are kept)");
	return 0;
}

int cmd_set(struct cli *c)
{
	char *module, *name;
	if (key_arg(c, 2, "set pm2-logrotate:max_size 10M", &module, &name) < 0)
		return 1;
	cJSON *value = cJSON_CreateString(c->pos[1]);
	char err[300];
	int rc = 1;
	cJSON *conf = NULL;
	if (name && !strcmp(module, LOGROTATE_MODULE) && logrotate_check(name, value, err, sizeof(err)) < 0) {
		say_err(c, "%s, got \"%s\"", err, c->pos[1]);
		goto out;
	}
	if (!(conf = load(c)))
		goto out;
	cJSON *where = conf;
	if (name) {
		where = cJSON_GetObjectItemCaseSensitive(conf, module);
		if (!cJSON_IsObject(where)) {
			cJSON_DeleteItemFromObjectCaseSensitive(conf, module);
			where = cJSON_AddObjectToObject(conf, module);
		}
	}
	const char *key = name ? name : module;
	/* In place if it exists: the file keeps its order. */
	if (cJSON_GetObjectItemCaseSensitive(where, key))
		cJSON_ReplaceItemInObjectCaseSensitive(where, key, value);
	else
		cJSON_AddItemToObject(where, key, value);
	value = NULL;
	if (save(c, conf) < 0)
		goto out;
	if (name)
		tell_daemon(c, false);
	say(c, "Setting changed");
	show_conf(c, conf, name ? module : NULL);
	rc = 0;
out:
	cJSON_Delete(value);
	cJSON_Delete(conf);
	free(module);
	free(name);
	return rc;
}

int cmd_unset(struct cli *c)
{
	char *module, *name;
	if (key_arg(c, 1, "unset pm2-logrotate:max_size", &module, &name) < 0)
		return 1;
	cJSON *conf = load(c);
	int rc = 1;
	if (conf) {
		if (name)
			cJSON_DeleteItemFromObjectCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(conf, module), name);
		else
			cJSON_DeleteItemFromObjectCaseSensitive(conf, module);
		if (save(c, conf) == 0) {
			tell_daemon(c, false);
			show_conf(c, conf, NULL);
			rc = 0;
		}
	}
	cJSON_Delete(conf);
	free(module);
	free(name);
	return rc;
}

int cmd_get(struct cli *c)
{
	cJSON *conf = load(c);
	if (!conf)
		return 1;
	int rc = 0;
	char *module = NULL, *name = NULL;
	if (!c->npos || !strcmp(c->pos[0], "all")) {
		show_conf(c, conf, NULL);
	} else if (split_key(c, c->pos[0], &module, &name) < 0) {
		rc = 1;
	} else if (!name && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(conf, module))) {
		show_conf(c, conf, module);
		puts("Modules configuration. Copy/Paste line to edit values.");
	} else {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(conf, module);
		if (name)
			v = cJSON_GetObjectItemCaseSensitive(v, name);
		char *text = v ? value_text(v) : NULL;
		if (!text) {
			say_err(c, "%s is not set", c->pos[0]);
			rc = 1;
		} else if (!name) {
			puts(text);
		} else if (c->color) {
			printf("Value for module " C_BLUE "%s" C_RESET " key " C_BLUE "%s" C_RESET
			       ": " C_BOLD C_GREEN "%s" C_RESET "\n", module, name, text);
		} else {
			printf("Value for module %s key %s: %s\n", module, name, text);
		}
		free(text);
	}
	free(module);
	free(name);
	cJSON_Delete(conf);
	return rc;
}

/* conf [key [value]]: set with a value, get with a key, else show all. */
int cmd_conf(struct cli *c)
{
	if (c->npos >= 2)
		return cmd_set(c);
	return cmd_get(c);
}
