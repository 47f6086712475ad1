/* notify: systemd's readiness protocol for apps in any language. Workers
 * of apps with wait_ready get NOTIFY_SOCKET, a datagram socket of the
 * daemon's; "READY=1" sent there ends their launching state. The
 * kernel tells us who sent it (SCM_CREDENTIALS), so a worker cannot speak
 * for another. Other sd_notify fields are ignored. */
#ifndef PM2_NOTIFY_H
#define PM2_NOTIFY_H

#include "daemon.h"

/* Open the daemon's notify socket (abstract: NOTIFY_SOCKET=@pm2-notify-...).
 * A failure is logged: apps then get no NOTIFY_SOCKET and wait_ready
 * falls back on listen_timeout. */
void notify_open(struct daemon *d);
void notify_close(struct daemon *d);
/* The socket an in-place update carried over, at the same address. */
void notify_adopt(struct daemon *d, int fd, const char *path);

#endif
