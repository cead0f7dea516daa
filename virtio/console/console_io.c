// SPDX-License-Identifier: MIT
/*
 * The virtio-console I/O thread (vmm/core/iothread.h, named conN): port
 * data between the guest's buffers and the host fds, and the control
 * queues (console_ctrl.c).
 *
 * Guest to host: a transmit chain is written straight from guest memory;
 * when the fd would block, the chain stays held (one per port) and the
 * fd is polled for EPOLLOUT, so the guest's ring fills and its writes
 * wait. Host to guest is in console_rx.c.
 * An fd is in the epoll set only while we wait for it: a pipe whose other
 * end closed reports EPOLLHUP/EPOLLERR whatever events were asked for.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio/console/console_int.h"
#include "vmm/base/log.h"

void vcon_break(struct virtio_console *c, const char *why)
{
	c->broken = true;
	virtio_dev_needs_reset(&c->vdev, why);
}

void vcon_push(struct virtio_console *c, unsigned int q, u16 head, u32 len)
{
	vq_push(&c->vdev.vq[q], head, len);
	c->notify |= 1u << q;
}

static void notify_all(struct virtio_console *c)
{
	unsigned int q;

	for (q = 0; c->notify; q++) {
		if (c->notify & (1u << q))
			virtio_vq_notify(&c->vdev, &c->vdev.vq[q]);
		c->notify &= ~(1u << q);
	}
}

static void set_kick(struct virtqueue *vq, bool on)
{
	if (vq->no_kick == on)
		vq_set_kick(vq, on);
}

static ssize_t host_write(int fd, bool sock, struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t r;

	do {
		r = sock ? sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) :
			   writev(fd, iov, n);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* The part of the held chain not yet written, in c->iov. */
static int tx_iov(struct virtio_console *c, struct vcon_port *p)
{
	const struct vq_chain *ch = p->tx_chain;
	u64 skip = p->tx_off;
	unsigned int i;
	int n = 0;

	for (i = 0; i < ch->nr_out; i++) {
		if (skip >= ch->iov[i].iov_len) {
			skip -= ch->iov[i].iov_len;
			continue;
		}
		c->iov[n].iov_base = (u8 *)ch->iov[i].iov_base + skip;
		c->iov[n].iov_len = ch->iov[i].iov_len - skip;
		skip = 0;
		n++;
	}
	return n;
}

/* Write the held chain out: true when it is done with. */
static bool tx_write(struct virtio_console *c, struct vcon_port *p)
{
	u64 len = p->tx_chain->out_len;
	ssize_t n;

	while (p->tx_off < len && p->out_fd >= 0 && !p->out_dead) {
		n = host_write(p->out_fd, p->out_sock, c->iov, tx_iov(c, p));
		if (n == -EAGAIN) {
			p->out_wait = true;
			return false;
		}
		if (n <= 0) {
			pr_warn("virtio-console port %u: write: %s; discarding its output from now on",
				p->id, n ? strerror((int)-n) : "no progress");
			p->out_dead = true;
			if (c->out_failed)
				c->out_failed(c->opaque, p->id);
			break;
		}
		p->tx_off += n;
	}
	p->bytes_out += len;
	return true;
}

void vcon_port_tx(struct virtio_console *c, struct vcon_port *p)
{
	struct virtqueue *vq = &c->vdev.vq[vcon_txq(p->id)];
	unsigned int budget = VCON_BUDGET;
	int r;

	p->out_wait = false;
	while (c->running && !c->broken) {
		if (!p->tx_held) {
			set_kick(vq, false);
			r = vq_pop(vq, p->tx_chain);
			if (r == 0) {
				/* Kicks on, then look again: one may be lost. */
				set_kick(vq, true);
				r = vq_pop(vq, p->tx_chain);
			}
			if (r == 0)
				break;
			if (r < 0 || p->tx_chain->nr_in) {
				vcon_break(c, "malformed transmit chain");
				break;
			}
			p->tx_held = true;
			p->tx_off = 0;
		}
		if (!tx_write(c, p))
			break; /* kicks stay off: EPOLLOUT resumes */
		vcon_push(c, vcon_txq(p->id), p->tx_chain->head, 0);
		p->tx_held = false;
		if (!--budget) {
			c->more = true;
			break;
		}
	}
	vcon_port_watch(c, p);
}

