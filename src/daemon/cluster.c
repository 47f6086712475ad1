/* cluster: see cluster.h. */
#define _GNU_SOURCE
#include "cluster.h"
#include "log.h"
#include "../common/listen_spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Node's default backlog for server.listen(). */
#define CLUSTER_BACKLOG 511
/* Distinct server keys whose TLS data we keep per app. */
#define CLUSTER_MAX_SERVER_DATA 256

struct listen_sock {
	int fd;
	char *label;		 /* the spec as configured, or Node's query */
	struct listen_addr addr; /* as asked (port 0 stays 0) */
	bool dgram;
	char *unix_path; /* a socket file we made: unlinked on close */
};

struct server_data {
	char *key;
	cJSON *data;
};

struct app_sockets {
	char *name;
	struct listen_sock *conf; /* configured, in "listen" order */
	size_t nconf;
	struct listen_sock *node; /* bound for Node workers' queries */
	size_t nnode;
	struct server_data *sdata;
	size_t nsdata;
	struct app_sockets *next;
};

/* Close a socket we failed to set up, keeping the errno that says why. */
static int close_failed(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static struct app_sockets *find_app(struct daemon *d, const char *name)
{
	for (struct app_sockets *a = d->sockets; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static void sock_close(struct listen_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->unix_path)
		unlink(s->unix_path);
	free(s->unix_path);
	free(s->label);
	s->fd = -1;
	s->unix_path = s->label = NULL;
}

/* A unix socket file nobody listens on any more (a crash left it). */
static bool unix_path_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool stale =
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno == ECONNREFUSED;
	close(fd);
	return stale;
}

static int bind_unix(const char *path, int type, struct listen_sock *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc < 0 && errno == EADDRINUSE && unix_path_stale(&sa)) {
		unlink(sa.sun_path);
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc < 0)
		return close_failed(fd);
	out->unix_path = xstrdup(path);
	return fd;
}

static int bind_inet(int family, const unsigned char *ip, int port, int type, bool dual)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, zero = 0;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (dual)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	int rc;
	if (family == AF_INET6) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
					  .sin6_port = htons((uint16_t)port)};
		memcpy(&sa.sin6_addr, ip, 16);
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		memcpy(&sa.sin_addr, ip, 4);
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc < 0)
		return close_failed(fd);
	return fd;
}

/* Bind (and listen on) one address. A port alone means every address:
 * IPv6 with IPv4 mapped in, or IPv4 only where there is no IPv6. */
static int sock_open(struct listen_sock *s, const char *cwd, bool nonblock)
{
	const struct listen_addr *a = &s->addr;
	int type = s->dgram ? SOCK_DGRAM : SOCK_STREAM;
	static const unsigned char any[16];
	int fd = -1;
	switch (a->family) {
	case LISTEN_UNIX: {
		char *path = path_absolute(cwd, a->path);
		fd = bind_unix(path, type, s);
		free(path);
		break;
	}
	case LISTEN_ANY:
		fd = bind_inet(AF_INET6, any, a->port, type, true);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			fd = bind_inet(AF_INET, any, a->port, type, false);
		break;
	case LISTEN_IPV4:
		fd = bind_inet(AF_INET, a->ip, a->port, type, false);
		break;
	case LISTEN_IPV6:
		fd = bind_inet(AF_INET6, a->ip, a->port, type, false);
		break;
	}
	if (fd < 0)
		return -1;
	if ((!s->dgram && listen(fd, CLUSTER_BACKLOG) < 0) ||
	    (nonblock && fd_set_nonblock(fd, true) < 0)) {
		if (s->unix_path)
			unlink(s->unix_path);
		return close_failed(fd);
	}
	s->fd = fd;
	return 0;
}

static struct app_sockets *app_sockets_new(struct daemon *d, const char *name)
{
	struct app_sockets *a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(name);
	a->next = d->sockets;
	d->sockets = a;
	return a;
}

