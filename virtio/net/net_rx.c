// SPDX-License-Identifier: MIT
/*
 * virtio-net receive, on the device's I/O thread (net_io.c).
 *
 * Chains are popped ahead and held: as much buffer space as the last
 * frame needed (MRG_RXBUF) or one chain (without it). The backend is read
 * with one readv straight into the held chains' segments, followed by a
 * bounce buffer; whatever of a bigger frame landed in the bounce buffer is
 * copied into further chains. The header is translated in place and
 * num_buffers written last. Held chains that a frame did not need stay
 * held for the next one. The backend is not read at all while no chain
 * is held: the frame waits in the tap queue.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "virtio/net/net_int.h"
#include "vmm/base/clock.h"
#include "vmm/base/iov.h"
#include "vmm/base/log.h"

#define RX_BUDGET   64 /* frames per wakeup before notifying */
#define RX_MIN_WANT (NET_HDR_LEN + 1514)

static bool mrg(struct virtio_net *net)
{
	return net->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
}

static void rx_kick(struct virtio_net *net, bool on)
{
	if (net->rx.kick_on != on)
		vq_set_kick(&net->vdev.vq[NET_RXQ], on);
	net->rx.kick_on = on;
}

/*
 * Next receive chain: 1, 0 when the ring is empty, -EIO when broken.
 * Kicks are wanted only while the ring is empty: each refill doorbell
 * would otherwise cost the driver an exit and us a wakeup.
 */
static int rx_pop(struct virtio_net *net, struct vq_chain *c)
{
	struct virtqueue *vq = &net->vdev.vq[NET_RXQ];
	int r = vq_pop(vq, c);

	if (r == 0) {
		/* Ask for a kick, look again: one may have been skipped. */
		rx_kick(net, true);
		r = vq_pop(vq, c);
	}
	if (r > 0)
		rx_kick(net, false);
	if (r < 0) {
		net_break(net, "malformed receive descriptor chain");
		return r;
	}
	/* Every buffer must hold a header (5.1.6.3.1), and be writable. */
	if (r && (c->nr_out || c->in_len < NET_HDR_LEN)) {
		net_break(net, "receive buffer not writable or too short");
		return -EIO;
	}
	return r;
}

/* Hold chains until there is room for rx->want bytes; -ENOBUFS if none. */
static int rx_hold(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[NET_RXQ];
	struct net_rx *rx = &net->rx;
	struct vq_chain *c = rx->chain;
	int r;

	while (!rx->nheld || (mrg(net) && rx->cap < rx->want)) {
		if (rx->nheld == vq->size)
			break;
		r = rx_pop(net, c);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		/* The segments and the bounce buffer go to one readv. */
		if (rx->niov + c->nr_in > IOV_MAX - 1) {
			if (!rx->nheld) {
				net_break(
					net,
					"receive chain has too many segments");
				return -EIO;
			}
			vq_unpop(vq, 1); /* not taken after all */
			break;
		}
		memcpy(&rx->iov[rx->niov], c->iov, c->nr_in * sizeof(*c->iov));
		rx->held[rx->nheld].head = c->head;
		rx->held[rx->nheld].niov = (u16)c->nr_in;
		rx->held[rx->nheld].cap = (u32)MIN(c->in_len, (u64)UINT32_MAX);
		rx->cap += rx->held[rx->nheld].cap;
		rx->niov += c->nr_in;
		rx->nheld++;
	}
	return rx->nheld ? 0 : -ENOBUFS;
}

/* Read one frame into the held chains: 1 (read or dropped), 0, -errno. */
static int rx_read(struct virtio_net *net)
{
	struct net_rx *rx = &net->rx;
	u8 wire[NET_HDR_LEN];
	struct net_hdr h;
	size_t rem;
	ssize_t n;
	unsigned int k;

	rx->iov[rx->niov].iov_base = rx->bounce;
	rx->iov[rx->niov].iov_len = NET_HDR_LEN + NET_MAX_FRAME;
	n = net->nb.ops->recv(&net->nb, rx->iov, (int)rx->niov + 1);
	if (n == -EAGAIN || n == -EINTR)
		return 0;
	if (n < 0)
		return (int)n;
	iov_to_buf(rx->iov, rx->held[0].niov, 0, wire, sizeof(wire));
	net_hdr_load(&h, wire);
	/* Dropped frames leave the held chains held, their bytes unused. */
	if (n < NET_HDR_LEN + 14 ||
	    net_hdr_rx(&h, net->features, 1, &rx->hdr) ||
	    (!mrg(net) && (u64)n > rx->held[0].cap)) {
		net_stat_add(&net->stats.rx_dropped, 1);
		return 1;
	}
	rx->len = (size_t)n;
	rem = rx->len;
	for (k = 0; rem && k < rx->nheld; k++) {
		rx->used_head[k] = rx->held[k].head;
		rx->used_len[k] = (u32)MIN((u64)rem, rx->held[k].cap);
		rem -= rx->used_len[k];
	}
	rx->nfilled = rx->nused = k;
	rx->placed = rx->len - rem;
	rx->bounce_base = rx->placed;
	return 1;
}

