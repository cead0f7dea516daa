// SPDX-License-Identifier: MIT
/*
 * What the virtio-net I/O thread (vmm/core/iothread.h, named netN) does
 * between activate and reset: it watches the two doorbells and the
 * backend fd.
 *
 * Receive is in net_rx.c: the backend fd is polled only while a receive
 * buffer is held, so a guest that posts nothing costs nothing and frames
 * wait in the tap queue.
 *
 * Transmit: the ring is drained with kicks disabled, each frame written
 * with one writev straight from the guest's buffers, one interrupt per
 * batch.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>

#include "virtio/net/net_int.h"
#include "vmm/base/clock.h"
#include "vmm/base/iov.h"
#include "vmm/base/log.h"

enum { EV_RX_KICK, EV_TX_KICK, EV_BACKEND };

#define TX_BUDGET 256

void net_stat_add(u64 *p, u64 v)
{
	__atomic_store_n(p, *p + v, __ATOMIC_RELAXED);
}

void net_break(struct virtio_net *net, const char *why)
{
	net->broken = true;
	virtio_dev_needs_reset(&net->vdev, why);
}

void net_backend_poll(struct virtio_net *net, bool on)
{
	if (net->tap_polled == on || net->backend_gone)
		return;
	if (iothread_mod(&net->io, net->nb.fd, on ? EPOLLIN : 0, EV_BACKEND) ==
	    0)
		net->tap_polled = on;
}

bool net_backend_failed(struct virtio_net *net, int err)
{
	if (err != -EBADFD && err != -ENODEV && err != -EIO)
		return false;
	if (net->backend_gone)
		return true;
	/*
	 * Even with no events asked for, epoll reports EPOLLERR on a dead
	 * tap: only taking the fd out of the set stops the wakeups.
	 */
	iothread_del(&net->io, net->nb.fd);
	net->tap_polled = false;
	__atomic_store_n(&net->backend_gone, true, __ATOMIC_RELEASE);
	if (warn_once(&net->vdev.warned, VIRTIO_WARN_BACKEND_IO))
		pr_warn("%s: %s; link down", net->nb.ifname, strerror(-err));
	virtio_dev_config_changed(&net->vdev);
	return true;
}

/* Send one chain; false if it was dropped. */
static bool tx_one(struct virtio_net *net, struct vq_chain *c)
{
	struct iovec *iov = net->tx_iov;
	struct net_hdr g, t;
	u8 wire[NET_HDR_LEN];
	ssize_t r;
	int n;

	if (c->out_len < NET_HDR_LEN ||
	    c->out_len > NET_HDR_LEN + NET_MAX_FRAME)
		return false;
	vq_copy_from_out(c, 0, wire, sizeof(wire));
	net_hdr_load(&g, wire);
	if (net_hdr_tx(&g, net->features, c->out_len - NET_HDR_LEN, &t))
		return false;
	net_hdr_store(&t, wire);
	/* Our header, then the frame straight from the guest's buffers. */
	iov[0].iov_base = wire;
	iov[0].iov_len = sizeof(wire);
	n = iov_slice(c->iov, c->nr_out, NET_HDR_LEN, c->out_len - NET_HDR_LEN,
		      iov + 1, IOV_MAX - 1);
	if (n < 0 || net->backend_gone)
		return false;
	r = net->nb.ops->send(&net->nb, iov, n + 1);
	if (r < 0) {
		net_backend_failed(net, (int)r);
		return false;
	}
	net_stat_add(&net->stats.tx_frames, 1);
	net_stat_add(&net->stats.tx_bytes, c->out_len - NET_HDR_LEN);
	trace_event(net->vdev.trace, TRACE_IO, "tx", __FILE__,
		    "%s queue 1: head %u, a %llu-byte frame written to tap %s",
		    net->vdev.name, c->head,
		    (unsigned long long)(c->out_len - NET_HDR_LEN),
		    net->nb.ifname);
	return true;
}

