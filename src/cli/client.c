/* client: the CLI's side of the control socket, and starting the daemon
 * on demand (detached in its own session, reparented away from us). */
#define _GNU_SOURCE
#include "cli.h"
#include "../common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a new daemon may take to say it is serving. */
#define DAEMON_START_TIMEOUT_MS 10000
/* How long a reply may take: generous, since stops wait on kill_timeout. */
#define REPLY_TIMEOUT_MS 600000

/* Start `pm2 __daemon` detached; wait until it serves or fails. */
static int spawn_daemon(struct cli *c, bool quiet)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (!quiet)
		say(c, "Spawning PM2 daemon with pm2_home=%s", c->paths.home);

	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Intermediate child: new session, fork again so the daemon
		 * is nobody's child here and cannot reacquire a terminal. */
		setsid();
		pid_t g = fork();
		if (g != 0)
			_exit(g < 0 ? 1 : 0);
		close(ready[0]);
		fd_set_cloexec(ready[1], false);
		char fdarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
		execl(c->self_exe, "pm2", "__daemon", fdarg, (char *)NULL);
		fprintf(stderr, "[PM2][ERROR] cannot run %s: %s\n", c->self_exe, strerror(errno));
		_exit(127);
	}
	close(ready[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
	char b[4] = { 0 };
	int ok = poll(&pfd, 1, DAEMON_START_TIMEOUT_MS) > 0 && read(ready[0], b, 2) > 0 && b[0] == '1';
	close(ready[0]);
	if (!ok) {
		say_err(c, "PM2 daemon failed to start (see %s)", c->paths.daemon_log);
		return -1;
	}
	if (!quiet)
		say(c, "PM2 Successfully daemonized");
	return 0;
}

int client_connect(struct cli *c, bool autostart, bool quiet)
{
	int fd = proto_connect(c->paths.sock);
	if (fd >= 0)
		return fd;
	if (!autostart || (errno != ENOENT && errno != ECONNREFUSED)) {
		if (autostart)
			say_err(c, "cannot connect to %s: %s", c->paths.sock, strerror(errno));
		return -1;
	}
	if (spawn_daemon(c, quiet) < 0)
		return -1;
	fd = proto_connect(c->paths.sock);
	if (fd < 0)
		say_err(c, "cannot connect to %s: %s", c->paths.sock, strerror(errno));
	return fd;
}

cJSON *client_call(struct cli *c, cJSON *req, bool autostart, bool quiet)
{
	int fd = client_connect(c, autostart, quiet);
	if (fd < 0)
		return NULL;
	struct buf in;
	buf_init(&in);
	/* Read even if the send failed: a daemon that refuses us says why
	 * before it hangs up. */
	(void)proto_send(fd, req);
	cJSON *reply = proto_recv(fd, &in, REPLY_TIMEOUT_MS);
	if (!reply)
		say_err(c, "no answer from the PM2 daemon (see %s)", c->paths.daemon_log);
	buf_free(&in);
	close(fd);
	return reply;
}

cJSON *client_exchange(struct cli *c, int fd, const cJSON *req, struct buf *in, int timeout_ms)
{
	cJSON *reply = proto_send(fd, req) == 0 ? proto_recv(fd, in, timeout_ms) : NULL;
	const char *e = reply ? reply_error(reply) : "no answer from the PM2 daemon";
	if (!e)
		return reply;
	say_err(c, "%s", e);
	cJSON_Delete(reply);
	return NULL;
}

const char *reply_error(const cJSON *reply)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		return NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	return cJSON_IsString(e) ? e->valuestring : "unknown error";
}

cJSON *client_request(const char *cmd)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "cmd", cmd);
	return r;
}

cJSON *client_do(struct cli *c, cJSON *req, bool autostart, bool quiet)
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

cJSON *client_list(struct cli *c, bool full, bool quiet)
{
	return client_list_detail(c, full ? "full" : "brief", quiet);
}

cJSON *client_list_for(struct cli *c, const char *usage)
{
	if (c->npos < 1) {
		say_err(c, "%s", usage);
		return NULL;
	}
	return client_list(c, true, false);
}

cJSON *client_list_detail(struct cli *c, const char *detail, bool quiet)
{
	cJSON *req = client_request("jlist");
	cJSON_AddBoolToObject(req, "full", !strcmp(detail, "full"));
	if (!strcmp(detail, "table"))
		cJSON_AddTrueToObject(req, "table");
	cJSON *reply = client_do(c, req, true, quiet);
	if (!reply)
		return NULL;
	cJSON *procs = cJSON_DetachItemFromObjectCaseSensitive(reply, "procs");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, "version");
	if (cJSON_IsString(v))
		snprintf(c->daemon_version, sizeof(c->daemon_version), "%s", v->valuestring);
	cJSON_Delete(reply);
	return procs;
}
