// SPDX-License-Identifier: MIT
/*
 * Virtqueue setup validation, interrupt suppression (NO_INTERRUPT,
 * used_event with u16 wraparound), kick suppression (NO_NOTIFY,
 * avail_event) and feature acking, on fake guest memory.
 */
#include "tests/unit/lib/vq_fixture.h"

TestSuite(vq, .init = setup16, .fini = vq_fixture_teardown);

/* --- Queue setup validation --- */

Test(vq, enable_rejects_bad_size_alignment_and_ram)
{
	T->vq.size = 12;
	cr_assert_eq(vq_enable(&T->vq, false), -EINVAL);
	T->vq.size = 2048;
	cr_assert_eq(vq_enable(&T->vq, false), -EINVAL);
	T->vq.size = 0;
	cr_assert_eq(vq_enable(&T->vq, false), -EINVAL);
	T->vq.size = 16;
	T->vq.desc_gpa = DESC_GPA + 8;
	cr_assert_eq(vq_enable(&T->vq, false), -EINVAL);
	T->vq.desc_gpa = DESC_GPA;
	T->vq.used_gpa = RAM_END - 64; /* 6 + 8 * 16 bytes do not fit */
	cr_assert_eq(vq_enable(&T->vq, false), -EFAULT);
	T->vq.used_gpa = USED_GPA;
	cr_assert_eq(vq_enable(&T->vq, false), 0);
}

/* --- Interrupt suppression --- */

Test(vq, no_interrupt_flag_without_event_idx)
{
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_WRITE, 0);
	publish(0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	vq_push(&T->vq, 0, 4);
	T->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	cr_assert_not(vq_should_notify(&T->vq));
	T->avail->flags = 0;
	cr_assert(vq_should_notify(&T->vq));
}

Test(vq, set_kick_toggles_no_notify)
{
	vq_set_kick(&T->vq, false);
	cr_assert_eq(T->used->flags, VRING_USED_F_NO_NOTIFY);
	vq_set_kick(&T->vq, true);
	cr_assert_eq(T->used->flags, 0);
}

Test(vq, should_notify_follows_used_event, .init = setup16_event)
{
	u32 e;

	/* The first notification after enable is never suppressed. */
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_WRITE, 0);
	publish(0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	vq_push(&T->vq, 0, 4);
	*used_event() = 0x1234;
	cr_assert(vq_should_notify(&T->vq));

	/*
	 * Entries old..new-1 were just published (across the u16 wrap):
	 * the driver must be told exactly when its used_event is one of them.
	 */
	for (e = 0; e <= 0xffff; e++) {
		u16 old = 0xfff0, new_idx = 0x0003;

		T->vq.signalled_used = old;
		T->vq.signalled_used_valid = true;
		T->vq.used_idx = new_idx;
		*used_event() = e;
		cr_assert_eq(vq_should_notify(&T->vq),
			     (u16)(e - old) < (u16)(new_idx - old),
			     "used_event %u", e);
	}
	/* Nothing new since the last notification: never notify. */
	T->vq.signalled_used = T->vq.used_idx = 7;
	*used_event() = 6;
	cr_assert_not(vq_should_notify(&T->vq));
}

Test(vq, event_idx_ignores_no_interrupt_flag, .init = setup16_event)
{
	T->vq.signalled_used = 0;
	T->vq.signalled_used_valid = true;
	T->vq.used_idx = 1;
	T->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event() = 0;
	cr_assert(vq_should_notify(&T->vq));
}

Test(vq, avail_event_tracks_pops_and_set_kick, .init = setup16_event)
{
	set_desc(&T->desc[0], BUF_GPA, 4, 0, 0);
	set_desc(&T->desc[1], BUF_GPA, 4, 0, 0);
	publish(0);
	publish(1);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(*avail_event(), 1);
	/* Polling: avail_event is left stale so the driver stops kicking. */
	vq_set_kick(&T->vq, false);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(*avail_event(), 1);
	cr_assert_eq(T->used->flags, 0);
	vq_set_kick(&T->vq, true);
	cr_assert_eq(*avail_event(), 2);
}

Test(vq, ack_drops_unoffered_features)
{
	static const struct virtio_dev_ops ops = { .device_id = 99,
						   .nr_queues = 1,
						   .features = 1ULL << 5 };
	struct virtio_dev *vd = calloc(1, sizeof(*vd));
	u64 acked;

	virtio_dev_init(vd, &ops, &T->mem);
	acked = virtio_ack_features(vd, ~0ULL);
	cr_assert_eq(acked, vd->device_features);
	cr_assert(acked & (1ULL << 5));
	cr_assert(acked & (1ULL << VIRTIO_F_VERSION_1));
	cr_assert_not(acked & (1ULL << 6));
	cr_assert_not(acked & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	cr_assert_eq(vd->driver_features, acked);
	pthread_mutex_destroy(&vd->lock);
	free(vd);
}