static void tx_process(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[NET_TXQ];
	unsigned int budget = TX_BUDGET;
	u16 used = vq->used_idx;
	u64 start;
	int r;

	net->tx_more = false;
	vq_set_kick(vq, false);
	while (!net->broken) {
		r = vq_pop(vq, net->tx_chain);
		if (r == 0) {
			/* Re-enable and look again: a kick may be lost. */
			vq_set_kick(vq, true);
			r = vq_pop(vq, net->tx_chain);
			if (r == 0)
				break;
			vq_set_kick(vq, false);
		}
		if (r < 0 || net->tx_chain->nr_in) {
			net_break(net, "malformed transmit descriptor chain");
			break;
		}
		start = net->vdev.timed ? clock_ns() : 0;
		if (!tx_one(net, net->tx_chain))
			net_stat_add(&net->stats.tx_dropped, 1);
		vq_push(vq, net->tx_chain->head, 0);
		if (start)
			hist_add(&net->stats.tx_latency, clock_ns() - start);
		if (!--budget) {
			/* Kicks stay off: we come back. */
			net->tx_more = true;
			break;
		}
	}
	if (vq->used_idx != used)
		virtio_vq_notify(&net->vdev, vq);
}

/* --trace: why the thread woke. */
static void net_trace_wakeup(struct virtio_net *net, u64 ev)
{
	static const char *const why[] = {
		[EV_RX_KICK] = "queue 0 (receive) doorbell: the driver "
			       "posted buffers",
		[EV_TX_KICK] = "queue 1 (transmit) doorbell: frames to send",
		[EV_BACKEND] = "the tap has a frame for the guest",
	};

	trace_event(net->vdev.trace, ev == EV_BACKEND ? TRACE_IO : TRACE_VIRTIO,
		    ev == EV_BACKEND ? "tap" : "doorbell", __FILE__,
		    "%s: %s (%s wakes)", net->vdev.name,
		    ev < ARRAY_SIZE(why) ? why[ev] : "?", net->io.name);
}

/* A batch of ready events; n == 0: the tx budget's zero timeout passed. */
static void net_io_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct virtio_net *net = opaque;
	int rx_kick = net->vdev.vq[NET_RXQ].kick_fd;
	int tx_kick = net->vdev.vq[NET_TXQ].kick_fd;
	bool rx = false, tx;
	int i;

	if (!net->running || net->frozen)
		return;
	net->wake_ns = net->vdev.timed ? clock_ns() : 0;
	/*
	 * A refill doorbell and a readable backend often come in the same
	 * wakeup: one pass over each ring serves both.
	 */
	tx = n == 0 && net->tx_more;
	for (i = 0; i < n; i++) {
		if (net->vdev.trace)
			net_trace_wakeup(net, ev[i].data.u64);
		switch (ev[i].data.u64) {
		case EV_RX_KICK:
			virtio_eventfd_drain(&net->vdev, rx_kick);
			/* fall through */
		case EV_BACKEND:
			rx = true;
			break;
		case EV_TX_KICK:
			virtio_eventfd_drain(&net->vdev, tx_kick);
			tx = true;
			break;
		}
	}
	if (rx)
		net_rx_process(net);
	if (tx)
		tx_process(net);
	if (net->broken)
		net_backend_poll(net, false);
	if (trace_file_on(net->vdev.trace))
		trace_span(net->vdev.trace, "iothread", "wakeup", net->wake_ns,
			   clock_ns(), NULL);
	net->wake_ns = 0;
}

/* Poll again at once while the tx budget left frames on the ring. */
static int net_io_timeout(void *opaque)
{
	struct virtio_net *net = opaque;

	return net->running && net->tx_more && !net->broken && !net->frozen ?
		       0 :
		       -1;
}

const struct iothread_ops net_io_ops = {
	.events = net_io_events,
	.timeout = net_io_timeout,
};

