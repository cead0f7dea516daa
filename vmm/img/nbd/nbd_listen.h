/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_NBD_LISTEN_H
#define SQUEEZE_NBD_LISTEN_H

#include "vmm/img/nbd/nbd.h"

/*
 * The listening socket: a unix socket at cfg->socket_path (mode 0600; a
 * stale socket file nobody listens on is replaced, anything else there
 * is refused), or TCP on cfg->port at cfg->bind (default 127.0.0.1).
 */
int nbd_listen_open(const struct nbd_config *cfg, int *fd, struct err *err);
/* Close it (and remove the unix socket file). */
void nbd_listen_close(int fd, const struct nbd_config *cfg);
/* An accepted connection: TCP_NODELAY on TCP, larger buffers. */
void nbd_listen_tune(int fd, bool tcp);

#endif
