/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_NBD_H
#define SQUEEZE_NBD_H

#include "devices/block/disk.h"
#include "vmm/base/err.h"

/*
 * An NBD server for one disk (`squeeze img serve`): the export named ""
 * (any name a client asks for is refused, so a typo cannot reach the
 * wrong image). Several clients are served at once: a writable export
 * on one thread over the one disk; a read-only one on a thread per CPU,
 * each with the image opened anew (worker.c), a new client going to the
 * least busy. Each client is dropped, alone, on any protocol violation.
 */
struct nbd_config {
	const char *socket_path; /* a unix socket (the default) */
	const char *bind;	 /* TCP address, with @port */
	unsigned int port;	 /* 0: unix socket */
	bool readonly;
	unsigned int max_clients; /* more are refused, with a line */
	/*
	 * Read-only: serving threads, each with the image opened anew from
	 * @reopen (0: one per CPU). A writable export has one thread.
	 */
	unsigned int workers;
	const struct disk_options *reopen;
	/*
	 * Called by every serving thread before it serves anything (the
	 * calling thread after it started the others): 0, or -errno to
	 * stop the server.
	 */
	int (*confine)(void *opaque);
	void *confine_opaque;
};

struct nbd_server;

/*
 * Listen (unix socket: mode 0600, created anew; TCP: SO_REUSEADDR) and
 * take SIGTERM, SIGINT and SIGHUP as the stop request. Nothing is served
 * until nbd_server_run(), so the caller can drop privileges in between.
 */
int nbd_server_new(struct nbd_server **out, struct disk *disk,
		   const struct nbd_config *cfg, struct err *err);
/*
 * Serve until a stop signal: then no new request is read, the requests
 * in flight finish and their replies go out, the disk is flushed. 0 when
 * that flush succeeded, -errno otherwise (with one line in @err).
 */
int nbd_server_run(struct nbd_server *s, struct err *err);
/* Close every socket (the unix socket file is removed). */
void nbd_server_free(struct nbd_server *s);

#endif