static u32 fd_tag(const struct vcon_port *p, bool out)
{
	return VCON_TAG_FD | p->id << 1 | out;
}

/* Bring one fd's registration to @want events (0: not registered). */
static void watch_fd(struct virtio_console *c, int fd, u32 *have, u32 want,
		     u32 tag)
{
	int r = 0;

	if (*have == want)
		return;
	if (!want)
		iothread_del(&c->io, fd);
	else if (!*have)
		r = iothread_add(&c->io, fd, want, tag);
	else
		r = iothread_mod(&c->io, fd, want, tag);
	if (r)
		pr_warn("virtio-console: cannot poll fd %d: %s", fd,
			strerror(-r));
	*have = r ? 0 : want;
}

void vcon_port_watch(struct virtio_console *c, struct vcon_port *p)
{
	bool run = c->running && !c->broken;
	u32 in = run && p->in_wait && !p->in_file ? EPOLLIN : 0;
	u32 out = run && p->out_wait && !p->out_file ? EPOLLOUT : 0;

	if (p->in_fd == p->out_fd) {
		watch_fd(c, p->in_fd, &p->watched, in | out, fd_tag(p, false));
		return;
	}
	watch_fd(c, p->in_fd, &p->watched, in, fd_tag(p, false));
	watch_fd(c, p->out_fd, &p->watched_out, out, fd_tag(p, true));
}

static void port_fd_ready(struct virtio_console *c, const struct epoll_event *e)
{
	struct vcon_port *p =
		&c->port[((e->data.u64 & 0xff) >> 1) % VCON_MAX_PORTS];
	bool out = e->data.u64 & 1;
	u32 ev = e->events;

	if (p->in_fd == p->out_fd)
		out = ev & (EPOLLOUT | EPOLLERR | EPOLLHUP);
	if (!out || (p->in_fd == p->out_fd && (ev & ~EPOLLOUT)))
		vcon_port_rx(c, p);
	if (out)
		vcon_port_tx(c, p);
}

static void queue_kick(struct virtio_console *c, unsigned int q)
{
	struct vcon_port *p;

	virtio_eventfd_drain(&c->vdev, c->vdev.vq[q].kick_fd);
	if (q == VCON_CTRL_TXQ)
		return vcon_ctrl_tx(c);
	if (q == VCON_CTRL_RXQ)
		return vcon_ctrl_rx(c);
	p = &c->port[q < 2 ? 0 : (q - 2) / 2];
	if (q & 1) {
		if (!p->tx_held) /* a held chain waits for EPOLLOUT */
			vcon_port_tx(c, p);
	} else {
		vcon_port_rx(c, p);
	}
}

static bool tx_idle(struct virtio_console *c)
{
	unsigned int i;

	if (!c->running || c->broken)
		return true;
	for (i = 0; i < c->nr_ports; i++)
		if (c->port[i].tx_held ||
		    vq_has_avail(&c->vdev.vq[vcon_txq(i)]))
			return false;
	return true;
}

static void check_drain(struct virtio_console *c)
{
	u64 one = 1;

	if (c->drain_fd < 0 || !tx_idle(c))
		return;
	if (write(c->drain_fd, &one, sizeof(one)) < 0)
		pr_warn("virtio-console: eventfd write: %s", strerror(errno));
	c->drain_fd = -1;
}

