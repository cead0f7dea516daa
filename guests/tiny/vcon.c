// SPDX-License-Identifier: MIT
/* The tiny guests' multiport virtio-console driver (vcon.h). */
#include "vcon.h"

#define VCON_F_MULTIPORT 1
#define EV_DEVICE_READY	 0
#define EV_DEVICE_ADD	 1
#define EV_PORT_READY	 3
#define EV_PORT_OPEN	 6
#define EV_PORT_NAME	 7
#define CBUF_LEN	 64
#define NCBUF		 4

struct ctrl {
	u32 id;
	u16 event;
	u16 value;
};

static struct virtq_mem ctl_rx_mem, ctl_tx_mem, tx_mem[VCON_MAX_PORTS];
static u8 cbuf[NCBUF][CBUF_LEN];
static struct ctrl out_msg;
static u8 *cbuf_of[VIRTQ_MAX]; /* control buffer by head */

static int post_cbuf(struct vcon *c, u8 *buf)
{
	struct virtq_buf b = { buf, CBUF_LEN, true };
	int head = virtq_add(&c->ctl_rx, &b, 1);

	if (head < 0)
		return head;
	cbuf_of[head] = buf;
	virtq_kick(&c->ctl_rx);
	return 0;
}

static int send(struct vcon *c, u32 id, u16 event, u16 value)
{
	struct virtq_buf b = { &out_msg, sizeof(out_msg), false };
	u32 len;
	int head;

	out_msg = (struct ctrl){ id, event, value };
	head = virtq_add(&c->ctl_tx, &b, 1);
	if (head < 0)
		return head;
	virtq_kick(&c->ctl_tx);
	head = virtq_poll(&c->ctl_tx, &len, VIRTQ_TIMEOUT_TSC);
	return head < 0 ? head : 0;
}

static int handle(struct vcon *c, const u8 *m, u32 len)
{
	struct ctrl h;
	u32 n;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, m, sizeof(h));
	if (h.id >= c->nr_ports)
		return 0;
	switch (h.event) {
	case EV_DEVICE_ADD:
		return send(c, h.id, EV_PORT_READY, 1);
	case EV_PORT_NAME:
		n = MIN(len - (u32)sizeof(h), (u32)VCON_NAME_LEN - 1);
		memcpy(c->name[h.id], m + sizeof(h), n);
		c->name[h.id][n] = 0;
		return send(c, h.id, EV_PORT_OPEN, 1);
	case EV_PORT_OPEN:
		c->host_open[h.id] = h.value;
		return 0;
	}
	return 0;
}

static unsigned int named(const struct vcon *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nr_ports; i++)
		n += c->name[i][0] != 0;
	return n;
}

static int setup_queues(struct vcon *c)
{
	unsigned int i;
	int ret;

	ret = virtio_queue_setup(&c->vp, &c->ctl_rx, 2, &ctl_rx_mem);
	if (!ret)
		ret = virtio_queue_setup(&c->vp, &c->ctl_tx, 3, &ctl_tx_mem);
	for (i = 0; i < c->nr_ports && !ret; i++) {
		ret = virtio_queue_setup(&c->vp, &c->tx[i], i ? 2 * i + 3 : 1,
					 &tx_mem[i]);
		c->tx_up[i] = !ret;
	}
	return ret;
}

int vcon_open(struct vcon *c, unsigned int nr, const char **why)
{
	struct pci_window win = PCI_WINDOW_INIT;
	unsigned int i;
	u64 acked;
	u32 len;
	int ret, head;

	memset(c, 0, sizeof(*c));
	*why = "probe";
	ret = virtio_pci_probe(&c->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_CONSOLE),
			       &win);
	if (ret)
		return ret;
	*why = "features";
	ret = virtio_negotiate(&c->vp, VIRTIO_BIT(VCON_F_MULTIPORT), &acked);
	if (ret || !(acked & VIRTIO_BIT(VCON_F_MULTIPORT)))
		return ret ? ret : VIRTIO_EFEATURES;
	c->nr_ports = MIN(virtio_config_read32(&c->vp, 4), (u32)VCON_MAX_PORTS);
	*why = "queues";
	ret = setup_queues(c);
	if (ret)
		return ret;
	virtio_driver_ok(&c->vp);
	for (i = 0; i < NCBUF && !ret; i++)
		ret = post_cbuf(c, cbuf[i]);
	*why = "control";
	if (!ret)
		ret = send(c, ~0u, EV_DEVICE_READY, 1);
	while (!ret && named(c) < nr) {
		head = virtq_poll(&c->ctl_rx, &len, VIRTQ_TIMEOUT_TSC);
		if (head < 0)
			return head;
		if (len > CBUF_LEN)
			return VIRTIO_EBADUSED;
		ret = handle(c, cbuf_of[head], len);
		if (!ret)
			ret = post_cbuf(c, cbuf_of[head]);
	}
	return ret;
}

int vcon_port(const struct vcon *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nr_ports; i++)
		if (!strncmp(c->name[i], name, VCON_NAME_LEN))
			return (int)i;
	return -1;
}

int vcon_write(struct vcon *c, int port, const void *buf, u32 len)
{
	struct virtq_buf b = { buf, len, false };
	u32 used;
	int head;

	if (port < 0 || !c->tx_up[port])
		return VIRTIO_EQUEUE;
	head = virtq_add(&c->tx[port], &b, 1);
	if (head < 0)
		return head;
	virtq_kick(&c->tx[port]);
	head = virtq_poll(&c->tx[port], &used, VIRTQ_TIMEOUT_TSC);
	return head < 0 ? head : 0;
}
