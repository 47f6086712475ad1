/* web: the supervisor's HTTP face, for orchestrators and people — probes
 * (/healthz, /readyz), Prometheus /metrics, the process list as JSON, a
 * status page, and restart/reload/stop for whoever holds the token. The
 * HTTP itself is http.c's; the figures are jlist's and metrics.c's; the
 * actions are the control requests' own handlers. */
#define _GNU_SOURCE
#include "control.h"
#include "http.h"
#include "log.h"
#include "../common/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct web {
	struct http_server *http;
	char *token; /* NULL: read-only */
	/* Bound to loopback: only a loopback Host may ask. A web page on
	 * another site cannot then read the apps' environment through DNS
	 * rebinding (its Host header is its own name). */
	bool loopback_only;
};

/* The status page (web/index.html, built in by web_page.c). */
extern const char web_page_html[];
extern const char web_page_html_end[];

/* --- access rules ------------------------------------------------------ */

static bool host_is_loopback(const char *host)
{
	char name[64];
	size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (n >= sizeof(name))
		return false;
	memcpy(name, host, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
		return true;
	struct hostport hp;
	const char *why;
	return str_starts(name, "127.") && hostport_parse(name, name, 0, &hp, &why) == 0;
}

/* Compare in time that does not depend on where the strings differ. */
static bool token_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char diff = na != nb;
	for (size_t i = 0; i < na; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
	return diff == 0;
}

/* Mutating requests: only with a token configured, and only with it. */
static bool action_allowed(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	const struct web *w = d->web;
	if (!w->token) {
		http_reply_text(rp, 403,
				"actions are off: start the web interface with --web-token "
				"or PM2_WEB_TOKEN\n");
		return false;
	}
	const char *auth = rq->authorization;
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !token_equal(auth + 7, w->token)) {
		http_reply_text(rp, 401,
				"a valid token is needed: Authorization: Bearer <token>\n");
		buf_puts(&rp->headers, "WWW-Authenticate: Bearer\r\n");
		return false;
	}
	return true;
}

/* --- routes ------------------------------------------------------------ */

static void reply_json(struct http_reply *rp, int status, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	rp->status = status;
	rp->type = "application/json";
	buf_puts(&rp->body, s);
	buf_puts(&rp->body, "\n");
	cJSON_free(s);
	cJSON_Delete(j);
}

static void route_page(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	(void)d;
	(void)rq;
	rp->type = "text/html; charset=utf-8";
	buf_append(&rp->body, web_page_html, (size_t)(web_page_html_end - web_page_html));
	/* Everything the page needs is inline; it may talk only to us, and
	 * no other site may frame it (its buttons act). */
	buf_puts(&rp->headers,
		 "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
		 "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
		 "frame-ancestors 'none'\r\n"
		 "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n");
}

/* Liveness: answering at all is the proof the loop runs. */
static void route_healthz(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	(void)d;
	(void)rq;
	http_reply_text(rp, 200, "ok\n");
}

static bool is_target(const struct instance *in, const char *t)
{
	char id[16];
	snprintf(id, sizeof(id), "%d", in->pm_id);
	return !t || strcmp(t, "all") == 0 || strcmp(t, id) == 0 ||
	       strcmp(t, in->conf->name) == 0 || strcmp(t, in->conf->namespace) == 0;
}

/* Readiness: every instance (of ?app=) online and not about to change;
 * 503 with the reasons otherwise, as `pm2 ready` words them. */
