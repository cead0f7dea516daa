/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CTL_SOCKET_H
#define SQUEEZE_CTL_SOCKET_H

#include <sys/types.h>

#include "vmm/base/err.h"

/* Which file is ours, so that only it is removed at the end. */
struct ctl_socket_id {
	dev_t dev;
	ino_t ino;
};

/*
 * A listening unix socket at @path, mode 0600, non-blocking. A socket
 * nobody listens on is replaced; a live one or another kind of file is
 * refused (class input). Returns the fd or -errno with @err.
 */
int ctl_socket_open(const char *path, struct ctl_socket_id *id,
		    struct err *err);

/* Remove @path if it is still the socket @id. */
void ctl_socket_remove(const char *path, const struct ctl_socket_id *id);

#endif