static void app_sockets_free(struct daemon *d, struct app_sockets *a)
{
	struct app_sockets **pp = &d->sockets;
	while (*pp && *pp != a)
		pp = &(*pp)->next;
	if (*pp)
		*pp = a->next;
	for (size_t i = 0; i < a->nconf; i++)
		sock_close(&a->conf[i]);
	for (size_t i = 0; i < a->nnode; i++)
		sock_close(&a->node[i]);
	for (size_t i = 0; i < a->nsdata; i++) {
		free(a->sdata[i].key);
		cJSON_Delete(a->sdata[i].data);
	}
	free(a->conf);
	free(a->node);
	free(a->sdata);
	free(a->name);
	free(a);
}

static struct listen_sock *conf_by_label(struct app_sockets *a, const char *label)
{
	for (size_t i = 0; a && i < a->nconf; i++)
		if (strcmp(a->conf[i].label, label) == 0)
			return &a->conf[i];
	return NULL;
}

/* Bind the configured addresses into a new array in "listen" order,
 * taking over sockets the app already has for the same spec. */
static int open_configured(const struct app_conf *c, struct app_sockets *old,
			   struct listen_sock *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nlisten; i++)
		out[i].fd = -1;
	for (size_t i = 0; i < c->nlisten; i++) {
		struct listen_sock *s = &out[i];
		struct listen_sock *have = conf_by_label(old, c->listen[i]);
		if (have) {
			*s = *have;
			continue;
		}
		const char *why;
		s->label = xstrdup(c->listen[i]);
		if (listen_spec_parse(c->listen[i], &s->addr, &why) < 0) {
			snprintf(err, errlen, "%s: cannot listen on \"%s\": %s", c->name,
				 c->listen[i], why);
			return -1;
		}
		if (sock_open(s, c->cwd, c->node) < 0) {
			char where[160];
			listen_addr_format(&s->addr, where, sizeof(where));
			snprintf(err, errlen, "%s: cannot listen on %s: %s", c->name, where,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int cluster_open(struct daemon *d, const struct app_conf *c, char *err, size_t errlen)
{
	struct app_sockets *a = find_app(d, c->name);
	if (!c->nlisten) {
		/* "listen" was dropped from the app: new workers go without. */
		for (size_t i = 0; a && i < a->nconf; i++)
			sock_close(&a->conf[i]);
		if (a)
			a->nconf = 0;
		return a ? 0 : 1;
	}
	if (c->nlisten > CLUSTER_MAX_SOCKETS) {
		snprintf(err, errlen, "%s: more than %d listen addresses", c->name,
			 CLUSTER_MAX_SOCKETS);
		return -1;
	}
	struct listen_sock *socks = xcalloc(c->nlisten, sizeof(*socks));
	if (open_configured(c, a, socks, err, errlen) < 0) {
		/* Close only what this call bound; taken-over sockets stay. */
		for (size_t i = 0; i < c->nlisten; i++)
			if (!conf_by_label(a, socks[i].label ? socks[i].label : ""))
				sock_close(&socks[i]);
		free(socks);
		return -1;
	}
	int created = !a;
	if (!a)
		a = app_sockets_new(d, c->name);
	/* Sockets no longer configured: workers that still use them keep
	 * their copies; new workers will not get them. */
	for (size_t i = 0; i < a->nconf; i++) {
		bool kept = false;
		for (size_t k = 0; k < c->nlisten && !kept; k++)
			kept = socks[k].fd == a->conf[i].fd;
		if (!kept)
			sock_close(&a->conf[i]);
	}
	free(a->conf);
	a->conf = socks;
	a->nconf = c->nlisten;
	for (size_t i = 0; i < a->nconf; i++) {
		char where[160];
		listen_addr_format(&a->conf[i].addr, where, sizeof(where));
		dlog_info("App [%s] listening on %s (fd %d)", c->name, where, a->conf[i].fd);
	}
	return created;
}

void cluster_close(struct daemon *d, const char *name)
{
	struct app_sockets *a = find_app(d, name);
	if (a) {
		dlog_info("App [%s] listening sockets closed", name);
		app_sockets_free(d, a);
	}
}

void cluster_close_all(struct daemon *d)
{
	while (d->sockets)
		app_sockets_free(d, d->sockets);
}

size_t cluster_listen_fds(struct daemon *d, const char *name, int *fds, size_t max)
{
	struct app_sockets *a = find_app(d, name);
	size_t n = 0;
	for (size_t i = 0; a && i < a->nconf && n < max; i++)
		fds[n++] = a->conf[i].fd;
	return n;
}

bool cluster_has_sockets(struct daemon *d, const char *name)
{
	struct app_sockets *a = find_app(d, name);
	return a && (a->nconf || a->nnode);
}

/* --- Node's queryServer ---------------------------------------------- */

/* A message field as a JS template literal prints it: Node's handle keys
 * are built that way (`${address}:${port}:...`). */
static void js_text(const cJSON *v, struct buf *b)
{
	if (!v)
		buf_puts(b, "undefined");
	else if (cJSON_IsNull(v))
		buf_puts(b, "null");
	else if (cJSON_IsString(v))
		buf_puts(b, v->valuestring);
	else if (cJSON_IsBool(v))
		buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v)) {
		char tmp[64];
		js_number(v->valuedouble, tmp, sizeof(tmp));
		buf_puts(b, tmp);
	} else
		buf_puts(b, "[object Object]");
}

static char *js_join(const cJSON *msg, const char *const *fields, size_t n)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, ":");
		js_text(cJSON_GetObjectItemCaseSensitive(msg, fields[i]), &b);
	}
	return b.data ? b.data : xstrdup("");
}

