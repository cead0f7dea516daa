// SPDX-License-Identifier: MIT
/*
 * The in-process virtio-net driver (net_drv.h): receive buffers posted the
 * way Linux's virtio_net posts them, frames sent from per-slot areas, and
 * used entries taken back from the real device and its I/O thread.
 */
#include <errno.h>
#include <string.h>

#include "tests/driver/lib/net_drv.h"

/* Mergeable buffers: a page, the most Linux posts. */
#define RX_SMALL_BUF 4096

static int rx_post(struct net_drv *n, u64 gpa)
{
	struct drv_buf b = { .gpa = gpa,
			     .len = n->rx_buf_len,
			     .writable = true };
	int head = drv_vq_add(n->rxq, &b, 1, false);

	if (head >= 0)
		n->rx_gpa[head] = gpa;
	return head < 0 ? head : 0;
}

static int rx_fill_ring(struct net_drv *n)
{
	u16 i;
	int ret;

	for (i = 0; i < n->rxq->size; i++) {
		u64 gpa = drv_alloc(n->env, n->rx_buf_len, 64);

		if (!gpa)
			return -ENOMEM;
		ret = rx_post(n, gpa);
		if (ret)
			return ret;
	}
	drv_vq_kick(n->rxq);
	return 0;
}

int net_drv_open(struct net_drv *n, struct drv_env *env, unsigned int index,
		 u64 want, u16 qsize)
{
	bool tso;
	u8 cfg[8];
	int ret;
	u16 i;

	memset(n, 0, sizeof(*n));
	n->env = env;
	ret = drv_probe(env, VIRTIO_ID_NET, index, &n->dev);
	if (!ret)
		ret = drv_start(&n->dev, want, 2, qsize);
	if (ret)
		return ret;
	n->rxq = &n->dev.vq[0];
	n->txq = &n->dev.vq[1];
	n->mrg = n->dev.features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	tso = n->dev.features & ((1ULL << VIRTIO_NET_F_GUEST_TSO4) |
				 (1ULL << VIRTIO_NET_F_GUEST_TSO6));
	/* Without MRG_RXBUF each buffer must hold the largest frame. */
	n->rx_buf_len = n->mrg ? RX_SMALL_BUF :
				 NET_HDR_LEN + (tso ? NET_MAX_FRAME : 1518);
	ret = drv_config_read(&n->dev, 0, cfg, sizeof(cfg));
	if (ret)
		return ret;
	memcpy(n->mac, cfg, 6);
	n->status = cfg[6] | cfg[7] << 8;
	n->tx_area = drv_alloc(env, (u64)n->txq->size * NET_DRV_TX_SLOT, 64);
	if (!n->tx_area)
		return -ENOMEM;
	for (i = 0; i < n->txq->size; i++)
		n->tx_free[i] = i;
	n->nr_tx_free = n->txq->size;
	return rx_fill_ring(n);
}

/* Take one used transmit; 1, 0 if none, -EIO. */
static int tx_reap_one(struct net_drv *n, int timeout_ms)
{
	u32 id, len;
	int ret;

	if (timeout_ms)
		ret = drv_vq_wait(n->txq, timeout_ms, &id, &len) ? 0 : 1;
	else
		ret = drv_vq_get_used(n->txq, &id, &len);
	if (ret <= 0)
		return ret;
	n->tx_free[n->nr_tx_free++] = n->tx_slot[id];
	n->tx_frames++;
	return 1;
}

int net_drv_tx_flush(struct net_drv *n, int timeout_ms)
{
	int ret;

	while (n->nr_tx_free < n->txq->size) {
		ret = tx_reap_one(n, timeout_ms);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return timeout_ms ? -ETIMEDOUT : 0;
	}
	return 0;
}

int net_drv_send(struct net_drv *n, const struct net_hdr *h, const void *frame,
		 u32 len)
{
	struct net_hdr none = { 0 };
	struct drv_buf b;
	u8 *slot;
	u16 s;
	int head, ret;

	if (len > NET_MAX_FRAME)
		return -EMSGSIZE;
	while (tx_reap_one(n, 0) > 0)
		;
	if (!n->nr_tx_free) {
		drv_vq_kick(n->txq);
		ret = tx_reap_one(n, 2000);
		if (ret <= 0)
			return ret ? ret : -ETIMEDOUT;
	}
	s = n->tx_free[--n->nr_tx_free];
	b.gpa = n->tx_area + (u64)s * NET_DRV_TX_SLOT;
	b.len = NET_HDR_LEN + len;
	b.writable = false;
	slot = drv_ptr(n->env, b.gpa, b.len);
	net_hdr_store(h ? h : &none, slot);
	memcpy(slot + NET_HDR_LEN, frame, len);
	head = drv_vq_add(n->txq, &b, 1, false);
	if (head < 0) {
		n->nr_tx_free++;
		return head;
	}
	n->tx_slot[head] = s;
	return 0;
}

bool net_drv_kick(struct net_drv *n)
{
	return drv_vq_kick(n->txq);
}

/* The next used receive buffer: its guest address and length. */
static int rx_take(struct net_drv *n, int timeout_ms, u64 *gpa, u32 *len)
{
	u32 id;
	int ret = drv_vq_wait(n->rxq, timeout_ms, &id, len);

	if (ret)
		return ret;
	if (*len > n->rx_buf_len)
		return -EIO;
	*gpa = n->rx_gpa[id];
	return 0;
}

int net_drv_recv(struct net_drv *n, struct net_hdr *h, void *buf, u32 cap,
		 int timeout_ms)
{
	u32 len, off = 0, total = 0;
	u16 nbufs = 1, i;
	u64 gpa;
	u8 *p;
	int ret;

	for (i = 0; i < nbufs; i++) {
		ret = rx_take(n, i ? 1000 : timeout_ms, &gpa, &len);
		if (ret)
			return ret;
		p = drv_ptr(n->env, gpa, n->rx_buf_len);
		if (i == 0) {
			if (len < NET_HDR_LEN)
				return -EIO;
			net_hdr_load(h, p);
			nbufs = n->mrg ? h->num_buffers : 1;
			if (!nbufs || h->num_buffers != (n->mrg ? nbufs : 1))
				return -EIO;
			p += NET_HDR_LEN;
			len -= NET_HDR_LEN;
		}
		if (off + len <= cap)
			memcpy((u8 *)buf + off, p, len);
		off += len;
		total += len;
		ret = rx_post(n, gpa);
		if (ret)
			return ret;
	}
	drv_vq_kick(n->rxq);
	n->rx_frames++;
	return total > cap ? -EMSGSIZE : (int)total;
}
