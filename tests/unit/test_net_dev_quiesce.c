// SPDX-License-Identifier: MIT
/*
 * virtio-net quiesced for a snapshot: receive buffers the device held go
 * back to the ring unseen, nothing moves while frozen, kicks are left on,
 * and the thaw picks up where the driver is.
 */
#include <sys/ioctl.h>

#include "tests/unit/lib/net_dev_fixture.h"

static bool wait_last_avail(struct env *e, u16 want)
{
	for (int i = 0; i < 200; i++) {
		if (__atomic_load_n(&e->vd->vq[0].last_avail,
				    __ATOMIC_ACQUIRE) == want)
			return true;
		usleep(5000);
	}
	return false;
}

Test(net_dev_quiesce, held_receive_buffers_go_back_unseen)
{
	struct env e;
	static u8 frame[NET_HDR_LEN + 100];
	u32 len = 2048;
	u64 gpa[2];
	int queued = 0;

	net_fixture_setup(&e, 0);
	gpa[0] = galloc(&e, len);
	gpa[1] = galloc(&e, len);
	post(&e, 0, &gpa[0], &len, 1, true);
	post(&e, 0, &gpa[1], &len, 1, true);
	kick(&e, 0);
	/* No frame yet: the device takes a buffer and holds it. */
	cr_assert(wait_last_avail(&e, 1), "the device never held a buffer");
	cr_assert_eq(e.vd->ops->quiesce(e.vd, true), 0);
	cr_assert_eq(e.vd->vq[0].last_avail, 0,
		     "held buffers are unseen again");
	cr_assert_eq(e.q[0].used->idx, 0);
	cr_assert_eq(e.q[0].used->flags & VRING_USED_F_NO_NOTIFY, 0,
		     "kicks are left on");
	/* Frozen: a frame and a kick move nothing. */
	frame_fill(frame + NET_HDR_LEN, 100, 9);
	cr_assert_eq(send(e.fake.peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	kick(&e, 0);
	cr_assert_not(wait_fd(e.q[0].vq->call_fd, 200));
	cr_assert_eq(ioctl(e.fake.dev, FIONREAD, &queued), 0);
	cr_assert_eq(queued, (int)sizeof(frame), "the frame waits in the tap");
	/* Thawed: the frame lands in the first buffer, as if nothing was. */
	cr_assert_eq(e.vd->ops->quiesce(e.vd, false), 0);
	wait_call(&e, 0);
	struct vring_used_elem u = used(&e, 0);
	cr_assert_eq(u.id, 0);
	cr_assert_eq(u.len, sizeof(frame));
	cr_assert_arr_eq((u8 *)gptr(&e, gpa[0]) + NET_HDR_LEN,
			 frame + NET_HDR_LEN, 100);
	net_fixture_teardown(&e);
}

Test(net_dev_quiesce, transmit_goes_on_after_the_thaw)
{
	struct env e;
	static u8 got[NET_HDR_LEN + 60];
	u32 len = sizeof(got);
	u64 gpa;

	net_fixture_setup(&e, 0);
	cr_assert_eq(e.vd->ops->quiesce(e.vd, true), 0);
	gpa = galloc(&e, len);
	memset(gptr(&e, gpa), 0, NET_HDR_LEN);
	frame_fill((u8 *)gptr(&e, gpa) + NET_HDR_LEN, 60, 4);
	post(&e, 1, &gpa, &len, 1, false);
	kick(&e, 1);
	cr_assert_not(wait_fd(e.fake.peer, 200), "frozen: nothing is sent");
	cr_assert_eq(e.vd->ops->quiesce(e.vd, false), 0);
	cr_assert(wait_fd(e.fake.peer, 2000), "sent after the thaw");
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0),
		     (ssize_t)sizeof(got));
	cr_assert_arr_eq(got + NET_HDR_LEN, (u8 *)gptr(&e, gpa) + NET_HDR_LEN,
			 60);
	net_fixture_teardown(&e);
}
