/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_QSD_H
#define SQUEEZE_TEST_QSD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * qemu-storage-daemon exporting one raw file as vhost-user-blk, for the
 * tests and benchmarks: the back-end squeeze's --disk vhost-user= talks to.
 */
struct qsd {
	pid_t pid;
	char sock[108];
};

/*
 * Start it on @image (read-write when @writable) with a socket of its own
 * under /tmp, and wait (up to 10 s) until that socket accepts. 0, or -1
 * with a line on stderr.
 */
int qsd_start(struct qsd *q, const char *image, bool writable);
/* SIGTERM, wait for it, remove the socket. Safe on a stopped one. */
void qsd_stop(struct qsd *q);
/* Where it is installed, or NULL (tests skip then). */
const char *qsd_binary(void);

#endif
