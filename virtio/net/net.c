// SPDX-License-Identifier: MIT
/*
 * virtio-net, virtio 1.2 section 5.1: the device model and its lifecycle.
 * One receive and one transmit queue, no control queue. Frames move on
 * the I/O thread in virtio/net/net_io.c; the header rules are in net_hdr.c.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "virtio/net/net_int.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define NET_QUEUE_SIZE	1024
#define NET_CONFIG_SIZE 10 /* mac, status, max_virtqueue_pairs */

#define BIT(n) (1ULL << (n))
#define NET_FEATURES                                                  \
	(BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |      \
	 BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_GUEST_TSO4) |       \
	 BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_HOST_TSO4) | \
	 BIT(VIRTIO_NET_F_HOST_TSO6) | BIT(VIRTIO_NET_F_MRG_RXBUF) |  \
	 BIT(VIRTIO_NET_F_STATUS))

static struct virtio_net *to_net(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_net, vdev);
}

static void net_read_config(struct virtio_dev *vd, u32 off, void *data, u32 len)
{
	struct virtio_net *net = to_net(vd);
	u8 cfg[NET_CONFIG_SIZE];
	u16 v;

	memcpy(cfg, net->mac, 6);
	v = __atomic_load_n(&net->backend_gone, __ATOMIC_ACQUIRE) ?
		    0 :
		    htole16(VIRTIO_NET_S_LINK_UP);
	memcpy(cfg + 6, &v, 2);
	v = htole16(1);
	memcpy(cfg + 8, &v, 2);
	memset(data, 0, len);
	if (off < sizeof(cfg))
		memcpy(data, cfg + off, MIN(len, sizeof(cfg) - off));
}

static int net_activate(struct virtio_dev *vd)
{
	struct virtio_net *net = to_net(vd);
	int ret;

	net->features = vd->driver_features;
	if (!virtio_has_feature(vd, VIRTIO_F_VERSION_1))
		return -EINVAL;
	ret = net->nb.ops->set_offload(&net->nb,
				       net_rx_offloads(net->features));
	if (ret) {
		pr_warn("%s: cannot set offloads: %s", net->nb.ifname,
			strerror(-ret));
		return ret;
	}
	return net_io_start(net);
}

static void net_reset(struct virtio_dev *vd)
{
	net_io_stop(to_net(vd));
}

static int net_quiesce(struct virtio_dev *vd, bool on)
{
	return net_io_quiesce(to_net(vd), on);
}
/* Feature bits (net_hdr.h) and configuration fields by name. */
static const flag_name net_feature_names[24] = {
	[VIRTIO_NET_F_CSUM] = "CSUM",
	[VIRTIO_NET_F_GUEST_CSUM] = "GUEST_CSUM",
	[2] = "CTRL_GUEST_OFFLOADS",
	[3] = "MTU",
	[VIRTIO_NET_F_MAC] = "MAC",
	[VIRTIO_NET_F_GUEST_TSO4] = "GUEST_TSO4",
	[VIRTIO_NET_F_GUEST_TSO6] = "GUEST_TSO6",
	[VIRTIO_NET_F_GUEST_ECN] = "GUEST_ECN",
	[VIRTIO_NET_F_GUEST_UFO] = "GUEST_UFO",
	[VIRTIO_NET_F_HOST_TSO4] = "HOST_TSO4",
	[VIRTIO_NET_F_HOST_TSO6] = "HOST_TSO6",
	[VIRTIO_NET_F_HOST_ECN] = "HOST_ECN",
	[VIRTIO_NET_F_HOST_UFO] = "HOST_UFO",
	[VIRTIO_NET_F_MRG_RXBUF] = "MRG_RXBUF",
	[VIRTIO_NET_F_STATUS] = "STATUS",
	[17] = "CTRL_VQ",
	[18] = "CTRL_RX",
	[19] = "CTRL_VLAN",
	[20] = "CTRL_RX_EXTRA",
	[21] = "GUEST_ANNOUNCE",
	[22] = "MQ",
	[23] = "CTRL_MAC_ADDR",
};

static const struct reg_name net_config_names[] = {
	{ 0, 6, "mac" },
	{ 6, 2, "status" },
	{ 8, 2, "max_virtqueue_pairs" },
};

static const struct virtio_dev_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.queue_size = NET_QUEUE_SIZE,
	.features = NET_FEATURES,
	.config_size = NET_CONFIG_SIZE,
	.read_config = net_read_config,
	/*
	 * No write_config: the MAC is read-only without CTRL_MAC_ADDR and
	 * nothing else is writable; the transport drops such writes.
	 */
	.activate = net_activate,
	.reset = net_reset,
	.quiesce = net_quiesce,
	.feature_names = net_feature_names,
	.config_names = net_config_names,
	.nr_config_names = ARRAY_SIZE(net_config_names),
};

