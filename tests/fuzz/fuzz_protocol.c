/* libFuzzer target: the control protocol as the daemon reads it. Bytes
 * are split into request lines and each goes through the daemon's real
 * request handlers, against a real process table. Only process creation
 * and listening sockets are faked (spawn_instance and cluster_* below):
 * instances get pids that cannot exist, so every kill() the daemon sends
 * fails harmlessly, and no input makes the fuzzer listen on a port. */
#define _GNU_SOURCE
#include "../../src/common/proto.h"
#include "../../src/daemon/cluster.h"
#include "../../src/daemon/control.h"
#include "../../src/daemon/spawn.h"

#include <errno.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Above the kernel's pid_max (4194304): kill() gives ESRCH. */
#define FAKE_PID_BASE 0x7f000000

pid_t spawn_instance(struct daemon *d, struct instance *in, const struct spawn_io *io)
{
	(void)d;
	(void)io;
	return FAKE_PID_BASE + in->pm_id;
}

int cluster_open(struct daemon *d, const struct app_conf *c, char *err, size_t errlen)
{
	(void)d, (void)c, (void)err, (void)errlen;
	return 1;
}

void cluster_close(struct daemon *d, const char *name) { (void)d, (void)name; }
void cluster_close_all(struct daemon *d) { (void)d; }
cJSON *cluster_save(struct daemon *d, int (*keep)(void *, int), void *ctx)
{
	(void)d, (void)keep, (void)ctx;
	return cJSON_CreateArray();
}
void cluster_restore(struct daemon *d, const cJSON *apps) { (void)d, (void)apps; }
bool cluster_has_sockets(struct daemon *d, const char *name) { return (void)d, (void)name, false; }

size_t cluster_listen_fds(struct daemon *d, const char *name, int *fds, size_t max)
{
	(void)d, (void)name, (void)fds, (void)max;
	return 0;
}

int cluster_node_query(struct daemon *d, const struct app_conf *c, const cJSON *msg,
		       char **key, const cJSON **data, bool *dgram)
{
	(void)d, (void)c, (void)msg, (void)dgram;
	*key = strdup("");
	*data = NULL;
	return -EINVAL;
}

static struct daemon d;
static int peer = -1;

static void setup_once(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	setenv("PM2_HOME", "/tmp/pm2-fuzz-home", 1);
	char err[256];
	paths_init(&d.paths, err, sizeof(err));
	paths_make_dirs(&d.paths);
	loop_init(&d.loop);
	d.listen_fd = d.sigfd = d.lock_fd = d.notify_fd = -1;
}

static void clear_table(void)
{
	while (d.procs)
		proc_remove(&d, d.procs);
	reload_free_all(&d);
	while (d.clients) {
		struct client *c = d.clients;
		d.clients = c->next;
		loop_io_del(&d.loop, &c->io);
		close(c->io.fd);
		buf_free(&c->in);
		buf_free(&c->out);
		free(c->wait_ids);
		cJSON_Delete(c->pending_reply);
		free(c);
	}
	for (size_t i = 0; i < d.loop.ngrave; i++)
		free(d.loop.graveyard[i]);
	d.loop.ngrave = 0;
	d.stopping_all = false;
	d.loop.stop = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	struct client *c = calloc(1, sizeof(*c));
	c->d = &d;
	buf_init(&c->in);
	buf_init(&c->out);
	io_init(&c->io, sv[0], NULL, c);
	c->next = d.clients;
	d.clients = c;
	peer = sv[1];

	struct buf in;
	buf_init(&in);
	buf_append(&in, data, size);
	buf_append(&in, "\n", 1);
	char *line;
	while ((line = proto_take_line(&in))) {
		/* Watching "/" recursively is slow, not wrong: keep runs fast.
		 * "web" would open real ports and "update" would re-execute the
		 * fuzzer itself: judged on the decoded command. */
		if (!strstr(line, "watch") && !c->pending_reply) {
			cJSON *req = cJSON_Parse(line);
			const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
			bool unsafe = cJSON_IsString(cmd) && (!strcmp(cmd->valuestring, "web") ||
							     !strcmp(cmd->valuestring, "update"));
			if (cJSON_IsObject(req) && !unsafe) {
				cJSON *reply = commands_dispatch(&d, c, req);
				cJSON_Delete(reply);
			}
			cJSON_Delete(req);
		}
		free(line);
		/* drain what the daemon answered */
		char sink[65536];
		while (read(peer, sink, sizeof(sink)) > 0)
			;
	}
	buf_free(&in);
	close(peer);
	clear_table();
	return 0;
}