/* What a query asks for, as a listen_addr. -errno if it makes no sense. */
static int query_addr(const cJSON *msg, struct listen_addr *a, bool *dgram)
{
	const cJSON *addr = cJSON_GetObjectItemCaseSensitive(msg, "address");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(msg, "port");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "addressType");
	const char *host = cJSON_IsString(addr) ? addr->valuestring : NULL;
	memset(a, 0, sizeof(*a));
	*dgram = cJSON_IsString(type) && str_starts(type->valuestring, "udp");
	int atype = cJSON_IsNumber(type) ? type->valueint
		    : *dgram		 ? (strcmp(type->valuestring, "udp6") == 0 ? 6 : 4)
					 : 4;
	if (atype == -1) {
		if (!host || strlen(host) > LISTEN_UNIX_PATH_MAX)
			return -EINVAL;
		a->family = LISTEN_UNIX;
		strcpy(a->path, host);
		return 0;
	}
	if (!cJSON_IsNumber(port) || port->valuedouble < 0 || port->valuedouble > 65535)
		return -EINVAL;
	a->port = port->valueint;
	if (!host) {
		a->family = *dgram && atype == 4 ? LISTEN_IPV4 : *dgram ? LISTEN_IPV6 : LISTEN_ANY;
		return 0;
	}
	a->family = atype == 6 ? LISTEN_IPV6 : LISTEN_IPV4;
	if (inet_pton(atype == 6 ? AF_INET6 : AF_INET, host, a->ip) != 1)
		return -EINVAL;
	return 0;
}

static bool ip_is_wildcard(const struct listen_addr *a)
{
	static const unsigned char zero[16];
	return a->family == LISTEN_ANY ||
	       ((a->family == LISTEN_IPV4 || a->family == LISTEN_IPV6) &&
		memcmp(a->ip, zero, a->family == LISTEN_IPV4 ? 4 : 16) == 0);
}

/* May a configured socket serve this query? Same port, and an address
 * that is the same or narrower than what the app asked for: an app that
 * listens on 127.0.0.1 must never end up on every interface. */
static bool conf_serves(const struct listen_sock *s, const struct listen_addr *q, const char *cwd)
{
	if (s->addr.family == LISTEN_UNIX || q->family == LISTEN_UNIX) {
		if (s->addr.family != q->family)
			return false;
		char *p = path_absolute(cwd, s->addr.path);
		bool same = strcmp(p, q->path) == 0;
		free(p);
		return same;
	}
	if (s->addr.port != q->port)
		return false;
	if (q->family == LISTEN_ANY)
		return true;
	if (ip_is_wildcard(q))
		return s->addr.family == LISTEN_ANY || s->addr.family == q->family;
	return s->addr.family == q->family &&
	       memcmp(s->addr.ip, q->ip, q->family == LISTEN_IPV4 ? 4 : 16) == 0;
}

