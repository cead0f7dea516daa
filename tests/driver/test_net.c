// SPDX-License-Identifier: MIT
/*
 * virtio-net end to end in process: the test driver (net_drv) talks to
 * squeeze's real virtio-pci transport, virtio-net device, I/O thread and
 * tap, enslaved to a Linux bridge; the host side is AF_PACKET sockets on
 * the bridge and a plain tap port. Every test runs in a network namespace
 * of its own (unshare in the forked test process): br0 and everything
 * else vanish with it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/driver/lib/net_drv.h"
#include "tests/driver/lib/net_host.h"
#include "virtio/pci/virtio_pci.h"

#define F(b) (1ULL << (b))
#define MRG_TSO                                                    \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |        \
	 F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) | \
	 F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_F_RING_EVENT_IDX) |  \
	 F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS))
#define MSS 1448
/* 63712 bytes: the IP total length stays below 64 KiB. */
#define TSO_PAYLOAD  (44 * MSS)
#define STREAM_BYTES (64 * MiB)
#define WINDOW	     128 /* frames in flight, below tap queue */

struct tnet {
	struct drv_env env;
	unsigned int nr;
	struct virtio_net *vn[2];
	struct virtio_pci *vp[2];
	struct net_drv d[2];
	char tap[2][IFNAMSIZ];
	u8 br_mac[6];
};

static void tnet_up(struct tnet *t, unsigned int nr, u64 want)
{
	struct err err;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (nh_netns("ip link add br0 address 02:00:00:00:00:01 type bridge && "
		     "ip link set br0 up",
		     &err))
		cr_skip_test("%s (needs root / CAP_NET_ADMIN)", err);
	cr_assert_eq(nh_ifmac("br0", t->br_mac), 0);
	cr_assert_eq(drv_env_init(&t->env, 256 * MiB, &err), 0, "%s", err.msg);
	t->nr = nr;
	for (i = 0; i < nr; i++) {
		struct virtio_net_options c = { .bridge = "br0" };

		snprintf(c.tap, IFNAMSIZ, "sqzt%u", i);
		t->vn[i] = virtio_net_create(&t->env.mem, &c, i, &err);
		cr_assert_not_null(t->vn[i], "%s", err.msg);
		snprintf(t->tap[i], IFNAMSIZ, "%s",
			 virtio_net_ifname(t->vn[i]));
		t->vp[i] =
			virtio_pci_add(&t->env.pci, virtio_net_vdev(t->vn[i]),
				       &t->env.irq_ctl, &err);
		cr_assert_not_null(t->vp[i], "%s", err.msg);
		cr_assert_eq(net_drv_open(&t->d[i], &t->env, i, want, 256), 0);
	}
}

static void tnet_down(struct tnet *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		virtio_pci_destroy(t->vp[i]);
		virtio_net_destroy(t->vn[i]);
		cr_assert_eq(if_nametoindex(t->tap[i]), 0, "%s left behind",
			     t->tap[i]);
	}
	drv_env_destroy(&t->env);
}

static void fill(u8 *p, size_t len, u32 seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (u8)((seed * 131 + i * 7) ^ (i >> 8));
}

static struct virtio_net_stats stats(struct tnet *t, unsigned int i)
{
	struct virtio_net_stats s;

	virtio_net_stats(t->vn[i], &s);
	return s;
}

Test(net, config_and_frames_to_bridge_byte_for_byte)
{
	static const size_t sizes[] = { 60, 100, 1000, 1514 };
	static u8 f[2000], got[4000];
	struct tnet t;
	size_t i;
	int pk;
	ssize_t n;

	tnet_up(&t, 1, MRG_TSO);
	cr_assert_eq(t.d[0].status & VIRTIO_NET_S_LINK_UP, 1);
	cr_assert_eq(t.d[0].mac[0], 0x02, "locally administered default MAC");
	pk = nh_packet_open("br0", false, NULL);
	cr_assert_geq(pk, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		nh_eth(f, t.br_mac, t.d[0].mac, NET_TEST_ETHERTYPE);
		fill(f + 14, sizes[i] - 14, (u32)i);
		cr_assert_eq(net_drv_send(&t.d[0], NULL, f, sizes[i]), 0);
	}
	net_drv_kick(&t.d[0]);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		do {
			n = nh_recv(pk, got, sizeof(got), 2000);
			cr_assert_gt(n, 0, "frame %zu did not arrive", i);
		} while (got[12] != 0x88 || got[13] != 0xb5);
		nh_eth(f, t.br_mac, t.d[0].mac, NET_TEST_ETHERTYPE);
		fill(f + 14, sizes[i] - 14, (u32)i);
		cr_assert_eq((size_t)n, sizes[i]);
		cr_assert_arr_eq(got, f, sizes[i]);
	}
	cr_assert_eq(net_drv_tx_flush(&t.d[0], 2000), 0);
	cr_assert_eq(stats(&t, 0).tx_frames, ARRAY_SIZE(sizes));
	close(pk);
	tnet_down(&t);
}

