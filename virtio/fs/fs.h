/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_FS_H
#define SQUEEZE_VIRTIO_FS_H

#include <sys/types.h>

#include "virtio/core/virtio.h"
#include "vmm/base/err.h"

/*
 * virtio-fs (virtio 1.2 section 5.11), served by a vhost-user back-end:
 * a virtiofsd squeeze starts for a host directory, or one the user
 * started (socket=). The configuration space is squeeze's own (the tag
 * and one request queue); queue 0 is the high-priority queue, queue 1
 * the request queue. No DAX window, no notification queue.
 */

#define VIRTIO_ID_FS	  26
#define FS_TAG_MAX	  36 /* bytes, not NUL-terminated if full */
#define FS_REQUEST_QUEUES 1  /* QEMU's C virtiofsd serves one */

struct fs_options {
	const char *dir;    /* squeeze starts virtiofsd, or */
	const char *socket; /* the user did */
	char tag[FS_TAG_MAX + 1];
	bool readonly;
	const char *virtiofsd; /* SQUEEZE_VIRTIOFSD, or NULL */
	const char *vm_name;   /* for its thread's name, or NULL */
};

struct virtio_fs;

/*
 * Start virtiofsd (or connect to @o->socket) and set the device up; the
 * @index-th --fs names its I/O thread ("fs0", "web1:fs0") and log lines. Guest
 * RAM must be shared (guest_mem_alloc_shared()). NULL with @err set on
 * failure, nothing left running.
 */
struct virtio_fs *virtio_fs_create(const struct guest_mem *mem,
				   const struct fs_options *o,
				   unsigned int index, struct err *err);
struct virtio_dev *virtio_fs_vdev(struct virtio_fs *fs);
/* The virtiofsd squeeze started for it (its process group), or 0. */
pid_t virtio_fs_daemon(const struct virtio_fs *fs);
/* The virtiofsd squeeze started, 0 for a socket= back-end (tests). */
pid_t virtio_fs_daemon_pid(const struct virtio_fs *fs);
/* Close the connection, stop virtiofsd, free. NULL is fine. */
void virtio_fs_destroy(struct virtio_fs *fs);

#endif