static void route_readyz(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	char app[256];
	const char *t = http_query_get(rq->query, "app", app, sizeof(app)) ? app : NULL;
	if (d->stopping_all) {
		http_reply_text(rp, 503, "not ready: shutting down\n");
		return;
	}
	int wanted = 0, ready = 0;
	struct buf why;
	buf_init(&why);
	for (struct instance *in = d->procs; in; in = in->next) {
		if (!is_target(in, t))
			continue;
		wanted++;
		if (in->state == ST_ONLINE && !instance_busy(in)) {
			ready++;
			continue;
		}
		const char *state = in->state == ST_ONLINE ? "restarting" : state_name(in->state);
		buf_printf(&why, "%s%s (id %d) is %s", why.len ? ", " : "", in->conf->name,
			   in->pm_id, state);
	}
	if (!wanted && t)
		http_reply_text(rp, 503, "not ready: no process found for \"%s\"\n", t);
	else if (!wanted)
		http_reply_text(rp, 503, "not ready: no process is running\n");
	else if (ready < wanted)
		http_reply_text(rp, 503, "not ready: %s\n", why.data);
	else
		http_reply_text(rp, 200, "ready: %d/%d process%s online\n", ready, wanted,
				wanted > 1 ? "es" : "");
	buf_free(&why);
}

static void route_metrics(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	(void)rq;
	rp->type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(d, &rp->body);
}

/* What `pm2 jlist` prints. */
static void route_processes(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	(void)rq;
	reply_json(rp, 200, jlist_all(d, JLIST_FULL));
}

/* What the page needs to know about us. */
static void route_info(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	(void)rq;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "version", PM2_VERSION);
	cJSON_AddNumberToObject(j, "pid", getpid());
	cJSON_AddNumberToObject(j, "started_at", (double)d->started_wall);
	cJSON_AddBoolToObject(j, "actions", d->web->token != NULL);
	reply_json(rp, 200, j);
}

/* POST /api/processes/<id|name|namespace|all>/<restart|reload|stop>:
 * the same handlers as the CLI's requests, answered at once (202) rather
 * than when the instances have settled; the page polls. */
