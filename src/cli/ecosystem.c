/* ecosystem: reading the files PM2 users keep their apps in, in every
 * form PM2 reads — JSON with comments, YAML, ecosystem.config.js/.cjs/.mjs
 * (evaluated by node, the only way to read JavaScript faithfully), JSON on
 * stdin — into one cJSON tree that start.c and deploy.c check the same
 * way, with file:line:col for JSON and YAML. Also `pm2 ecosystem|init`. */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/json_pos.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Ecosystem files bigger than this are refused (a config, not a dump). */
#define ECOSYSTEM_MAX_BYTES (4u * 1024 * 1024)
#define ECOSYSTEM_MAX_DEPTH 64
/* A config file that takes longer than this to evaluate is stuck. */
#define NODE_EVAL_TIMEOUT_MS 10000

/* What `pm2 start` with no argument looks for, in this order. */
static const char *const default_files[] = {
    "ecosystem.config.js", "ecosystem.config.cjs", "ecosystem.config.mjs",
    "ecosystem.json",	   "ecosystem.yml",	   "ecosystem.yaml",
};

static bool is_js(const char *f)
{
	return str_ends(f, ".config.js") || str_ends(f, ".config.cjs") ||
	       str_ends(f, ".config.mjs");
}

static bool is_yaml(const char *f)
{
	return str_ends(f, ".yml") || str_ends(f, ".yaml");
}

bool ecosystem_is_file(const char *arg)
{
	return str_ends(arg, ".json") || is_js(arg) || is_yaml(arg);
}

const char *ecosystem_default(void)
{
	for (size_t i = 0; i < ARRAY_LEN(default_files); i++)
		if (file_exists(default_files[i]))
			return default_files[i];
	return NULL;
}

static int json_depth(const cJSON *n)
{
	int max = 0;
	for (const cJSON *c = n->child; c; c = c->next) {
		int d = json_depth(c);
		if (d > max)
			max = d;
	}
	return max + 1;
}

/* Read up to ECOSYSTEM_MAX_BYTES from fd 0. */
static char *read_stdin(size_t *len)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	char chunk[4096];
	ssize_t n;
	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > ECOSYSTEM_MAX_BYTES) {
			errno = n < 0 ? errno : EFBIG;
			buf_free(&b);
			return NULL;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	*len = b.len;
	return b.data;
}

static char *read_text(const struct ecosystem *e, bool from_stdin, char *err, size_t errlen)
{
	size_t len;
	char *text = from_stdin ? read_stdin(&len) : read_file(e->name, &len, ECOSYSTEM_MAX_BYTES);
	if (text)
		return text;
	if (errno == EFBIG)
		snprintf(err, errlen, "%s: file is larger than %u bytes", e->name,
			 ECOSYSTEM_MAX_BYTES);
	else
		snprintf(err, errlen, "%s: %s", e->name, strerror(errno));
	return NULL;
}

static int load_json(struct ecosystem *e, char *text, char *err, size_t errlen)
{
	json_blank_comments(text);
	e->text = text;
	e->root = cJSON_ParseWithOpts(text, NULL, 1);
	if (e->root)
		return 0;
	int line, col;
	const char *at = cJSON_GetErrorPtr();
	size_t len = strlen(text);
	json_pos_of_offset(text, at && at >= text && at <= text + len ? (size_t)(at - text) : 0,
			   &line, &col);
	snprintf(err, errlen, "%s:%d:%d: invalid JSON", e->name, line, col);
	return -1;
}

static int load_yaml(struct ecosystem *e, char *text, char *err, size_t errlen)
{
	struct yaml_error ye;
	e->yaml = xcalloc(1, sizeof(*e->yaml));
	int rc = yaml_parse(text, e->yaml, &ye);
	free(text);
	if (rc < 0) {
		snprintf(err, errlen, "%s:%d:%d: %s", e->name, ye.line, ye.col, ye.msg);
		return -1;
	}
	/* The tree stays owned by the yaml doc, positions point into it. */
	e->root = e->yaml->root;
	return 0;
}

