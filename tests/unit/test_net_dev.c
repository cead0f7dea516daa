// SPDX-License-Identifier: MIT
/*
 * virtio-net device model, the configuration and transmit side, against
 * a fake backend (tests/unit/lib/net_dev_fixture.h): offered features and
 * config space, tx batching, limits, and a malformed chain.
 */
#include "tests/unit/lib/net_dev_fixture.h"

/* A tx chain: 12-byte header then @len frame bytes, in one buffer. */
static u16 post_tx(struct env *e, u32 len, u8 seed)
{
	u64 gpa = galloc(e, NET_HDR_LEN + len);
	u32 l = NET_HDR_LEN + len;

	memset(gptr(e, gpa), 0, NET_HDR_LEN);
	frame_fill(gptr(e, gpa + NET_HDR_LEN), len, seed);
	return post(e, 1, &gpa, &l, 1, false);
}

Test(net_dev, offered_features_and_config)
{
	struct env e;
	u64 f;
	u8 cfg[10];

	net_fixture_setup(&e, F(VIRTIO_NET_F_GUEST_CSUM) |
				      F(VIRTIO_NET_F_GUEST_TSO4));
	f = e.vd->device_features;
	u64 want = (F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
		    F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |
		    F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) |
		    F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |
		    F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_F_RING_EVENT_IDX) |
		    F(VIRTIO_F_VERSION_1));

	cr_assert_eq(f & want, want);
	/* Never offered: UFO, ECN, control queue (17), MQ (22). */
	cr_assert_eq(f & (F(VIRTIO_NET_F_GUEST_UFO) | F(VIRTIO_NET_F_HOST_UFO) |
			  F(VIRTIO_NET_F_GUEST_ECN) | F(17) | F(22)),
		     0);
	cr_assert_eq(
		virtio_ack_features(e.vd, F(17) | F(22) | F(VIRTIO_NET_F_MAC)),
		F(VIRTIO_NET_F_MAC), "unoffered bits are dropped");
	/* activate told the backend what the guest accepts. */
	cr_assert_eq(e.fake.nr_set_offload, 1);
	cr_assert_eq(e.fake.offloads, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4);
	e.vd->ops->read_config(e.vd, 0, cfg, sizeof(cfg));
	cr_assert_arr_eq(cfg, ((u8[]){ 2, 1, 2, 3, 4, 5, 1, 0, 1, 0 }), 10);
	e.vd->ops->read_config(e.vd, 6, cfg, 2);
	cr_assert_eq(cfg[0], VIRTIO_NET_S_LINK_UP);
	net_fixture_teardown(&e);
}

Test(net_dev, tx_batch_one_interrupt)
{
	struct env e;
	u8 got[2000], want[1000];
	struct virtio_net_stats s;

	net_fixture_setup(&e, F(VIRTIO_NET_F_CSUM));
	post_tx(&e, 60, 1);
	post_tx(&e, 1000, 2);
	post_tx(&e, 1500, 3);
	kick(&e, 1);
	cr_assert_eq(wait_call(&e, 1), 1, "one interrupt per batch");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(used(&e, 1).len, 0);
	cr_assert(wait_fd(e.fake.peer, 1000));
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 60);
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 1000);
	frame_fill(want, 1000, 2);
	cr_assert_arr_eq(got + 12, want, 1000);
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 1500);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_frames, 3);
	cr_assert_eq(s.tx_dropped, 0);
	net_fixture_teardown(&e);
}

Test(net_dev, tx_longer_than_64k_is_rejected)
{
	struct env e;
	struct virtio_net_stats s;
	static u8 got[NET_HDR_LEN + NET_MAX_FRAME + 100];
	u64 gpa[2];
	u32 lens[2];
	u16 head;
	struct vring_used_elem u;

	net_fixture_setup(&e, F(VIRTIO_NET_F_CSUM));
	/* Two segments, one byte over the limit, then one exactly at it. */
	lens[0] = NET_HDR_LEN + 32768;
	lens[1] = NET_MAX_FRAME - 32768 + 1;
	gpa[0] = galloc(&e, lens[0]);
	gpa[1] = galloc(&e, lens[1]);
	head = post(&e, 1, gpa, lens, 2, false);
	kick(&e, 1);
	wait_call(&e, 1);
	u = used(&e, 1);
	cr_assert_eq(u.id, head);
	cr_assert_eq(u.len, 0);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_dropped, 1);
	cr_assert_eq(s.tx_frames, 0);
	cr_assert_not(wait_fd(e.fake.peer, 0), "an oversized frame left");
	lens[1]--;
	post(&e, 1, gpa, lens, 2, false);
	kick(&e, 1);
	wait_call(&e, 1);
	cr_assert(wait_fd(e.fake.peer, 1000));
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0),
		     NET_HDR_LEN + NET_MAX_FRAME);
	net_fixture_teardown(&e);
}

Test(net_dev, tx_unnegotiated_tso_is_dropped)
{
	struct env e;
	struct virtio_net_stats s;
	struct net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			     .gso_size = 1448,
			     .csum_start = 34,
			     .csum_offset = 16 };
	u64 gpa;
	u32 l = NET_HDR_LEN + 3000;

	net_fixture_setup(&e, F(VIRTIO_NET_F_CSUM)); /* no HOST_TSO4 */
	gpa = galloc(&e, l);
	net_hdr_store(&h, gptr(&e, gpa));
	post(&e, 1, &gpa, &l, 1, false);
	kick(&e, 1);
	wait_call(&e, 1);
	cr_assert_eq(used(&e, 1).len, 0);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_dropped, 1);
	cr_assert_not(wait_fd(e.fake.peer, 0), "a frame left");
	net_fixture_teardown(&e);
}

Test(net_dev, malformed_chain_needs_reset)
{
	struct env e;
	u64 gpa = RAM_GPA + RAM_SIZE - 8; /* runs off the end of RAM */
	u32 len = 100;

	net_fixture_setup(&e, 0);
	post(&e, 1, &gpa, &len, 1, false);
	kick(&e, 1);
	for (int i = 0;
	     i < 200 && !(__atomic_load_n(&e.vd->status, __ATOMIC_RELAXED) &
			  VIRTIO_STATUS_NEEDS_RESET);
	     i++)
		usleep(10000);
	cr_assert(e.vd->status & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(e.q[1].used->idx, 0, "nothing completed");
	net_fixture_teardown(&e);
}