/* The frame no longer counts; chains popped for its overflow go back. */
static void rx_drop_overflow(struct virtio_net *net)
{
	struct net_rx *rx = &net->rx;

	vq_unpop(&net->vdev.vq[NET_RXQ], (u16)(rx->nused - rx->nfilled));
	rx->len = 0;
	net_stat_add(&net->stats.rx_dropped, 1);
}

/* Copy the bounced rest into more chains: 1 done, 0 wait, -EIO. */
static int rx_overflow(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[NET_RXQ];
	struct net_rx *rx = &net->rx;
	struct vq_chain *c = rx->chain;
	size_t k;
	int r;

	while (rx->placed < rx->len) {
		if (rx->nused == vq->size) {
			/* Bigger than the whole ring. */
			rx_drop_overflow(net);
			return 1;
		}
		r = rx_pop(net, c);
		if (r <= 0)
			return r;
		k = MIN(rx->len - rx->placed, c->in_len);
		vq_copy_to_in(c, 0, rx->bounce + (rx->placed - rx->bounce_base),
			      k);
		rx->used_head[rx->nused] = c->head;
		rx->used_len[rx->nused] = (u32)k;
		rx->nused++;
		rx->placed += k;
	}
	return 1;
}

/* Header with num_buffers, push, and let go of the chains the frame used. */
static void rx_complete(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[NET_RXQ];
	struct net_rx *rx = &net->rx;
	unsigned int i, iovs = 0;
	u8 wire[NET_HDR_LEN];

	rx->hdr.num_buffers = (u16)(mrg(net) ? rx->nused : 1);
	net_hdr_store(&rx->hdr, wire);
	iov_from_buf(rx->iov, rx->held[0].niov, 0, wire, sizeof(wire));
	for (i = 0; i < rx->nused; i++)
		vq_push(vq, rx->used_head[i], rx->used_len[i]);
	for (i = 0; i < rx->nfilled; i++) {
		iovs += rx->held[i].niov;
		rx->cap -= rx->held[i].cap;
	}
	rx->nheld -= rx->nfilled;
	rx->niov -= iovs;
	memmove(rx->held, rx->held + rx->nfilled,
		rx->nheld * sizeof(*rx->held));
	memmove(rx->iov, rx->iov + iovs, rx->niov * sizeof(*rx->iov));
	rx->want = MAX(rx->len, (size_t)RX_MIN_WANT);
	net_stat_add(&net->stats.rx_frames, 1);
	net_stat_add(&net->stats.rx_bytes, rx->len - NET_HDR_LEN);
	if (net->wake_ns)
		hist_add(&net->stats.rx_latency, clock_ns() - net->wake_ns);
	trace_event(net->vdev.trace, TRACE_IO, "rx", "virtio/net/net_rx.c",
		    "%s queue 0: a %zu-byte frame from tap %s into %u receive "
		    "buffer%s, pushed",
		    net->vdev.name, rx->len - NET_HDR_LEN, net->nb.ifname,
		    rx->nused, rx->nused == 1 ? "" : "s");
	rx->len = 0;
}

void net_rx_process(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[NET_RXQ];
	struct net_rx *rx = &net->rx;
	unsigned int budget = RX_BUDGET;
	u16 used = vq->used_idx;
	int r;

	while (!net->broken && budget) {
		if (!rx->len) {
			if (rx_hold(net))
				break;
			r = net->backend_gone ? 0 : rx_read(net);
			if (r < 0 && !net_backend_failed(net, r) &&
			    warn_once(&net->vdev.warned,
				      VIRTIO_WARN_BACKEND_IO))
				pr_warn("%s: read: %s", net->nb.ifname,
					strerror(-r));
			if (r <= 0)
				break;
			if (!rx->len)
				continue; /* dropped */
		}
		if (rx_overflow(net) <= 0)
			break;
		if (rx->len)
			rx_complete(net);
		budget--;
	}
	/*
	 * Listen to the backend only while a held chain waits for a frame,
	 * or to come back for more after the budget ran out.
	 */
	net_backend_poll(net,
			 !net->broken && (!budget || (rx->nheld && !rx->len)));
	if (vq->used_idx != used)
		virtio_vq_notify(&net->vdev, vq);
}

void net_rx_give_back(struct virtio_net *net)
{
	struct net_rx *rx = &net->rx;
	u16 n = (u16)rx->nheld;

	/*
	 * Held chains were popped first, a frame's overflow chains after
	 * them, and nothing of either was pushed: they are the last pops.
	 */
	if (rx->len)
		n += (u16)(rx->nused - rx->nfilled);
	vq_unpop(&net->vdev.vq[NET_RXQ], n);
	net_rx_reset(net);
}

void net_rx_reset(struct virtio_net *net)
{
	struct net_rx *rx = &net->rx;

	/* A frame caught between backend and guest dies with the reset. */
	if (rx->len)
		net_stat_add(&net->stats.rx_dropped, 1);
	rx->len = 0;
	rx->nheld = 0;
	rx->niov = 0;
	rx->cap = 0;
	rx->want = RX_MIN_WANT;
	/* vq_enable() starts a queue with kicks on. */
	rx->kick_on = true;
}