/* Loads the file with require() (or import() for ES modules) and writes
 * {"config": module.exports} — or {"error", "line", "col"} — to fd 3, so
 * whatever the file prints on stdout stays out of the way. */
static const char node_eval_js[] =
    "const fs=require('fs'),path=require('path'),url=require('url');"
    "const f=path.resolve(process.argv[1]),u=url.pathToFileURL(f).href;"
    "const done=o=>{let "
    "s;try{s=JSON.stringify(o)}catch(e){s=JSON.stringify({error:String(e.message)})}"
    "fs.writeSync(3,s);process.exit(0)};"
    "const fail=e=>{const st=String(e&&e.stack||e);let m=null;for(const k of [u,f]){const "
    "i=st.indexOf(k);"
    "if(i>=0&&(m=/^:(\\d+)(?::(\\d+))?/.exec(st.slice(i+k.length))))break}"
    "done({error:(e&&e.name?e.name+': ':'')+String(e&&e.message||e).split('\\n')[0],"
    "line:m?+m[1]:0,col:m&&m[2]?+m[2]:0})};"
    "const ok=c=>done({config:c&&c.__esModule&&c.default!==undefined?c.default:c});"
    "const esm=()=>import(u).then(m=>ok(m.default!==undefined?m.default:m),fail);"
    "if(f.endsWith('.mjs'))esm();else try{ok(require(f))}"
    "catch(e){e&&e.code==='ERR_REQUIRE_ESM'?esm():fail(e)}";

static int node_error(const struct ecosystem *e, const cJSON *res, char *err, size_t errlen)
{
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(res, "error");
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(res, "line");
	const cJSON *col = cJSON_GetObjectItemCaseSensitive(res, "col");
	const char *m = cJSON_IsString(msg) ? msg->valuestring : "could not be evaluated";
	if (cJSON_IsNumber(line) && line->valueint > 0 && cJSON_IsNumber(col) && col->valueint > 0)
		snprintf(err, errlen, "%s:%d:%d: %s", e->name, line->valueint, col->valueint, m);
	else if (cJSON_IsNumber(line) && line->valueint > 0)
		snprintf(err, errlen, "%s:%d: %s", e->name, line->valueint, m);
	else
		snprintf(err, errlen, "%s: %s", e->name, m);
	return -1;
}

static int load_js(struct ecosystem *e, const char *path, char *err, size_t errlen)
{
	char *node = path_search("node", getenv("PATH"));
	if (!node) {
		snprintf(err, errlen,
			 "%s: reading a JavaScript ecosystem file needs node, and node "
			 "is not on PATH; write the file as JSON (ecosystem.json) or YAML instead",
			 e->name);
		return -1;
	}
	char *argv[] = {node, "-e", (char *)node_eval_js, (char *)path, NULL};
	struct subproc sp = {.argv = argv,
			     .stdin_fd = -1,
			     .capture_fd = 3,
			     .capture_max = ECOSYSTEM_MAX_BYTES,
			     .timeout_ms = NODE_EVAL_TIMEOUT_MS};
	struct buf out;
	buf_init(&out);
	int rc = subproc_run(&sp, &out);
	free(node);
	cJSON *res = rc == 0 && out.data ? cJSON_Parse(out.data) : NULL;
	buf_free(&out);
	if (!res) {
		if (rc == SUBPROC_TIMEOUT)
			snprintf(err, errlen, "%s: node did not finish evaluating it within %d s",
				 e->name, NODE_EVAL_TIMEOUT_MS / 1000);
		else if (rc == SUBPROC_TOO_BIG)
			snprintf(err, errlen, "%s: file is larger than %u bytes", e->name,
				 ECOSYSTEM_MAX_BYTES);
		else if (rc < 0)
			snprintf(err, errlen, "%s: cannot run node: %s", e->name, strerror(errno));
		else
			snprintf(err, errlen, "%s: node exited with code %d while reading it",
				 e->name, rc);
		return -1;
	}
	cJSON *config = cJSON_DetachItemFromObjectCaseSensitive(res, "config");
	rc = config ? 0 : node_error(e, res, err, errlen);
	cJSON_Delete(res);
	e->root = config;
	return rc;
}