/* Every port both ways: after a budget ran out, and to start a drain. */
static void all_ports(struct virtio_console *c)
{
	unsigned int i;

	c->more = false;
	for (i = 0; i < c->nr_ports; i++) {
		vcon_port_rx(c, &c->port[i]);
		if (!c->port[i].out_wait)
			vcon_port_tx(c, &c->port[i]);
	}
}

static void vcon_io_events(void *opaque, const struct epoll_event *ev, int n)
{
	struct virtio_console *c = opaque;
	int i;

	if (!c->running)
		return;
	if (n == 0 && c->more)
		all_ports(c);
	for (i = 0; i < n; i++) {
		if (ev[i].data.u64 & VCON_TAG_FD)
			port_fd_ready(c, &ev[i]);
		else
			queue_kick(c, (unsigned int)ev[i].data.u64);
	}
	notify_all(c);
	check_drain(c);
}

static int vcon_io_timeout(void *opaque)
{
	struct virtio_console *c = opaque;

	return c->running && c->more && !c->broken ? 0 : -1;
}

const struct iothread_ops vcon_io_ops = {
	.events = vcon_io_events,
	.timeout = vcon_io_timeout,
};

static void port_reset(struct virtio_console *c, struct vcon_port *p)
{
	p->in_wait = p->out_wait = false;
	vcon_port_watch(c, p); /* !running: unregisters */
	p->pending = 0;
	p->added = p->ready = p->guest_open = false;
	/* A port without an input has nothing to close. */
	p->host_open = p->in_fd < 0 || !p->in_eof;
	p->tx_held = false;
	p->tx_off = 0;
}

struct vcon_start {
	struct virtio_console *c;
	int ret;
};

static void unwatch_queues(struct virtio_console *c, unsigned int nr)
{
	unsigned int q;

	for (q = 0; q < nr; q++)
		if (c->vdev.vq[q].kick_fd >= 0)
			iothread_del(&c->io, c->vdev.vq[q].kick_fd);
}

static void vcon_start(void *arg)
{
	struct vcon_start *s = arg;
	struct virtio_console *c = s->c;
	unsigned int q, i;
	int ret = 0;

	if (c->running)
		return;
	for (q = 0; q < c->ops.nr_queues && !ret; q++)
		ret = iothread_add(&c->io, c->vdev.vq[q].kick_fd, EPOLLIN, q);
	s->ret = ret;
	if (ret)
		return unwatch_queues(c, q - 1);
	c->broken = c->device_ready = c->more = false;
	c->running = true;
	for (i = 0; i < c->nr_ports; i++)
		port_reset(c, &c->port[i]);
	/* What the driver queued before DRIVER_OK. */
	vcon_ctrl_tx(c);
	notify_all(c);
}

int vcon_io_start(struct virtio_console *c)
{
	struct vcon_start s = { .c = c };

	iothread_call(&c->io, vcon_start, &s);
	return s.ret;
}

static void vcon_stop(void *arg)
{
	struct virtio_console *c = arg;
	unsigned int i;

	if (!c->running)
		return;
	unwatch_queues(c, c->ops.nr_queues);
	c->running = false;
	for (i = 0; i < c->nr_ports; i++)
		port_reset(c, &c->port[i]);
	check_drain(c);
}

void vcon_io_stop(struct virtio_console *c)
{
	iothread_call(&c->io, vcon_stop, c);
}

struct vcon_drain {
	struct virtio_console *c;
	int fd;
};

static void drain_start(void *arg)
{
	struct vcon_drain *d = arg;
	struct virtio_console *c = d->c;

	c->drain_fd = d->fd;
	/* Chains queued while kicks were off are taken now. */
	if (c->running)
		all_ports(c);
	notify_all(c);
	check_drain(c);
}

static void drain_end(void *arg)
{
	struct vcon_drain *d = arg;

	d->c->drain_fd = -1;
}

void vcon_io_drain(struct virtio_console *c, int fd, bool start)
{
	struct vcon_drain d = { .c = c, .fd = fd };

	iothread_call(&c->io, start ? drain_start : drain_end, &d);
}