static const cJSON *server_data(struct app_sockets *a, const char *key, const cJSON *msg)
{
	for (size_t i = 0; i < a->nsdata; i++)
		if (strcmp(a->sdata[i].key, key) == 0)
			return a->sdata[i].data;
	if (a->nsdata >= CLUSTER_MAX_SERVER_DATA)
		return NULL;
	/* Like Node's primary: the first worker's data (TLS session ticket
	 * keys) is what every worker of this server gets. */
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(msg, "data");
	a->sdata = xrealloc(a->sdata, (a->nsdata + 1) * sizeof(*a->sdata));
	a->sdata[a->nsdata].key = xstrdup(key);
	a->sdata[a->nsdata].data = data ? cJSON_Duplicate(data, 1) : cJSON_CreateNull();
	return a->sdata[a->nsdata++].data;
}

static int query_socket(struct daemon *d, const struct app_conf *c, struct app_sockets *a,
			const cJSON *msg, bool *dgram)
{
	const cJSON *fdv = cJSON_GetObjectItemCaseSensitive(msg, "fd");
	if (cJSON_IsNumber(fdv) && fdv->valueint >= 0) {
		/* listen({fd: 3}): one of the sockets we passed as LISTEN_FDS. */
		size_t i = (size_t)fdv->valueint - 3;
		return fdv->valueint >= 3 && i < a->nconf ? a->conf[i].fd : -EBADF;
	}
	struct listen_addr q;
	int rc = query_addr(msg, &q, dgram);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < a->nconf && !*dgram; i++)
		if (conf_serves(&a->conf[i], &q, c->cwd))
			return a->conf[i].fd;
	static const char *const fields[] = {"address", "port", "addressType"};
	char *label = js_join(msg, fields, ARRAY_LEN(fields));
	for (size_t i = 0; i < a->nnode; i++) {
		if (strcmp(a->node[i].label, label) == 0) {
			free(label);
			return a->node[i].fd;
		}
	}
	if (a->nconf + a->nnode >= CLUSTER_MAX_SOCKETS) {
		free(label);
		return -EMFILE;
	}
	struct listen_sock s = {.fd = -1, .label = label, .addr = q, .dgram = *dgram};
	char where[160];
	listen_addr_format(&q, where, sizeof(where));
	if (sock_open(&s, c->cwd, true) < 0) {
		int e = errno;
		free(label);
		dlog_warn("App [%s] cannot listen on %s for a worker: %s", c->name, where,
			  strerror(e));
		return -e;
	}
	a->node = xrealloc(a->node, (a->nnode + 1) * sizeof(*a->node));
	a->node[a->nnode++] = s;
	dlog_info("App [%s] listening on %s for its workers (fd %d)", c->name, where, s.fd);
	(void)d;
	return s.fd;
}

int cluster_node_query(struct daemon *d, const struct app_conf *c, const cJSON *msg, char **key,
		       const cJSON **data, bool *dgram)
{
	static const char *const fields[] = {"address", "port", "addressType", "fd", "index"};
	*key = js_join(msg, fields, ARRAY_LEN(fields));
	*data = NULL;
	*dgram = false;
	struct app_sockets *a = find_app(d, c->name);
	if (!a)
		a = app_sockets_new(d, c->name);
	int fd = query_socket(d, c, a, msg, dgram);
	if (fd >= 0)
		*data = server_data(a, *key, msg);
	return fd;
}

/* --- carried over an in-place update (upgrade.c) ------------------------ */

static cJSON *sock_save(const struct listen_sock *s, int (*keep)(void *, int), void *ctx)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "fd", keep(ctx, s->fd));
	cJSON_AddStringToObject(o, "label", s->label ? s->label : "");
	cJSON_AddBoolToObject(o, "dgram", s->dgram);
	if (s->unix_path)
		cJSON_AddStringToObject(o, "unix_path", s->unix_path);
	cJSON_AddNumberToObject(o, "family", s->addr.family);
	char ip[33];
	for (int i = 0; i < 16; i++)
		snprintf(ip + 2 * i, 3, "%02x", s->addr.ip[i]);
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddNumberToObject(o, "port", s->addr.port);
	cJSON_AddStringToObject(o, "path", s->addr.path);
	return o;
}

