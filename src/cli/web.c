/* web: `pm2 web [address]` turns on the daemon's HTTP interface, `pm2 web
 * stop` turns it off; `--web [address]` does the same for `start` and the
 * foreground runtime. The address and the token are settled here, where
 * the user's environment is (PM2_API_PORT, PM2_API_IPADDR, PM2_WEB_TOKEN). */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/hostport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The env variable that holds the token for restart/reload/stop. */
#define WEB_TOKEN_ENV "PM2_WEB_TOKEN"

int web_resolve_listen(struct cli *c, const char *arg, char *out, size_t outlen)
{
	struct hostport hp;
	const char *why;
	if (hostport_parse_env(arg, &hp, &why) < 0) {
		if (arg)
			say_err(c, "--web: bad address \"%s\": %s", arg, why);
		else
			say_err(c, "--web: %s", why);
		return -1;
	}
	hostport_format(&hp, out, outlen);
	return 0;
}

const char *web_token(const struct cli *c)
{
	const char *t = flag_str(c, "web-token");
	if (!t)
		t = getenv(WEB_TOKEN_ENV);
	return t && *t ? t : NULL;
}

/* Ask the daemon to serve on `arg` (NULL: the default address). */
int web_enable(struct cli *c, const char *arg)
{
	char listen[80];
	if (web_resolve_listen(c, arg, listen, sizeof(listen)) < 0)
		return 1;
	cJSON *req = client_request("web");
	cJSON_AddStringToObject(req, "listen", listen);
	if (web_token(c))
		cJSON_AddStringToObject(req, "token", web_token(c));
	cJSON *reply = client_do(c, req, true, false);
	if (!reply)
		return 1;
	const cJSON *where = cJSON_GetObjectItemCaseSensitive(reply, "listen");
	say(c, "Web interface listening on http://%s", cJSON_GetStringValue(where));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "actions")))
		say(c, "restart/reload/stop need the token (Authorization: Bearer)");
	else
		say(c, "Read-only: set --web-token or %s to enable restart/reload/stop",
		    WEB_TOKEN_ENV);
	cJSON_Delete(reply);
	return 0;
}

static int web_disable(struct cli *c)
{
	cJSON *req = client_request("web");
	cJSON_AddTrueToObject(req, "stop");
	cJSON *reply = client_call(c, req, false, true);
	cJSON_Delete(req);
	const char *e = reply ? reply_error(reply) : "no PM2 daemon is running";
	if (e)
		say_err(c, "%s", e);
	else
		say(c, "Web interface stopped");
	cJSON_Delete(reply);
	return e ? 1 : 0;
}

/* pm2 web [port|host:port|stop] */
int web_command(struct cli *c)
{
	const char *arg = c->npos > 0 ? c->pos[0] : flag_str(c, "web");
	if (arg && strcmp(arg, "stop") == 0)
		return web_disable(c);
	return web_enable(c, arg);
}
