// SPDX-License-Identifier: MIT
/*
 * virtio-console, host to guest, on the I/O thread (console_io.c): the
 * port's in_fd is read straight into the receive chains the driver
 * posted, several at once (Linux posts a page each: one read per page
 * would cost a system call per 4 KiB), and polled for EPOLLIN only while
 * chains are waiting for data. Nothing is read while the guest has the
 * port closed or has posted nothing: the data waits on the host side.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "virtio/console/console_int.h"
#include "vmm/base/log.h"

#define VCON_RX_BATCH 16 /* chains per read */

/* Chains popped for one read, their segments side by side in c->iov. */
struct rx_batch {
	u16 head[VCON_RX_BATCH];
	u32 cap[VCON_RX_BATCH];
	unsigned int n;
	unsigned int niov;
};

static ssize_t host_read(int fd, bool sock, struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t r;

	do {
		r = sock ? recvmsg(fd, &m, MSG_DONTWAIT) : readv(fd, iov, n);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static bool can_receive(struct virtio_console *c, struct vcon_port *p)
{
	return c->running && !c->broken && p->in_fd >= 0 && !p->in_eof &&
	       p->ready && p->guest_open;
}

/* in_fd ended (or failed): the guest reads EOF after what it has. */
static void in_end(struct virtio_console *c, struct vcon_port *p, int err)
{
	if (err)
		pr_warn("virtio-console port %u: read: %s; closing it", p->id,
			strerror(-err));
	p->in_eof = true;
	p->in_wait = false;
	vcon_set_host_open(c, p, false);
}

/* Pop up to VCON_RX_BATCH chains: their number, or -EIO (broken). */
static int gather(struct virtio_console *c, struct virtqueue *vq,
		  struct rx_batch *b)
{
	const struct vq_chain *ch = c->chain;
	int r;

	b->n = b->niov = 0;
	while (b->n < VCON_RX_BATCH) {
		r = vq_pop(vq, c->chain);
		if (r == 0)
			break;
		if (r < 0 || ch->nr_out || !ch->nr_in) {
			vcon_break(c, "malformed receive chain");
			return -EIO;
		}
		if (b->niov + ch->nr_in > VQ_MAX_SEGS) {
			vq_unpop(vq, 1); /* the next read takes it */
			break;
		}
		memcpy(&c->iov[b->niov], ch->iov, ch->nr_in * sizeof(*ch->iov));
		b->niov += ch->nr_in;
		b->head[b->n] = ch->head;
		b->cap[b->n] = (u32)MIN(ch->in_len, (u64)UINT32_MAX);
		b->n++;
	}
	return (int)b->n;
}

/* @n bytes landed in the batch's chains in order: use those, keep the rest. */
static void deliver(struct virtio_console *c, struct vcon_port *p,
		    struct virtqueue *vq, const struct rx_batch *b, size_t n)
{
	unsigned int i;
	u32 take;

	for (i = 0; i < b->n && n; i++) {
		take = (u32)MIN((size_t)b->cap[i], n);
		vcon_push(c, vcon_rxq(p->id), b->head[i], take);
		n -= take;
	}
	if (i < b->n)
		vq_unpop(vq, (u16)(b->n - i));
}

void vcon_port_rx(struct virtio_console *c, struct vcon_port *p)
{
	struct virtqueue *vq = &c->vdev.vq[vcon_rxq(p->id)];
	unsigned int budget = VCON_BUDGET;
	struct rx_batch b;
	ssize_t n;
	int r;

	while (can_receive(c, p)) {
		if (budget < VCON_RX_BATCH) {
			c->more = true;
			break;
		}
		r = gather(c, vq, &b);
		if (r < 0)
			break;
		if (r == 0) {
			p->in_wait = false; /* the kick brings us back */
			break;
		}
		budget -= b.n;
		n = host_read(p->in_fd, p->in_sock, c->iov, (int)b.niov);
		if (n > 0) {
			deliver(c, p, vq, &b, (size_t)n);
			p->bytes_in += n;
			continue;
		}
		vq_unpop(vq, (u16)b.n);
		if (n == -EAGAIN) {
			p->in_wait = true;
			break;
		}
		in_end(c, p, (int)n);
	}
	vcon_port_watch(c, p);
}