static void sock_restore(const cJSON *o, struct listen_sock *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = cJSON_GetObjectItemCaseSensitive(o, "fd")->valueint;
	fd_set_cloexec(s->fd, true);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "label");
	s->label = xstrdup(cJSON_IsString(v) ? v->valuestring : "");
	s->dgram = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "dgram"));
	v = cJSON_GetObjectItemCaseSensitive(o, "unix_path");
	s->unix_path = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
	s->addr.family = (enum listen_family)cJSON_GetObjectItemCaseSensitive(o, "family")->valueint;
	v = cJSON_GetObjectItemCaseSensitive(o, "ip");
	for (int i = 0; cJSON_IsString(v) && i < 16 && v->valuestring[2 * i]; i++) {
		unsigned b = 0;
		for (int k = 0; k < 2; k++) {
			char ch = v->valuestring[2 * i + k];
			b = b * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
		}
		s->addr.ip[i] = (unsigned char)b;
	}
	s->addr.port = cJSON_GetObjectItemCaseSensitive(o, "port")->valueint;
	v = cJSON_GetObjectItemCaseSensitive(o, "path");
	snprintf(s->addr.path, sizeof(s->addr.path), "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static void socks_restore(const cJSON *arr, struct listen_sock **v, size_t *n)
{
	*n = (size_t)cJSON_GetArraySize(arr);
	*v = xcalloc(*n + 1, sizeof(**v));
	size_t i = 0;
	for (const cJSON *o = arr ? arr->child : NULL; o; o = o->next)
		sock_restore(o, &(*v)[i++]);
}

cJSON *cluster_save(struct daemon *d, int (*keep)(void *, int), void *ctx)
{
	cJSON *apps = cJSON_CreateArray();
	for (struct app_sockets *a = d->sockets; a; a = a->next) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", a->name);
		cJSON *conf = cJSON_AddArrayToObject(o, "conf");
		for (size_t i = 0; i < a->nconf; i++)
			cJSON_AddItemToArray(conf, sock_save(&a->conf[i], keep, ctx));
		cJSON *node = cJSON_AddArrayToObject(o, "node");
		for (size_t i = 0; i < a->nnode; i++)
			cJSON_AddItemToArray(node, sock_save(&a->node[i], keep, ctx));
		cJSON *sd = cJSON_AddObjectToObject(o, "server_data");
		for (size_t i = 0; i < a->nsdata; i++)
			cJSON_AddItemToObject(sd, a->sdata[i].key, cJSON_Duplicate(a->sdata[i].data, 1));
		cJSON_AddItemToArray(apps, o);
	}
	return apps;
}

void cluster_restore(struct daemon *d, const cJSON *apps)
{
	struct app_sockets **tail = &d->sockets;
	for (const cJSON *o = apps ? apps->child : NULL; o; o = o->next) {
		struct app_sockets *a = xcalloc(1, sizeof(*a));
		a->name = xstrdup(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
		socks_restore(cJSON_GetObjectItemCaseSensitive(o, "conf"), &a->conf, &a->nconf);
		socks_restore(cJSON_GetObjectItemCaseSensitive(o, "node"), &a->node, &a->nnode);
		const cJSON *sd = cJSON_GetObjectItemCaseSensitive(o, "server_data");
		a->nsdata = (size_t)cJSON_GetArraySize(sd);
		a->sdata = xcalloc(a->nsdata + 1, sizeof(*a->sdata));
		size_t i = 0;
		for (const cJSON *e = sd ? sd->child : NULL; e; e = e->next, i++) {
			a->sdata[i].key = xstrdup(e->string);
			a->sdata[i].data = cJSON_Duplicate(e, 1);
		}
		*tail = a;
		tail = &a->next;
	}
}
