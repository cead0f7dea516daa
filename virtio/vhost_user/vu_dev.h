/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VU_DEV_H
#define SQUEEZE_VU_DEV_H

#include "virtio/core/virtio.h"
#include "virtio/vhost_user/vu_conn.h"
#include "vmm/base/err.h"
#include "vmm/core/iothread.h"

/*
 * A virtio device whose queues a vhost-user back-end serves: the generic
 * front-end that virtio-fs and vhost-user-blk are built on. squeeze keeps
 * the transport (PCI, MSI-X, feature and status registers); the back-end
 * gets guest RAM (SET_MEM_TABLE) and, at DRIVER_OK, each queue's rings
 * and the very eventfds our own devices use: the doorbell ioeventfd as
 * kick, the queue's MSI-X irqfd as call. The data path never passes
 * through squeeze.
 *
 *   create   GET_FEATURES, [GET|SET]_PROTOCOL_FEATURES, SET_OWNER,
 *            [GET_QUEUE_NUM], SET_MEM_TABLE, [GET_CONFIG]
 *   activate SET_FEATURES, then per ready queue SET_VRING_NUM, _BASE (0),
 *            _ADDR, _CALL, _ERR, _KICK, [_ENABLE 1]
 *   reset    GET_VRING_BASE per started queue (stops it)
 *
 * ([...] only when negotiated.) The device's I/O thread (vmm/core/
 * iothread.h), named after it ("fs0", "blk1"), does the activate and
 * reset exchanges (the vCPU's write waits for them through iothread_call)
 * and otherwise sleeps in epoll_wait on the socket (EPOLLRDHUP only:
 * replies are read by whoever sent the request) and the queues' error
 * eventfds. When the back-end closes the connection, dies, or signals an
 * error, the device goes to NEEDS_RESET with one log line, and stays
 * broken (no reconnection). So the only thread class that talks to a
 * back-end once the VM runs is this one: epoll_wait, epoll_ctl, sendmsg,
 * recvmsg, poll, read and write on eventfds, shutdown, futex, and the
 * write of a log line.
 */

struct vu_dev_params {
	const char *name;    /* "fs0": log lines, thread name */
	const char *vm_name; /* "web1": thread "web1:fs0"; NULL */
	u32 device_id;
	u32 nr_queues;
	u16 queue_size; /* the most offered per queue */
	/* Device-specific feature bits passed on if the back-end has them. */
	u64 features;
	/* Protocol features the device cannot work without. */
	u64 protocol_needed;
	u32 config_size; /* <= VU_CONFIG_MAX */
	/* The configuration space, or NULL: GET_CONFIG from the back-end. */
	const void *config;
	int timeout_ms; /* per request */
};

struct vu_dev {
	struct virtio_dev vdev;
	struct virtio_dev_ops ops;
	struct vhost_user conn;
	char name[16];
	u8 config[VU_CONFIG_MAX];
	bool started[VIRTIO_MAX_QUEUES];
	int err_fd[VIRTIO_MAX_QUEUES]; /* SET_VRING_ERR eventfds */
	/* The call fd of a queue without an MSI-X vector (a polling
	 * driver): back-ends need one to write to, nobody reads it. */
	int idle_call_fd[VIRTIO_MAX_QUEUES];
	struct iothread io;
};

/*
 * Take over the connected socket @sock (closed on failure too), do the
 * set-up exchange and start the watcher. @what prefixes error lines
 * ("--fs socket=/run/fs.sock"). A back-end that refuses or lacks what the
 * device needs is bad input (ERR_INPUT). NULL with @err set on failure.
 */
struct vu_dev *vu_dev_create(const struct guest_mem *mem, int sock,
			     const struct vu_dev_params *p, const char *what,
			     struct err *err);
struct virtio_dev *vu_dev_vdev(struct vu_dev *d);
/* What the back-end offered (GET_FEATURES). */
u64 vu_dev_backend_features(const struct vu_dev *d);
/*
 * Stop watching the back-end: it is about to be stopped on purpose, which
 * must not set NEEDS_RESET or log. Returns the connection's socket (still
 * open) for the caller to wait on.
 */
int vu_dev_quiesce(struct vu_dev *d);
/* Stop the watcher, close the connection, free. NULL is fine. */
void vu_dev_destroy(struct vu_dev *d);

/* vu_watch.c: the I/O thread and what it watches. */
int vu_watch_start(struct vu_dev *d, const char *vm_name, struct err *err);
void vu_watch_stop(struct vu_dev *d);

/* The I/O thread of the vhost-user device whose virtio_dev is @vd. */
struct iothread *vu_dev_iothread(struct virtio_dev *vd);

#endif