static void route_action(struct daemon *d, const struct http_req *rq, struct http_reply *rp)
{
	if (!action_allowed(d, rq, rp))
		return;
	const char *rest = rq->path + strlen("/api/processes/");
	const char *slash = strrchr(rest, '/');
	char target[256];
	if (!slash || http_pct_decode(rest, (size_t)(slash - rest), target, sizeof(target)) < 0 ||
	    !*target) {
		http_reply_text(rp, 404,
				"expected /api/processes/<id|name>/<restart|reload|stop>\n");
		return;
	}
	const char *action = slash + 1;
	const char *cmd = action;
	if (strcmp(cmd, "restart") && strcmp(cmd, "reload") && strcmp(cmd, "stop")) {
		http_reply_text(rp, 404, "unknown action \"%.32s\": restart, reload or stop\n",
				action);
		return;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	const char *targets[] = { target };
	cJSON_AddItemToObject(req, "targets", cJSON_CreateStringArray(targets, 1));
	cJSON *reply = commands_dispatch(d, NULL, req);
	cJSON_Delete(req);
	bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
	dlog_info("web: %s %s%s", action, target, ok ? "" : " (no such process)");
	/* With one valid action and one target, the only failure is a
	 * target that matches nothing. */
	reply_json(rp, ok ? 202 : 404, reply);
}

static const struct route {
	const char *path;
	bool prefix; /* path is a prefix */
	bool action; /* POST, with the token */
	void (*fn)(struct daemon *d, const struct http_req *rq, struct http_reply *rp);
} routes[] = {
	{ "/", false, false, route_page },
	{ "/healthz", false, false, route_healthz },
	{ "/readyz", false, false, route_readyz },
	{ "/metrics", false, false, route_metrics },
	{ "/api/processes", false, false, route_processes },
	{ "/api/info", false, false, route_info },
	{ "/api/processes/", true, true, route_action },
};

static void web_handle(void *ctx, const struct http_req *rq, struct http_reply *rp)
{
	struct daemon *d = ctx;
	if (d->web->loopback_only && rq->host && !host_is_loopback(rq->host)) {
		http_reply_text(rp, 403, "this interface answers to localhost only\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
		const struct route *r = &routes[i];
		bool match = r->prefix ? str_starts(rq->path, r->path) : !strcmp(rq->path, r->path);
		if (!match)
			continue;
		bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
		if (r->action ? strcmp(rq->method, "POST") != 0 : !get) {
			http_reply_text(rp, 405, "method not allowed\n");
			buf_puts(&rp->headers, r->action ? "Allow: POST\r\n" : "Allow: GET, HEAD\r\n");
			return;
		}
		r->fn(d, rq, rp);
		return;
	}
	http_reply_text(rp, 404, "not found\n");
}

/* --- lifecycle --------------------------------------------------------- */

void web_stop(struct daemon *d)
{
	struct web *w = d->web;
	if (!w)
		return;
	http_close(w->http);
	free(w->token);
	free(w);
	d->web = NULL;
}

bool web_where(const struct daemon *d, char *listen, size_t n, const char **token)
{
	if (!d->web)
		return false;
	hostport_format(http_address(d->web->http), listen, n);
	*token = d->web->token;
	return true;
}

int web_fd(const struct daemon *d)
{
	return d->web ? http_fd(d->web->http) : -1;
}

/* Serve with this server from now on (the old one, if any, is closed). */
static void web_use(struct daemon *d, struct http_server *http)
{
	web_stop(d);
	d->web = xcalloc(1, sizeof(*d->web));
	d->web->http = http;
	d->web->loopback_only = hostport_is_loopback(http_address(http));
}

/* The token is set and the address logged, however the socket came. */
static void web_announce(struct daemon *d, const char *token)
{
	char have[80];
	free(d->web->token);
	d->web->token = token && *token ? xstrdup(token) : NULL;
	hostport_format(http_address(d->web->http), have, sizeof(have));
	dlog_info("web interface on http://%s (actions %s)", have, d->web->token ? "on" : "off");
}

int web_adopt(struct daemon *d, int fd, const char *token)
{
	struct http_server *http = http_adopt(&d->loop, fd, web_handle, d);
	if (!http)
		return -1;
	web_use(d, http);
	web_announce(d, token);
	return 0;
}

int web_start(struct daemon *d, const char *listen, const char *token, char *err, size_t errlen)
{
	struct hostport addr;
	const char *why;
	if (hostport_parse(listen, HOSTPORT_DEFAULT_HOST, HOSTPORT_DEFAULT_PORT, &addr, &why) < 0) {
		snprintf(err, errlen, "web: bad address \"%s\": %s", listen ? listen : "", why);
		return -1;
	}
	char want[80], have[80] = "";
	hostport_format(&addr, want, sizeof(want));
	if (d->web)
		hostport_format(http_address(d->web->http), have, sizeof(have));
	/* Serving there already: only the token changes. Elsewhere: the new
	 * address must work before the old one is given up. */
	if (strcmp(want, have) != 0) {
		struct http_server *http = http_listen(&d->loop, &addr, web_handle, d, err, errlen);
		if (!http)
			return -1;
		web_use(d, http);
	}
	web_announce(d, token);
	return 0;
}

/* The control request: {"cmd":"web","listen":"127.0.0.1:9615","token":…}
 * or {"cmd":"web","stop":true}. */
cJSON *web_request(struct daemon *d, struct client *c, const cJSON *req)
{
	(void)c;
	cJSON *r = cJSON_CreateObject();
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "stop"))) {
		cJSON_AddBoolToObject(r, "ok", d->web != NULL);
		if (!d->web)
			cJSON_AddStringToObject(r, "error", "the web interface is not running");
		web_stop(d);
		return r;
	}
	const cJSON *listen = cJSON_GetObjectItemCaseSensitive(req, "listen");
	const cJSON *token = cJSON_GetObjectItemCaseSensitive(req, "token");
	char err[256];
	if (web_start(d, cJSON_GetStringValue(listen), cJSON_GetStringValue(token), err,
		      sizeof(err)) < 0) {
		cJSON_AddFalseToObject(r, "ok");
		cJSON_AddStringToObject(r, "error", err);
		return r;
	}
	char where[80];
	hostport_format(http_address(d->web->http), where, sizeof(where));
	cJSON_AddTrueToObject(r, "ok");
	cJSON_AddStringToObject(r, "listen", where);
	cJSON_AddBoolToObject(r, "actions", d->web->token != NULL);
	return r;
}
