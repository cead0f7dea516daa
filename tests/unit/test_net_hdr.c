// SPDX-License-Identifier: MIT
/* virtio-net header translation, offload mapping, features, default MAC. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/net/net_backend.h"
#include "virtio/net/net.h"
#include "virtio/net/net_hdr.h"

#define F(b) (1ULL << (b))
#define TX_ALL                                              \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) | \
	 F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_F_VERSION_1))
#define RX_ALL                                                     \
	(F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) | \
	 F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_F_VERSION_1))

static struct net_hdr tso4(void)
{
	struct net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = 54,
		.gso_size = 1448,
		.csum_start = 34,
		.csum_offset = 16,
		.num_buffers = 7,
	};
	return h;
}

Test(net_hdr, wire_layout_is_little_endian)
{
	struct net_hdr h = tso4(), back;
	u8 w[NET_HDR_LEN];
	const u8 want[NET_HDR_LEN] = { 1,  1, 54, 0, 0xa8, 0x05,
				       34, 0, 16, 0, 7,	   0 };

	net_hdr_store(&h, w);
	cr_assert_arr_eq(w, want, sizeof(want));
	net_hdr_load(&back, w);
	cr_assert_eq(memcmp(&back, &h, sizeof(h)), 0);
}

Test(net_hdr, tx_tso_passes_and_clears_num_buffers)
{
	struct net_hdr g = tso4(), t;

	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), 0);
	cr_assert_eq(t.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_eq(t.gso_size, 1448);
	cr_assert_eq(t.csum_start, 34);
	cr_assert_eq(t.csum_offset, 16);
	cr_assert_eq(t.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	cr_assert_eq(t.num_buffers, 0);
}

Test(net_hdr, tx_rejects_unnegotiated_offloads)
{
	struct net_hdr g = tso4(), t;

	/* TSO4 without HOST_TSO4, and HOST_TSO4 without its CSUM dependency. */
	cr_assert_eq(net_hdr_tx(&g, F(VIRTIO_NET_F_CSUM), 65000, &t), -EINVAL);
	cr_assert_eq(net_hdr_tx(&g, F(VIRTIO_NET_F_HOST_TSO4), 65000, &t),
		     -EINVAL);
	g.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	cr_assert_eq(net_hdr_tx(&g, F(VIRTIO_NET_F_CSUM), 1000, &t), 0);
	cr_assert_eq(net_hdr_tx(&g, 0, 1000, &t), -EINVAL);
	g.flags = 0;
	cr_assert_eq(net_hdr_tx(&g, 0, 1000, &t), 0);
}

Test(net_hdr, tx_rejects_bad_fields)
{
	struct net_hdr g = tso4(), t;

	g.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
	g = tso4();
	g.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
	g = tso4();
	g.gso_size = 0;
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
	g = tso4();
	g.flags = 0; /* GSO needs a partial checksum */
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
	g = tso4();
	g.flags |= VIRTIO_NET_HDR_F_DATA_VALID; /* receive-only flag */
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
	/* The checksum field must lie inside the frame: 34 + 16 + 2 = 52. */
	g = tso4();
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 51, &t), -EINVAL);
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 52, &t), 0);
	g.csum_start = 0xffff;
	g.csum_offset = 0xffff;
	cr_assert_eq(net_hdr_tx(&g, TX_ALL, 65000, &t), -EINVAL);
}

Test(net_hdr, rx_sets_num_buffers_and_filters)
{
	struct net_hdr tap = tso4(), g;

	tap.num_buffers = 0;
	cr_assert_eq(net_hdr_rx(&tap, RX_ALL, 5, &g), 0);
	cr_assert_eq(g.num_buffers, 5);
	cr_assert_eq(g.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_eq(g.gso_size, 1448);
	/* A GSO frame the guest did not accept is refused (dropped). */
	cr_assert_eq(net_hdr_rx(&tap, F(VIRTIO_NET_F_GUEST_CSUM), 1, &g),
		     -EINVAL);
	cr_assert_eq(net_hdr_rx(&tap, F(VIRTIO_NET_F_GUEST_TSO4), 1, &g),
		     -EINVAL);
	tap.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	/* NEEDS_CSUM without GUEST_CSUM */
	cr_assert_eq(net_hdr_rx(&tap, 0, 1, &g), -EINVAL);
	tap.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	cr_assert_eq(net_hdr_rx(&tap, 0, 1, &g), 0);
	cr_assert_eq(g.flags, 0, "DATA_VALID only with GUEST_CSUM");
	cr_assert_eq(net_hdr_rx(&tap, RX_ALL, 1, &g), 0);
	cr_assert_eq(g.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	cr_assert_eq(g.num_buffers, 1);
}

Test(net_hdr, rx_offloads_follow_guest_features)
{
	cr_assert_eq(net_rx_offloads(0), 0);
	cr_assert_eq(net_rx_offloads(F(VIRTIO_NET_F_GUEST_TSO4)), 0,
		     "TSO without GUEST_CSUM is not enabled");
	cr_assert_eq(net_rx_offloads(F(VIRTIO_NET_F_GUEST_CSUM)),
		     NET_OFFLOAD_CSUM);
	cr_assert_eq(net_rx_offloads(RX_ALL),
		     NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6);
	cr_assert_eq(net_rx_offloads(F(VIRTIO_NET_F_GUEST_CSUM) |
				     F(VIRTIO_NET_F_GUEST_TSO6)),
		     NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO6);
}

Test(net_mac, default_is_stable_local_unicast)
{
	struct virtio_net_options a = { .bridge = "br0" },
				  b = { .bridge = "br0" };
	struct virtio_net_options c = { .bridge = "br1" }, d = { .tap = "br0" };
	u8 m1[6], m2[6], m3[6], m4[6], m5[6];

	virtio_net_default_mac(&a, 0, m1);
	virtio_net_default_mac(&b, 0, m2);
	virtio_net_default_mac(&a, 1, m3);
	virtio_net_default_mac(&c, 0, m4);
	virtio_net_default_mac(&d, 0, m5);
	cr_assert_arr_eq(m1, m2, 6, "same options, same MAC");
	cr_assert_neq(memcmp(m1, m3, 6), 0, "index changes it");
	cr_assert_neq(memcmp(m1, m4, 6), 0, "bridge changes it");
	cr_assert_neq(memcmp(m1, m5, 6), 0, "bridge vs tap differ");
	cr_assert_eq(m1[0], 0x02, "locally administered, unicast");
	cr_assert_neq(m1[1] | m1[2] | m1[3] | m1[4] | m1[5], 0);
}