int ecosystem_load(struct ecosystem *e, const char *arg, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	bool from_stdin = strcmp(arg, "-") == 0;
	e->name = from_stdin ? "stdin" : arg;
	char *cwd = getcwd(NULL, 0);
	char *path = path_absolute(cwd ? cwd : "/", from_stdin ? "." : arg);
	free(cwd);
	e->dir = xstrdup(path);
	if (!from_stdin) {
		*strrchr(e->dir, '/') = '\0';
		if (!*e->dir)
			strcpy(e->dir, "/");
	}
	int rc;
	char *text = NULL;
	if (!from_stdin && is_js(arg)) {
		struct stat st;
		if (stat(path, &st) < 0) {
			snprintf(err, errlen, "%s: %s", e->name, strerror(errno));
			rc = -1;
		} else {
			rc = load_js(e, path, err, errlen);
		}
	} else if (!(text = read_text(e, from_stdin, err, errlen))) {
		rc = -1;
	} else {
		rc = !from_stdin && is_yaml(arg) ? load_yaml(e, text, err, errlen)
						 : load_json(e, text, err, errlen);
	}
	free(path);
	if (rc == 0 && e->root && json_depth(e->root) > ECOSYSTEM_MAX_DEPTH) {
		snprintf(err, errlen, "%s: nested deeper than %d levels", e->name,
			 ECOSYSTEM_MAX_DEPTH);
		rc = -1;
	}
	return rc;
}

const cJSON *ecosystem_apps(const struct ecosystem *e, char *err, size_t errlen)
{
	/* {"apps": [...]}, {"apps": {...}}, {"pm2": [...]}, [...] or one bare app. */
	const cJSON *apps = e->root;
	char w[512];
	if (cJSON_IsObject(apps)) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(apps, "apps");
		if (!a)
			a = cJSON_GetObjectItemCaseSensitive(apps, "pm2");
		if (a) {
			apps = a;
		} else if (!cJSON_GetObjectItemCaseSensitive(apps, "script")) {
			ecosystem_where(e, apps, w, sizeof(w));
			snprintf(err, errlen, "%s: no \"apps\" in this file", w);
			return NULL;
		}
	}
	if (!cJSON_IsArray(apps) && !cJSON_IsObject(apps)) {
		ecosystem_where(e, apps, w, sizeof(w));
		snprintf(err, errlen, "%s: \"apps\" must be a list of apps", w);
		return NULL;
	}
	return apps;
}

void ecosystem_where(const struct ecosystem *e, const cJSON *item, char *out, size_t n)
{
	int line, col;
	int found = -1;
	if (e->yaml && item)
		found = yaml_locate(e->yaml, item, &line, &col);
	else if (e->text && item)
		found = json_pos_locate(e->text, e->root, item, &line, &col);
	if (found == 0)
		snprintf(out, n, "%s:%d:%d", e->name, line, col);
	else
		snprintf(out, n, "%s", e->name);
}

void ecosystem_free(struct ecosystem *e)
{
	if (e->yaml)
		yaml_doc_free(e->yaml);
	else
		cJSON_Delete(e->root);
	free(e->yaml);
	free(e->text);
	free(e->dir);
	memset(e, 0, sizeof(*e));
}

cJSON *ecosystem_app_names(struct cli *c, const char *file)
{
	struct ecosystem e;
	char err[1024];
	const cJSON *apps = NULL;
	if (ecosystem_load(&e, file, err, sizeof(err)) == 0)
		apps = ecosystem_apps(&e, err, sizeof(err));
	if (!apps) {
		say_err(c, "%s", err);
		ecosystem_free(&e);
		return NULL;
	}
	cJSON *names = cJSON_CreateArray();
	const cJSON *first = cJSON_IsArray(apps) ? apps->child : apps;
	for (const cJSON *a = first; a; a = cJSON_IsArray(apps) ? a->next : NULL) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(a, "name");
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(a, "script");
		if (cJSON_IsString(nm)) {
			cJSON_AddItemToArray(names, cJSON_CreateString(nm->valuestring));
		} else if (cJSON_IsString(sc)) {
			const char *b = path_basename(sc->valuestring);
			const char *dot = strrchr(b, '.');
			char *n = dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
			cJSON_AddItemToArray(names, cJSON_CreateString(n));
			free(n);
		}
	}
	ecosystem_free(&e);
	return names;
}

