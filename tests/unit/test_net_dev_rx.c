// SPDX-License-Identifier: MIT
/*
 * virtio-net device model, the receive side, against a fake backend
 * (tests/unit/lib/net_dev_fixture.h): no buffers posted, mergeable buffers,
 * frames too big for a buffer, and buffers held across frames.
 */
#include <sys/ioctl.h>
#include <time.h>

#include "tests/unit/lib/net_dev_fixture.h"

Test(net_dev_rx, rx_without_buffers_leaves_frame_queued)
{
	struct env e;
	u8 frame[NET_HDR_LEN + 100] = { 0 }, got[sizeof(frame)];
	struct timespec t0, t1;
	struct virtio_net_stats s;
	struct net_hdr h;
	int queued = 0;
	u32 len = sizeof(got);
	u64 gpa;

	net_fixture_setup(&e, 0);
	frame_fill(frame + NET_HDR_LEN, 100, 3);
	cr_assert_eq(send(e.fake.peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	/*
	 * Nothing posted: the device must neither read the frame nor spin.
	 * There is no event to wait for when nothing may happen, so watch
	 * for a bounded 200 ms.
	 */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cr_assert_not(wait_fd(e.q[0].vq->call_fd, 200));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	cr_assert_lt((t1.tv_sec - t0.tv_sec) * 1000000000L +
			     (t1.tv_nsec - t0.tv_nsec),
		     50000000L, "busy loop");
	cr_assert_eq(ioctl(e.fake.dev, FIONREAD, &queued), 0);
	cr_assert_eq(queued, (int)sizeof(frame), "frame still queued");
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.rx_frames + s.rx_dropped, 0, "the tap was read");
	cr_assert_eq(e.q[0].used->idx, 0);
	/* Post one buffer and kick: now it arrives. */
	gpa = galloc(&e, len);
	post(&e, 0, &gpa, &len, 1, true);
	kick(&e, 0);
	wait_call(&e, 0);
	struct vring_used_elem u = used(&e, 0);
	cr_assert_eq(u.len, sizeof(frame));
	memcpy(got, gptr(&e, gpa), sizeof(got));
	net_hdr_load(&h, got);
	cr_assert_eq(h.num_buffers, 1);
	cr_assert_arr_eq(got + NET_HDR_LEN, frame + NET_HDR_LEN, 100);
	net_fixture_teardown(&e);
}

Test(net_dev_rx, rx_mergeable_buffers)
{
	struct env e;
	static u8 frame[NET_HDR_LEN + 2500], got[sizeof(frame)];
	u64 gpa[4];
	u32 len = 1000, off = 0;
	struct net_hdr h;

	net_fixture_setup(&e, F(VIRTIO_NET_F_MRG_RXBUF) |
				      F(VIRTIO_F_RING_EVENT_IDX));
	for (int i = 0; i < 4; i++) {
		gpa[i] = galloc(&e, len);
		post(&e, 0, &gpa[i], &len, 1, true);
	}
	kick(&e, 0);
	frame_fill(frame + NET_HDR_LEN, 2500, 9);
	cr_assert_eq(send(e.fake.peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	wait_call(&e, 0);
	for (int i = 0; i < 3; i++) {
		struct vring_used_elem u = used(&e, 0);

		cr_assert_eq(u.len, i < 2 ? 1000 : sizeof(frame) - 2000);
		memcpy(got + off, gptr(&e, gpa[i]), u.len);
		off += u.len;
	}
	net_hdr_load(&h, got);
	cr_assert_eq(h.num_buffers, 3);
	cr_assert_arr_eq(got + NET_HDR_LEN, frame + NET_HDR_LEN, 2500);
	net_fixture_teardown(&e);
}

Test(net_dev_rx, rx_too_big_without_mrg_is_dropped)
{
	struct env e;
	u8 big[NET_HDR_LEN + 2000] = { 0 }, small[NET_HDR_LEN + 100] = { 0 };
	struct virtio_net_stats s;
	u32 len = 1526;
	u64 gpa;

	net_fixture_setup(&e, 0);
	gpa = galloc(&e, len);
	post(&e, 0, &gpa, &len, 1, true);
	kick(&e, 0);
	cr_assert_eq(send(e.fake.peer, big, sizeof(big), 0),
		     (ssize_t)sizeof(big));
	frame_fill(small + NET_HDR_LEN, 100, 5);
	cr_assert_eq(send(e.fake.peer, small, sizeof(small), 0),
		     (ssize_t)sizeof(small));
	wait_call(&e, 0);
	cr_assert_eq(used(&e, 0).len, sizeof(small), "buffer reused");
	cr_assert_arr_eq((u8 *)gptr(&e, gpa) + NET_HDR_LEN, small + NET_HDR_LEN,
			 100);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.rx_dropped, 1);
	cr_assert_eq(s.rx_frames, 1);
	net_fixture_teardown(&e);
}

Test(net_dev_rx, rx_held_buffers_carry_over_between_frames)
{
	struct env e;
	static u8 big[NET_HDR_LEN + 2500], small[NET_HDR_LEN + 100];
	u64 gpa[6];
	u16 head[6];
	u32 len = 1000;
	struct vring_used_elem u;
	struct net_hdr h;

	net_fixture_setup(&e, F(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 6; i++) {
		gpa[i] = galloc(&e, len);
		head[i] = post(&e, 0, &gpa[i], &len, 1, true);
	}
	kick(&e, 0);
	frame_fill(big + NET_HDR_LEN, 2500, 1);
	frame_fill(small + NET_HDR_LEN, 100, 2);
	cr_assert_eq(send(e.fake.peer, big, sizeof(big), 0),
		     (ssize_t)sizeof(big));
	cr_assert_eq(send(e.fake.peer, small, sizeof(small), 0),
		     (ssize_t)sizeof(small));
	/* 3 buffers for the big one, then the small one in the next. */
	for (int i = 0; i < 4; i++) {
		while (__atomic_load_n(&e.q[0].used->idx, __ATOMIC_ACQUIRE) ==
		       e.q[0].last_used)
			wait_call(&e, 0);
		u = used(&e, 0);
		cr_assert_eq(u.id, head[i], "buffers used in order");
	}
	cr_assert_eq(u.len, sizeof(small));
	net_hdr_load(&h, gptr(&e, gpa[3]));
	cr_assert_eq(h.num_buffers, 1);
	cr_assert_arr_eq((u8 *)gptr(&e, gpa[3]) + NET_HDR_LEN,
			 small + NET_HDR_LEN, 100);
	net_hdr_load(&h, gptr(&e, gpa[0]));
	cr_assert_eq(h.num_buffers, 3);
	cr_assert_arr_eq((u8 *)gptr(&e, gpa[2]), big + 2000, 512);
	net_fixture_teardown(&e);
}
