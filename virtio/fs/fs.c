// SPDX-License-Identifier: MIT
/*
 * virtio-fs on the generic vhost-user front-end: the configuration space,
 * and the virtiofsd squeeze starts and stops around the device.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "devices/fs/virtiofsd.h"
#include "virtio/fs/fs.h"
#include "virtio/vhost_user/vu_dev.h"

#define FS_QUEUE_SIZE 1024
/* Set-up waits this long for virtiofsd; so does a ring stopping. */
#define FS_TIMEOUT_MS 10000

/* struct virtio_fs_config, virtio 1.2 section 5.11.4. */
struct fs_config {
	u8 tag[FS_TAG_MAX];
	u32 num_request_queues;
} __packed;

struct virtio_fs {
	struct vu_dev *dev;
	struct virtiofsd daemon;
	char what[80];
};

/* Why the connection failed during set-up, if virtiofsd has exited. */
static void explain_exit(struct virtio_fs *fs, struct err *err)
{
	int st;

	/* Its socket closes a moment before it can be reaped. */
	if (!virtiofsd_exited(&fs->daemon, 1000))
		return;
	st = fs->daemon.status;
	if (WIFEXITED(st))
		err_host(
			err, -EIO,
			"%s: virtiofsd exited with status %d during set-up (its messages are above)",
			fs->what, WEXITSTATUS(st));
	else
		err_host(err, -EIO, "%s: virtiofsd was killed by signal %d",
			 fs->what, WTERMSIG(st));
}

static int connect_backend(struct virtio_fs *fs, const struct fs_options *o,
			   int *sock, struct err *err)
{
	struct virtiofsd_options vo = {
		.dir = o->dir,
		.readonly = o->readonly,
		.binary = o->virtiofsd,
		.what = fs->what,
	};

	if (o->socket)
		return vu_conn_connect(o->socket, sock, fs->what, err);
	return virtiofsd_start(&fs->daemon, &vo, sock, err);
}

struct virtio_fs *virtio_fs_create(const struct guest_mem *mem,
				   const struct fs_options *o,
				   unsigned int index, struct err *err)
{
	struct fs_config cfg = {
		.num_request_queues = htole32(FS_REQUEST_QUEUES),
	};
	struct vu_dev_params p = {
		.device_id = VIRTIO_ID_FS,
		.nr_queues = 1 + FS_REQUEST_QUEUES,
		.queue_size = FS_QUEUE_SIZE,
		.config_size = sizeof(cfg),
		.config = &cfg,
		.timeout_ms = FS_TIMEOUT_MS,
	};
	struct virtio_fs *fs = calloc(1, sizeof(*fs));
	char name[16];
	int sock;

	if (!fs) {
		err_host(err, -ENOMEM, "--fs: out of memory");
		return NULL;
	}
	snprintf(fs->what, sizeof(fs->what), "--fs %s%s",
		 o->socket ? "socket=" : "", o->socket ? o->socket : o->dir);
	snprintf(name, sizeof(name), "fs%u", index);
	p.name = name;
	p.vm_name = o->vm_name;
	memcpy(cfg.tag, o->tag, strnlen(o->tag, FS_TAG_MAX));
	if (connect_backend(fs, o, &sock, err))
		goto free_fs;
	fs->dev = vu_dev_create(mem, sock, &p, fs->what, err);
	if (fs->dev)
		return fs;
	explain_exit(fs, err);
	virtiofsd_stop(&fs->daemon, -1);
free_fs:
	free(fs);
	return NULL;
}

pid_t virtio_fs_daemon(const struct virtio_fs *fs)
{
	return fs->daemon.pid;
}

struct virtio_dev *virtio_fs_vdev(struct virtio_fs *fs)
{
	return vu_dev_vdev(fs->dev);
}

pid_t virtio_fs_daemon_pid(const struct virtio_fs *fs)
{
	return fs->daemon.pid;
}

void virtio_fs_destroy(struct virtio_fs *fs)
{
	if (!fs)
		return;
	/* SIGTERM makes virtiofsd exit without a word; a closed socket, with one. */
	virtiofsd_stop(&fs->daemon, vu_dev_quiesce(fs->dev));
	vu_dev_destroy(fs->dev);
	free(fs);
}