/* ------------------------------------------------ pm2 ecosystem | init */

static const char sample_js[] = "module.exports = {\n"
				"  apps: [{\n"
				"    name: 'app',\n"
				"    script: 'index.js',\n"
				"    instances: 1,\n"
				"    env: { NODE_ENV: 'development' },\n"
				"    env_production: { NODE_ENV: 'production' }\n"
				"  }],\n"
				"\n"
				"  deploy: {\n"
				"    production: {\n"
				"      user: 'SSH_USERNAME',\n"
				"      host: 'SSH_HOSTMACHINE',\n"
				"      ref: 'origin/main',\n"
				"      repo: 'GIT_REPOSITORY',\n"
				"      path: 'DESTINATION_PATH',\n"
				"      'pre-deploy-local': '',\n"
				"      'post-deploy': 'npm install && pm2 startOrReload "
				"ecosystem.config.js --env production',\n"
				"      'pre-setup': ''\n"
				"    }\n"
				"  }\n"
				"};\n";

static const char sample_simple_js[] = "module.exports = {\n"
				       "  apps: [{\n"
				       "    name: 'app1',\n"
				       "    script: './app.js'\n"
				       "  }]\n"
				       "};\n";

static const char sample_json[] = "{\n"
				  "  // pm2 start ecosystem.json [--env production]\n"
				  "  \"apps\": [{\n"
				  "    \"name\": \"app\",\n"
				  "    \"script\": \"index.js\",\n"
				  "    \"instances\": 1,\n"
				  "    \"env\": { \"NODE_ENV\": \"development\" },\n"
				  "    \"env_production\": { \"NODE_ENV\": \"production\" }\n"
				  "  }]\n"
				  "}\n";

static const char sample_yaml[] = "# pm2 start ecosystem.yml [--env production]\n"
				  "apps:\n"
				  "  - name: app\n"
				  "    script: index.js\n"
				  "    instances: 1\n"
				  "    env:\n"
				  "      NODE_ENV: development\n"
				  "    env_production:\n"
				  "      NODE_ENV: production\n";

static const struct {
	const char *mode, *file, *text;
} samples[] = {
    {NULL, "ecosystem.config.js", sample_js}, {"simple", "ecosystem.config.js", sample_simple_js},
    {"json", "ecosystem.json", sample_json},  {"yaml", "ecosystem.yml", sample_yaml},
    {"yml", "ecosystem.yml", sample_yaml},
};

static int write_text_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* pm2 ecosystem|init [simple|json|yaml]: write a sample file here. Unlike
 * PM2 we do not overwrite a file that exists, unless --force. */
int cmd_ecosystem(struct cli *c)
{
	const char *mode = c->npos ? c->pos[0] : NULL;
	for (size_t i = 0; i < ARRAY_LEN(samples); i++) {
		if (mode ? !samples[i].mode || strcmp(mode, samples[i].mode)
			 : samples[i].mode != NULL)
			continue;
		char *cwd = getcwd(NULL, 0);
		char *path = path_absolute(cwd ? cwd : "/", samples[i].file);
		free(cwd);
		int rc = 0;
		if (file_exists(path) && !flag_set(c, "force")) {
			say_err(c, "%s already exists (use --force to overwrite it)", path);
			rc = 1;
		} else if (write_text_file(path, samples[i].text) < 0) {
			say_err(c, "%s: %s", path, strerror(errno));
			rc = 1;
		} else {
			printf("File %s generated\n", path);
		}
		free(path);
		return rc;
	}
	say_err(c, "unknown sample \"%s\": pm2 ecosystem [simple|json|yaml]", mode);
	return 1;
}
