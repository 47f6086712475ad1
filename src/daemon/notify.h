/* notify: systemd's readiness protocol for apps in any language. Every
 * worker gets NOTIFY_SOCKET, a datagram socket of the daemon's; "READY=1"
 * sent there ends its launching state when it runs with wait_ready. The
 * kernel tells us who sent it (SCM_CREDENTIALS), so a worker cannot speak
 * for another. Other sd_notify fields are ignored. */
#ifndef PM2_NOTIFY_H
#define PM2_NOTIFY_H

#include "daemon.h"

/* Open $PM2_HOME/notify.sock. A failure is logged: apps then get no
 * NOTIFY_SOCKET and wait_ready falls back on listen_timeout. */
void notify_open(struct daemon *d);
void notify_close(struct daemon *d);

#endif
