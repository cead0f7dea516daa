// SPDX-License-Identifier: MIT
/*
 * The watcher of a vhost-user device: one thread asleep in epoll_wait on
 * the connection (hang-up only; the socket is read by whoever sent a
 * request, never here) and on the queues' error eventfds. When either
 * fires, the device goes to NEEDS_RESET. Its system calls: epoll_wait,
 * epoll_ctl, read and write on eventfds, shutdown, futex, and the write
 * of the one log line.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio/vhost_user/vu_dev.h"
#include "vmm/base/log.h"

enum { WATCH_STOP, WATCH_SOCK, WATCH_ERR0 };

static void report(struct vu_dev *d, const char *what)
{
	char why[96];

	snprintf(why, sizeof(why), "%s: vhost-user back-end %s", d->name,
		 what);
	virtio_dev_needs_reset(&d->vdev, why);
}

/* The socket hung up: the back-end closed it or died, or a request of ours
 * failed and shut it down (then that failure is the reason). */
static void sock_hangup(struct vu_dev *d)
{
	int why;

	epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, d->conn.sock, NULL);
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

static void *watch_thread(void *arg)
{
	struct vu_dev *d = arg;
	struct epoll_event ev[4];
	int i, n;

	for (;;) {
		n = epoll_wait(d->epoll_fd, ev, ARRAY_SIZE(ev), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == WATCH_STOP)
				return NULL;
			if (ev[i].data.u64 == WATCH_SOCK)
				sock_hangup(d);
			else
				queue_error(d, ev[i].data.u64 - WATCH_ERR0);
		}
	}
}

static int watch_setup(struct vu_dev *d)
{
	u32 q;
	int ret;

	d->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->stop_fd < 0 || d->epoll_fd < 0)
		return -errno;
	ret = virtio_epoll_add(d->epoll_fd, d->stop_fd, EPOLLIN, WATCH_STOP);
	/* Not EPOLLIN: replies make the socket readable all the time. */
	if (!ret)
		ret = virtio_epoll_add(d->epoll_fd, d->conn.sock, EPOLLRDHUP,
				       WATCH_SOCK);
	for (q = 0; !ret && q < d->ops.nr_queues; q++)
		ret = virtio_epoll_add(d->epoll_fd, d->err_fd[q], EPOLLIN,
				       WATCH_ERR0 + q);
	return ret;
}

int vu_watch_start(struct vu_dev *d)
{
	int ret = watch_setup(d);

	if (!ret)
		ret = -pthread_create(&d->thread, NULL, watch_thread, d);
	if (ret)
		return ret;
	pthread_setname_np(d->thread, d->name);
	d->have_thread = true;
	return 0;
}

void vu_watch_stop(struct vu_dev *d)
{
	u64 one = 1;

	if (d->have_thread) {
		if (write(d->stop_fd, &one, sizeof(one)) < 0)
			pr_warn("%s: cannot wake the watcher thread", d->name);
		pthread_join(d->thread, NULL);
		d->have_thread = false;
	}
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	d->epoll_fd = d->stop_fd = -1;
}
