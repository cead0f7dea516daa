// SPDX-License-Identifier: MIT
/*
 * virtio-console control queues (virtio 1.2 section 5.3.6.2), on the I/O
 * thread. The driver says DEVICE_READY; we announce every port with
 * DEVICE_ADD; for each PORT_READY we send the port's name and whether
 * the host side is open. What a port still owes is a set of flags, not a
 * queue, so a driver that posts no control buffers costs nothing and the
 * state stays bounded: a later PORT_OPEN simply replaces an unsent one.
 * PORT_OPEN goes before PORT_NAME: Linux handles control messages in
 * order, so a guest program that sees the port's name in sysfs knows the
 * host side's state too (a read before it would return end-of-file).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio/console/console_int.h"

struct vcon_ctrl {
	u32 id;
	u16 event;
	u16 value;
};

static void ctrl_load(struct vcon_ctrl *m, const u8 *b)
{
	u32 id;
	u16 ev, val;

	memcpy(&id, b, 4);
	memcpy(&ev, b + 4, 2);
	memcpy(&val, b + 6, 2);
	m->id = le32toh(id);
	m->event = le16toh(ev);
	m->value = le16toh(val);
}

static void ctrl_store(u8 *b, u32 id, u16 event, u16 value)
{
	u32 i = htole32(id);
	u16 e = htole16(event), v = htole16(value);

	memcpy(b, &i, 4);
	memcpy(b + 4, &e, 2);
	memcpy(b + 6, &v, 2);
}

void vcon_set_host_open(struct virtio_console *c, struct vcon_port *p,
			bool open)
{
	if (p->host_open == open)
		return;
	p->host_open = open;
	if (p->ready)
		p->pending |= VCON_SEND_OPEN;
	vcon_ctrl_rx(c);
}

static void port_ready(struct virtio_console *c, struct vcon_port *p, u16 ok)
{
	if (!p->added || !ok) {
		p->ready = false;
		return;
	}
	p->ready = true;
	if (p->name[0])
		p->pending |= VCON_SEND_NAME;
	p->pending |= VCON_SEND_OPEN;
	vcon_port_rx(c, p);
}

static void handle(struct virtio_console *c, const struct vcon_ctrl *m)
{
	struct vcon_port *p = m->id < c->nr_ports ? &c->port[m->id] : NULL;
	unsigned int i;

	switch (m->event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (!m->value || c->device_ready)
			return;
		c->device_ready = true;
		for (i = 0; i < c->nr_ports; i++)
			c->port[i].pending |= VCON_SEND_ADD;
		return;
	case VIRTIO_CONSOLE_PORT_READY:
		if (p)
			port_ready(c, p, m->value);
		return;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (!p || !p->ready)
			return;
		p->guest_open = m->value != 0;
		vcon_port_rx(c, p);
		return;
	default:
		return; /* nothing else is the driver's to send */
	}
}

void vcon_ctrl_tx(struct virtio_console *c)
{
	struct virtqueue *vq = &c->vdev.vq[VCON_CTRL_TXQ];
	u8 buf[VCON_CTRL_SIZE];
	struct vcon_ctrl m;
	int r;

	while (!c->broken && (r = vq_pop(vq, c->chain)) != 0) {
		if (r < 0 || c->chain->nr_in) {
			vcon_break(c, "malformed control transmit chain");
			return;
		}
		/* A short message is dropped: it names no event. */
		if (vq_copy_from_out(c->chain, 0, buf, sizeof(buf)) ==
		    sizeof(buf)) {
			ctrl_load(&m, buf);
			handle(c, &m);
		}
		vcon_push(c, VCON_CTRL_TXQ, c->chain->head, 0);
	}
	vcon_ctrl_rx(c);
}

/* The next message @p owes: its event and value, or false if none. */
static bool next_msg(const struct vcon_port *p, unsigned int *bit, u16 *event,
		     u16 *value)
{
	if (p->pending & VCON_SEND_ADD) {
		*bit = VCON_SEND_ADD;
		*event = VIRTIO_CONSOLE_DEVICE_ADD;
		*value = 0;
	} else if (p->pending & VCON_SEND_OPEN) {
		*bit = VCON_SEND_OPEN;
		*event = VIRTIO_CONSOLE_PORT_OPEN;
		*value = p->host_open;
	} else if (p->pending & VCON_SEND_NAME) {
		*bit = VCON_SEND_NAME;
		*event = VIRTIO_CONSOLE_PORT_NAME;
		*value = 1;
	} else {
		return false;
	}
	return true;
}

/* Put one message of @p in a driver buffer: 1 sent, 0 no buffer, -EIO. */
static int send_one(struct virtio_console *c, struct vcon_port *p)
{
	struct virtqueue *vq = &c->vdev.vq[VCON_CTRL_RXQ];
	u8 buf[VCON_CTRL_SIZE + VCON_NAME_MAX];
	unsigned int bit;
	u16 event, value;
	size_t len = VCON_CTRL_SIZE;
	int r;

	if (!next_msg(p, &bit, &event, &value))
		return 0;
	r = vq_pop(vq, c->chain);
	if (r <= 0)
		return r < 0 ? -EIO : 0;
	if (c->chain->nr_out || c->chain->in_len < VCON_CTRL_SIZE) {
		vcon_break(c, "control receive buffer not writable or short");
		return -EIO;
	}
	ctrl_store(buf, p->id, event, value);
	if (event == VIRTIO_CONSOLE_PORT_NAME) {
		/* The name follows, without a NUL; cut to the buffer. */
		len += MIN(strlen(p->name), c->chain->in_len - VCON_CTRL_SIZE);
		memcpy(buf + VCON_CTRL_SIZE, p->name, len - VCON_CTRL_SIZE);
	}
	vq_copy_to_in(c->chain, 0, buf, len);
	vcon_push(c, VCON_CTRL_RXQ, c->chain->head, (u32)len);
	p->pending &= ~bit;
	if (bit == VCON_SEND_ADD)
		p->added = true;
	return 1;
}

void vcon_ctrl_rx(struct virtio_console *c)
{
	unsigned int i;
	int r;

	if (!c->running || !c->device_ready)
		return;
	for (i = 0; i < c->nr_ports && !c->broken; i++) {
		do {
			r = send_one(c, &c->port[i]);
			if (r < 0 && !c->broken)
				vcon_break(c,
					   "malformed control receive chain");
		} while (r > 0);
		if (c->port[i].pending)
			return; /* out of buffers: keep the order */
	}
}