static void net_unwatch(struct virtio_net *net)
{
	const struct virtqueue *vq = net->vdev.vq;

	iothread_del(&net->io, vq[NET_RXQ].kick_fd);
	iothread_del(&net->io, vq[NET_TXQ].kick_fd);
	iothread_del(&net->io, net->nb.fd);
}

struct net_start {
	struct virtio_net *net;
	int ret;
};

/* On the I/O thread: watch both doorbells (the backend: quiet), go. */
static void net_start(void *arg)
{
	struct net_start *s = arg;
	struct virtio_net *net = s->net;
	const struct virtqueue *vq = net->vdev.vq;
	int ret;

	if (net->running)
		return;
	net->wake_ns = 0;
	net->broken = false;
	net->tx_more = false;
	net->tap_polled = false;
	net_rx_reset(net);
	ret = iothread_add(&net->io, vq[NET_RXQ].kick_fd, EPOLLIN, EV_RX_KICK);
	if (!ret)
		ret = iothread_add(&net->io, vq[NET_TXQ].kick_fd, EPOLLIN,
				   EV_TX_KICK);
	/* A tap that died earlier is never watched again. */
	if (!ret && !net->backend_gone)
		ret = iothread_add(&net->io, net->nb.fd, 0, EV_BACKEND);
	s->ret = ret;
	if (ret)
		return net_unwatch(net);
	net->running = true;
	/* What the driver made available before DRIVER_OK. */
	net_rx_process(net);
	tx_process(net);
}

int net_io_start(struct virtio_net *net)
{
	struct net_start s = { .net = net };

	iothread_call(&net->io, net_start, &s);
	return s.ret;
}

/* On the I/O thread: forget the rings and any frame in progress. */
static void net_stop(void *arg)
{
	struct virtio_net *net = arg;

	if (!net->running)
		return;
	net_unwatch(net);
	net->running = false;
	net_rx_reset(net);
}

void net_io_stop(struct virtio_net *net)
{
	iothread_call(&net->io, net_stop, net);
}

struct net_freeze {
	struct virtio_net *net;
	bool on;
};

static void net_watch_kicks(struct virtio_net *net, u32 events)
{
	struct virtqueue *vq = net->vdev.vq;

	iothread_mod(&net->io, vq[NET_RXQ].kick_fd, events, EV_RX_KICK);
	iothread_mod(&net->io, vq[NET_TXQ].kick_fd, events, EV_TX_KICK);
}

/*
 * Frozen: receive buffers held for the next frame (and a frame caught
 * half-way, which is dropped) go back to the ring unseen; transmit holds
 * nothing between batches. Kicks are left on in both rings, doorbells and
 * tap unwatched. Thawed: both queues are looked at again.
 */
static void net_freeze(void *arg)
{
	struct net_freeze *f = arg;
	struct virtio_net *net = f->net;
	struct virtqueue *vq = net->vdev.vq;
	int q;

	if (!net->running || net->frozen == f->on)
		return;
	net->frozen = f->on;
	if (!f->on) {
		net_watch_kicks(net, EPOLLIN);
		for (q = NET_RXQ; q <= NET_TXQ; q++)
			virtio_eventfd_signal(
				&net->vdev, vq[q].kick_fd,
				VIRTIO_WARN_DOORBELL_WRITE,
				"virtio-net: doorbell eventfd write failed");
		return;
	}
	net_watch_kicks(net, 0);
	net_backend_poll(net, false);
	if (!net->broken) {
		net_rx_give_back(net);
		for (q = NET_RXQ; q <= NET_TXQ; q++)
			vq_set_kick(&vq[q], true);
	}
	net->tx_more = false;
}

int net_io_quiesce(struct virtio_net *net, bool on)
{
	struct net_freeze f = { .net = net, .on = on };

	iothread_call(&net->io, net_freeze, &f);
	return 0;
}
