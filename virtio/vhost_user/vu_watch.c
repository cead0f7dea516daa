// SPDX-License-Identifier: MIT
/*
 * What the I/O thread of a vhost-user device watches: the connection
 * (hang-up only; the socket is read by whoever sent a request, never
 * here) and the queues' error eventfds. When either fires, the device
 * goes to NEEDS_RESET. The activate and reset exchanges also run on this
 * thread (vu_dev.c, through iothread_call()).
 */
#include <errno.h>
#include <string.h>

#include "virtio/vhost_user/vu_dev.h"
#include "vmm/base/log.h"

enum { WATCH_SOCK, WATCH_ERR0 };

static void report(struct vu_dev *d, const char *what)
{
	char why[96];

	snprintf(why, sizeof(why), "%s: vhost-user back-end %s", d->name, what);
	virtio_dev_needs_reset(&d->vdev, why);
}

/* The socket hung up: the back-end closed it or died, or a request of ours
 * failed and shut it down (then that failure is the reason). */
static void sock_hangup(struct vu_dev *d)
{
	int why;

	iothread_del(&d->io, d->conn.sock);
	vu_conn_shutdown(&d->conn, -ECONNRESET);
	why = __atomic_load_n(&d->conn.error, __ATOMIC_RELAXED);
	report(d, vu_conn_strerror(why));
}

static void queue_error(struct vu_dev *d, u32 q)
{
	char what[48];

	virtio_eventfd_drain(&d->vdev, d->err_fd[q]);
	snprintf(what, sizeof(what), "reported an error on queue %u", q);
	report(d, what);
}

static void watch_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct vu_dev *d = opaque;
	int i;

	for (i = 0; i < n; i++) {
		if (ev[i].data.u64 == WATCH_SOCK)
			sock_hangup(d);
		else
			queue_error(d, ev[i].data.u64 - WATCH_ERR0);
	}
}

static const struct iothread_ops watch_ops = { .events = watch_events };

int vu_watch_start(struct vu_dev *d, const char *vm_name, struct err *err)
{
	char name[IOTHREAD_NAME_LEN];
	u32 q;
	int ret;

	thread_name(name, vm_name, d->name);
	ret = iothread_create(&d->io, name, &watch_ops, d, err);
	if (ret)
		return ret;
	/* Not EPOLLIN: replies make the socket readable all the time. */
	ret = iothread_add(&d->io, d->conn.sock, EPOLLRDHUP, WATCH_SOCK);
	for (q = 0; !ret && q < d->ops.nr_queues; q++)
		ret = iothread_add(&d->io, d->err_fd[q], EPOLLIN,
				   WATCH_ERR0 + q);
	if (ret)
		return err_host(err, ret, "%s: epoll_ctl: %s", d->name,
				strerror(-ret));
	return 0;
}

void vu_watch_stop(struct vu_dev *d)
{
	iothread_destroy(&d->io);
}

struct iothread *vu_dev_iothread(struct virtio_dev *vd)
{
	return &container_of(vd, struct vu_dev, vdev)->io;
}