void virtio_net_default_mac(const struct virtio_net_options *c,
			    unsigned int index, u8 mac[6])
{
	u64 h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
	const char *parts[2] = { c->bridge, c->tap };
	unsigned int i;
	size_t j;

	for (i = 0; i < 4; i++)
		h = (h ^ ((index >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < 2; i++) {
		/* The terminating NUL separates the two names. */
		for (j = 0; j <= strnlen(parts[i], IFNAMSIZ - 1); j++)
			h = (h ^ (u8)parts[i][j]) * 0x100000001b3ULL;
	}
	mac[0] = 0x02;
	for (i = 1; i < 6; i++)
		mac[i] = (u8)(h >> (8 * (i - 1)));
}

static void net_free(struct virtio_net *net)
{
	iothread_destroy(&net->io);
	free(net->rx.bounce);
	free(net->rx.iov);
	free(net->rx.chain);
	free(net->tx_chain);
	free(net->tx_iov);
	free(net);
}

struct virtio_net *virtio_net_create_backend(const struct guest_mem *mem,
					     struct net_backend *nb,
					     const u8 mac[6],
					     const char *thread_name,
					     struct err *err)
{
	struct virtio_net *net = calloc(1, sizeof(*net));

	if (!net)
		goto close_backend;
	net->rx.bounce = malloc(NET_HDR_LEN + NET_MAX_FRAME);
	net->rx.iov = calloc(IOV_MAX, sizeof(*net->rx.iov));
	net->rx.chain = malloc(sizeof(*net->rx.chain));
	net->tx_chain = malloc(sizeof(*net->tx_chain));
	net->tx_iov = calloc(VQ_MAX_SEGS + 1, sizeof(*net->tx_iov));
	if (!net->rx.bounce || !net->rx.iov || !net->rx.chain ||
	    !net->tx_chain || !net->tx_iov)
		goto free_net;
	net->nb = *nb;
	memcpy(net->mac, mac, 6);
	virtio_dev_init(&net->vdev, &net_ops, mem);
	if (iothread_create(&net->io, thread_name, &net_io_ops, net, err)) {
		pthread_mutex_destroy(&net->vdev.lock);
		net_free(net);
		nb->ops->close(nb);
		return NULL;
	}
	return net;
free_net:
	net_free(net);
close_backend:
	nb->ops->close(nb);
	err_host(err, -ENOMEM, "virtio-net: out of memory");
	return NULL;
}

struct virtio_net *virtio_net_create(const struct guest_mem *mem,
				     const struct virtio_net_options *c,
				     unsigned int index, struct err *err)
{
	struct net_options o = { .tap = c->tap, .bridge = c->bridge };
	struct net_backend nb = { .ops = &tap_backend_ops, .fd = -1 };
	char what[IOTHREAD_NAME_LEN], name[IOTHREAD_NAME_LEN];
	u8 mac[6];

	if (nb.ops->open(&nb, &o, err)) {
		err_prefix(err, "net%u", index);
		return NULL;
	}
	if (c->has_mac)
		memcpy(mac, c->mac, 6);
	else
		virtio_net_default_mac(c, index, mac);
	snprintf(what, sizeof(what), "net%u", index);
	thread_name(name, c->vm_name, what);
	return virtio_net_create_backend(mem, &nb, mac, name, err);
}

struct iothread *virtio_net_iothread(struct virtio_net *net)
{
	return &net->io;
}

struct net_backend *virtio_net_backend(struct virtio_net *net)
{
	return &net->nb;
}

struct virtio_dev *virtio_net_vdev(struct virtio_net *net)
{
	return &net->vdev;
}

void virtio_net_stats(struct virtio_net *net, struct virtio_net_stats *s)
{
	const u64 *src = (const u64 *)&net->stats;
	u64 *dst = (u64 *)s;
	size_t i;

	/* The I/O thread updates them with atomic stores. */
	for (i = 0; i < sizeof(*s) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

const char *virtio_net_ifname(struct virtio_net *net)
{
	return net->nb.ifname;
}

void virtio_net_mac(struct virtio_net *net, u8 mac[6])
{
	memcpy(mac, net->mac, 6);
}

void virtio_net_destroy(struct virtio_net *net)
{
	struct virtio_net_stats s;

	if (!net)
		return;
	net_io_stop(net);
	iothread_destroy(&net->io); /* before its backend goes */
	virtio_net_stats(net, &s);
	if (s.tx_dropped || s.rx_dropped)
		pr_info("virtio-net %s: dropped %llu transmitted and %llu received frames",
			net->nb.ifname, (unsigned long long)s.tx_dropped,
			(unsigned long long)s.rx_dropped);
	net->nb.ops->close(&net->nb);
	pthread_mutex_destroy(&net->vdev.lock);
	net_free(net);
}