Test(net, tso_send_arrives_segmented)
{
	static u8 payload[TSO_PAYLOAD], f[NET_MAX_FRAME], got[2048],
		back[TSO_PAYLOAD];
	static const u8 dst[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	struct net_hdr h;
	struct tnet t;
	size_t len, plen, total = 0;
	unsigned int frames = 0;
	struct err err;
	u32 seq;
	int peer, off;
	ssize_t n;

	tnet_up(&t, 1, MRG_TSO);
	peer = nh_plain_tap("peer0", "br0", &err);
	cr_assert_geq(peer, 0, "%s", err.msg);
	fill(payload, sizeof(payload), 77);
	len = nh_tcp4(f, dst, t.d[0].mac, 1000, payload, sizeof(payload), MSS,
		      &h);
	cr_assert_eq(net_drv_send(&t.d[0], &h, f, (u32)len), 0);
	net_drv_kick(&t.d[0]);
	while (total < sizeof(payload)) {
		n = nh_recv(peer, got, sizeof(got), 2000);
		cr_assert_gt(n, 0, "segment missing after %zu bytes", total);
		off = nh_tcp4_check(got, (size_t)n, &seq, &plen);
		if (off < 0)
			continue; /* not ours */
		cr_assert_leq(n, 1514, "segments fit the MTU");
		cr_assert_eq(seq, 1000 + total, "segments in order");
		cr_assert_leq(plen, MSS);
		memcpy(back + total, got + off, plen);
		total += plen;
		frames++;
	}
	cr_assert_eq(frames, TSO_PAYLOAD / MSS);
	cr_assert_arr_eq(back, payload, sizeof(payload));
	close(peer);
	tnet_down(&t);
}

Test(net, host_frames_and_merged_gso_reach_driver)
{
	static u8 f[NET_MAX_FRAME + 10], got[NET_MAX_FRAME];
	static u8 payload[TSO_PAYLOAD];
	struct net_hdr h, rh;
	struct tnet t;
	size_t len;
	int pk, n;

	tnet_up(&t, 1, MRG_TSO);
	pk = nh_packet_open("br0", true, NULL);
	cr_assert_geq(pk, 0);
	/* A small frame, byte for byte. */
	memset(f, 0, 10);
	nh_eth(f + 10, t.d[0].mac, t.br_mac, NET_TEST_ETHERTYPE);
	fill(f + 24, 986, 5);
	cr_assert_eq(send(pk, f, 10 + 1000, 0), 1010);
	do {
		n = net_drv_recv(&t.d[0], &rh, got, sizeof(got), 2000);
		cr_assert_gt(n, 0, "no frame: %d", n);
	} while (got[12] != 0x88);
	cr_assert_eq(n, 1000);
	cr_assert_arr_eq(got, f + 10, 1000);
	cr_assert_eq(rh.num_buffers, 1);
	/* A 64 KiB GSO frame: kept whole (GUEST_TSO4) and merged. */
	fill(payload, sizeof(payload), 9);
	len = nh_tcp4(f + 10, t.d[0].mac, t.br_mac, 5, payload, sizeof(payload),
		      MSS, &h);
	nh_vnet10(&h, f);
	cr_assert_eq(send(pk, f, 10 + len, 0), (ssize_t)(10 + len));
	do {
		n = net_drv_recv(&t.d[0], &rh, got, sizeof(got), 2000);
		cr_assert_gt(n, 0, "no GSO frame: %d", n);
	} while (n < 54 || got[12] != 0x08 || got[23] != 6);
	cr_assert_eq((size_t)n, len);
	cr_assert_eq(rh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_eq(rh.gso_size, MSS);
	cr_assert_gt(rh.num_buffers, 1, "MRG_RXBUF merged buffers");
	cr_assert_eq(rh.num_buffers, (len + NET_HDR_LEN + t.d[0].rx_buf_len -
				      1) / t.d[0].rx_buf_len);
	cr_assert_arr_eq(got + 54, payload, sizeof(payload));
	cr_assert_eq(rh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM,
		     VIRTIO_NET_HDR_F_NEEDS_CSUM, "checksum left to the guest");
	cr_assert_eq(stats(&t, 0).rx_dropped, 0);
	close(pk);
	tnet_down(&t);
}

/* Host side of the 64 MiB runs. */
struct stream {
	int pk;
	struct net_drv *d;
	const u8 *dmac, *smac;
	u64 bytes;
	u32 crc;
	volatile u64 sent, done; /* frames; atomics */
	int err;
};

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Reads TSO frames (10-byte vnet header first, partial checksums). */
static void *host_rx(void *arg)
{
	struct stream *s = arg;
	static u8 buf[10 + NET_MAX_FRAME];
	const u8 *fr = buf + 10;

	while (s->bytes < STREAM_BYTES) {
		ssize_t n = nh_recv(s->pk, buf, sizeof(buf), 3000);

		if (n <= 0) {
			s->err = n ? (int)n : -EIO;
			return NULL;
		}
		if (n < 10 + 54 || fr[12] != 0x08 || fr[13] != 0 || fr[23] != 6)
			continue; /* not ours */
		if (get32(fr + 38) != (u32)s->bytes) {
			s->err = -EPROTO; /* lost or reordered */
			return NULL;
		}
		s->crc = crc32(s->crc, fr + 54, (uInt)(n - 10 - 54));
		s->bytes += (u64)n - 10 - 54;
		__atomic_add_fetch(&s->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *host_tx(void *arg)
{
	struct stream *s = arg;
	static u8 f[10 + NET_MAX_FRAME], payload[TSO_PAYLOAD];
	struct net_hdr h;
	u64 off = 0;
	size_t len;

	while (off < STREAM_BYTES) {
		size_t plen = MIN((u64)TSO_PAYLOAD, STREAM_BYTES - off);

		while ((s64)(__atomic_load_n(&s->sent, __ATOMIC_RELAXED) -
			     __atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) >=
		       WINDOW)
			usleep(20);
		fill(payload, plen, (u32)(off / TSO_PAYLOAD));
		len = nh_tcp4(f + 10, s->dmac, s->smac, (u32)off, payload, plen,
			      MSS, &h);
		nh_vnet10(&h, f);
		if (send(s->pk, f, 10 + len, 0) != (ssize_t)(10 + len)) {
			s->err = -errno;
			return NULL;
		}
		s->crc = crc32(s->crc, payload, (uInt)plen);
		off += plen;
		__atomic_add_fetch(&s->sent, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

Test(net, stream_64mib_each_way, .timeout = 120)
{
	static u8 f[NET_MAX_FRAME], payload[TSO_PAYLOAD], got[NET_MAX_FRAME];
	struct stream s = { 0 };
	struct net_hdr h, rh;
	struct tnet t;
	pthread_t th;
	u64 off = 0, rbytes = 0, sent = 0;
	u32 crc = 0, rcrc = 0;
	size_t len;
	int n;

	tnet_up(&t, 1, MRG_TSO);
	s.pk = nh_packet_open("br0", true, NULL);
	cr_assert_geq(s.pk, 0);
	/* Driver -> host, in 64 KiB TSO frames. */
	cr_assert_eq(pthread_create(&th, NULL, host_rx, &s), 0);
	while (off < STREAM_BYTES) {
		size_t plen = MIN((u64)TSO_PAYLOAD, STREAM_BYTES - off);
		/* Stay within what the packet socket can queue. */
		while (sent - __atomic_load_n(&s.done, __ATOMIC_ACQUIRE) >=
			       WINDOW &&
		       !s.err)
			usleep(20);
		fill(payload, plen, (u32)(off / TSO_PAYLOAD));
		len = nh_tcp4(f, t.br_mac, t.d[0].mac, (u32)off, payload, plen,
			      MSS, &h);
		cr_assert_eq(net_drv_send(&t.d[0], &h, f, (u32)len), 0);
		crc = crc32(crc, payload, (uInt)plen);
		off += plen;
		sent++;
		net_drv_kick(&t.d[0]);
	}
	pthread_join(th, NULL);
	cr_assert_eq(s.err, 0, "host receive: %d", s.err);
	cr_assert_eq(s.bytes, STREAM_BYTES);
	cr_assert_eq(s.crc, crc, "payload checksum driver -> host");
	cr_assert_eq(stats(&t, 0).tx_dropped, 0);
	/* Host -> driver, GSO frames merged into 2 KiB buffers. */
	s.crc = 0;
	s.sent = 0;
	s.done = 0;
	s.dmac = t.d[0].mac;
	s.smac = t.br_mac;
	cr_assert_eq(pthread_create(&th, NULL, host_tx, &s), 0);
	while (rbytes < STREAM_BYTES) {
		n = net_drv_recv(&t.d[0], &rh, got, sizeof(got), 3000);
		cr_assert_gt(n, 0,
			     "driver receive: %d after %llu bytes "
			     "(host sent %llu frames, error %d, %llu dropped)",
			     n, (unsigned long long)rbytes,
			     (unsigned long long)s.sent, s.err,
			     (unsigned long long)stats(&t, 0).rx_dropped);
		if (n < 54 || got[12] != 0x08 || got[13] != 0 || got[23] != 6)
			continue; /* IGMP from br0 and the like */
		rcrc = crc32(rcrc, got + 54, (uInt)(n - 54));
		rbytes += (u64)n - 54;
		__atomic_add_fetch(&s.done, 1, __ATOMIC_RELEASE);
	}
	pthread_join(th, NULL);
	cr_assert_eq(s.err, 0);
	cr_assert_eq(rbytes, STREAM_BYTES);
	cr_assert_eq(rcrc, s.crc, "payload checksum host -> driver");
	cr_assert_eq(stats(&t, 0).rx_dropped, 0);
	close(s.pk);
	tnet_down(&t);
}

Test(net, two_devices_on_one_bridge)
{
	static u8 f[1514], got[NET_MAX_FRAME];
	struct net_hdr rh;
	struct tnet t;
	int n, i;

	tnet_up(&t, 2, MRG_TSO);
	cr_assert_neq(memcmp(t.d[0].mac, t.d[1].mac, 6), 0);
	for (i = 0; i < 2; i++) {
		struct net_drv *a = &t.d[i], *b = &t.d[1 - i];

		nh_eth(f, b->mac, a->mac, NET_TEST_ETHERTYPE);
		fill(f + 14, sizeof(f) - 14, (u32)i + 40);
		cr_assert_eq(net_drv_send(a, NULL, f, sizeof(f)), 0);
		net_drv_kick(a);
		do {
			n = net_drv_recv(b, &rh, got, sizeof(got), 2000);
			cr_assert_gt(n, 0, "device %d got nothing", 1 - i);
		} while (got[12] != 0x88);
		cr_assert_eq(n, (int)sizeof(f));
		cr_assert_arr_eq(got, f, sizeof(f));
	}
	tnet_down(&t);
}

/* Send one 64 KiB GSO TCP frame from the host side of br0. */
static size_t host_send_gso(struct tnet *t, int pk, const u8 *payload)
{
	static u8 f[10 + NET_MAX_FRAME];
	struct net_hdr h;
	size_t len;

	len = nh_tcp4(f + 10, t->d[0].mac, t->br_mac, 7, payload, TSO_PAYLOAD,
		      MSS, &h);
	nh_vnet10(&h, f);
	cr_assert_eq(send(pk, f, 10 + len, 0), (ssize_t)(10 + len));
	return len;
}

Test(net, gso_without_mrg_fills_one_big_buffer)
{
	static u8 got[NET_MAX_FRAME], payload[TSO_PAYLOAD];
	struct net_hdr rh;
	struct tnet t;
	size_t len;
	int pk, n;

	tnet_up(&t, 1, MRG_TSO & ~F(VIRTIO_NET_F_MRG_RXBUF));
	cr_assert_eq(t.d[0].rx_buf_len, NET_HDR_LEN + NET_MAX_FRAME);
	pk = nh_packet_open("br0", true, NULL);
	cr_assert_geq(pk, 0);
	fill(payload, sizeof(payload), 21);
	len = host_send_gso(&t, pk, payload);
	do {
		n = net_drv_recv(&t.d[0], &rh, got, sizeof(got), 2000);
		cr_assert_gt(n, 0, "no frame: %d", n);
	} while (n < 54 || got[12] != 0x08 || got[23] != 6);
	cr_assert_eq((size_t)n, len);
	cr_assert_eq(rh.num_buffers, 1);
	cr_assert_eq(rh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_arr_eq(got + 54, payload, sizeof(payload));
	close(pk);
	tnet_down(&t);
}

Test(net, gso_to_guest_without_tso_arrives_segmented)
{
	static u8 got[NET_MAX_FRAME], payload[TSO_PAYLOAD], back[TSO_PAYLOAD];
	size_t total = 0, plen;
	struct net_hdr rh;
	struct tnet t;
	u32 seq;
	int pk, n, off;

	/* No GUEST_CSUM/TSO: the tap must not be offered offloads. */
	tnet_up(&t, 1, F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_MRG_RXBUF));
	pk = nh_packet_open("br0", true, NULL);
	cr_assert_geq(pk, 0);
	fill(payload, sizeof(payload), 33);
	host_send_gso(&t, pk, payload);
	while (total < sizeof(payload)) {
		n = net_drv_recv(&t.d[0], &rh, got, sizeof(got), 2000);
		cr_assert_gt(n, 0, "segment missing after %zu bytes", total);
		off = nh_tcp4_check(got, (size_t)n, &seq, &plen);
		if (off < 0)
			continue; /* not ours */
		cr_assert_eq(rh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		cr_assert_eq(rh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
		cr_assert_leq(n, 1514);
		cr_assert_eq(seq, 7 + total);
		memcpy(back + total, got + off, plen);
		total += plen;
	}
	cr_assert_arr_eq(back, payload, sizeof(payload));
	close(pk);
	tnet_down(&t);
}
