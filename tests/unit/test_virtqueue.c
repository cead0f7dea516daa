// SPDX-License-Identifier: MIT
/*
 * Device-side split virtqueue on fake guest memory: good chains give the
 * right iovecs; every kind of malformed ring gets -EIO and a broken queue
 * (and nothing else), and the device is marked NEEDS_RESET once.
 */
#include <sys/mman.h>

#include "tests/unit/lib/vq_fixture.h"

TestSuite(vq, .init = setup16, .fini = vq_fixture_teardown);

Test(vq, empty_ring_pops_nothing)
{
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 0);
	cr_assert_not(T->vq.broken);
}

Test(vq, direct_chain_gives_iovecs)
{
	set_desc(&T->desc[3], BUF_GPA, 16, VRING_DESC_F_NEXT, 7);
	set_desc(&T->desc[7], BUF_GPA + 0x100, 512, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA + 0x1000, 1, VRING_DESC_F_WRITE, 0);
	publish(3);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.head, 3);
	cr_assert_eq(T->chain.nr_out, 2);
	cr_assert_eq(T->chain.nr_in, 1);
	cr_assert_eq(T->chain.out_len, 528);
	cr_assert_eq(T->chain.in_len, 1);
	cr_assert_eq(T->chain.iov[0].iov_base, gp(BUF_GPA));
	cr_assert_eq(T->chain.iov[1].iov_base, gp(BUF_GPA + 0x100));
	cr_assert_eq(T->chain.iov[1].iov_len, 512);
	cr_assert_eq(T->chain.iov[2].iov_base, gp(BUF_GPA + 0x1000));
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 0);
}

Test(vq, unpopped_chains_come_back_in_order)
{
	set_desc(&T->desc[2], BUF_GPA, 64, VRING_DESC_F_WRITE, 0);
	set_desc(&T->desc[5], BUF_GPA + 0x100, 64, VRING_DESC_F_WRITE, 0);
	publish(2);
	publish(5);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.head, 2);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.head, 5);
	vq_unpop(&T->vq, 2);
	cr_assert(vq_has_avail(&T->vq));
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.head, 2);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.head, 5);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 0);
	cr_assert_not(T->vq.broken);
}

Test(vq, indirect_chain_gives_iovecs)
{
	struct vring_desc *t = gp(IND_GPA);

	set_desc(&t[0], BUF_GPA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(&t[2], BUF_GPA + 0x200, 4096,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(&t[1], BUF_GPA + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	set_desc(&T->desc[0], IND_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.nr_out, 1);
	cr_assert_eq(T->chain.nr_in, 2);
	cr_assert_eq(T->chain.iov[1].iov_base, gp(BUF_GPA + 0x200));
	cr_assert_eq(T->chain.iov[1].iov_len, 4096);
	cr_assert_eq(T->chain.in_len, 4097);
}

Test(vq, push_fills_used_ring)
{
	set_desc(&T->desc[5], BUF_GPA, 8, VRING_DESC_F_WRITE, 0);
	publish(5);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	vq_push(&T->vq, 5, 8);
	cr_assert_eq(T->used->idx, 1);
	cr_assert_eq(T->used->ring[0].id, 5);
	cr_assert_eq(T->used->ring[0].len, 8);
}

Test(vq, copy_helpers_cross_segments)
{
	u8 out[8], in[6] = "abcde";

	memcpy(gp(BUF_GPA), "0123", 4);
	memcpy(gp(BUF_GPA + 0x100), "4567", 4);
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA + 0x100, 4, VRING_DESC_F_NEXT, 2);
	set_desc(&T->desc[2], BUF_GPA + 0x200, 3,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(&T->desc[3], BUF_GPA + 0x300, 3, VRING_DESC_F_WRITE, 0);
	publish(0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(vq_copy_from_out(&T->chain, 2, out, 8), 6);
	cr_assert_arr_eq(out, "234567", 6);
	cr_assert_eq(vq_copy_to_in(&T->chain, 1, in, 6), 5);
	cr_assert_arr_eq(gp(BUF_GPA + 0x201), "ab", 2);
	cr_assert_arr_eq(gp(BUF_GPA + 0x300), "cde", 3);
}

Test(vq, looping_chain_breaks)
{
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA, 4, VRING_DESC_F_NEXT, 0);
	publish(0);
	assert_broken();
}

Test(vq, self_loop_breaks)
{
	set_desc(&T->desc[4], BUF_GPA, 4, VRING_DESC_F_NEXT, 4);
	publish(4);
	assert_broken();
}

Test(vq, next_beyond_size_breaks)
{
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 16);
	publish(0);
	assert_broken();
}

Test(vq, head_beyond_size_breaks)
{
	publish(16);
	assert_broken();
}

Test(vq, address_outside_ram_breaks)
{
	set_desc(&T->desc[0], 0x1000, 4, 0, 0);
	publish(0);
	assert_broken();
}

Test(vq, buffer_running_past_ram_end_breaks)
{
	set_desc(&T->desc[0], RAM_END - 8, 16, VRING_DESC_F_WRITE, 0);
	publish(0);
	assert_broken();
}

Test(vq, address_wrapping_2_64_breaks)
{
	set_desc(&T->desc[0], 0xfffffffffffff000ULL, 0x2000, 0, 0);
	publish(0);
	assert_broken();
}

Test(vq, readable_after_writable_breaks)
{
	set_desc(&T->desc[0], BUF_GPA, 4,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA, 4, 0, 0);
	publish(0);
	assert_broken();
}

Test(vq, avail_idx_jump_breaks)
{
	/* Every slot names a good chain: only the jump itself is wrong. */
	set_desc(&T->desc[0], BUF_GPA, 4, 0, 0);
	T->avail->idx = 17;
	assert_broken();
}

Test(vq, indirect_len_not_multiple_of_16_breaks)
{
	set_desc(gp(IND_GPA), BUF_GPA, 4, 0, 0);
	set_desc(&T->desc[0], IND_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_len_zero_breaks)
{
	set_desc(&T->desc[0], IND_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_too_many_segments_breaks)
{
	struct vring_desc *t = gp(IND_GPA);
	unsigned int i, n = VQ_MAX_SEGS + 1;

	for (i = 0; i < n; i++)
		set_desc(&t[i], BUF_GPA, 4, i + 1 < n ? VRING_DESC_F_NEXT : 0,
			 i + 1);
	set_desc(&T->desc[0], IND_GPA, n * 16, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_table_outside_ram_breaks)
{
	set_desc(&T->desc[0], RAM_END - 16, 32, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, nested_indirect_breaks)
{
	struct vring_desc *t = gp(IND_GPA);

	set_desc(&t[0], IND_GPA + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(gp(IND_GPA + 0x100), BUF_GPA, 4, 0, 0);
	set_desc(&T->desc[0], IND_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_with_next_breaks)
{
	set_desc(gp(IND_GPA), BUF_GPA, 4, 0, 0);
	set_desc(&T->desc[0], IND_GPA, 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA, 4, 0, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_loop_breaks)
{
	struct vring_desc *t = gp(IND_GPA);

	set_desc(&t[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], BUF_GPA, 4, VRING_DESC_F_NEXT, 0);
	set_desc(&T->desc[0], IND_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, indirect_next_beyond_table_breaks)
{
	set_desc(gp(IND_GPA), BUF_GPA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[0], IND_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	publish(0);
	assert_broken();
}

Test(vq, later_good_chain_not_popped_after_break)
{
	set_desc(&T->desc[0], 0x1000, 4, 0, 0);
	set_desc(&T->desc[1], BUF_GPA, 4, 0, 0);
	publish(0);
	publish(1);
	assert_broken();
}

/* --- A chain longer than used.len can describe --- */

Test(vq, chain_over_4gib_breaks)
{
	u64 big_gpa = 1ULL << 40, big = 2 * GiB + 4096;
	void *map = mmap(NULL, big, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(guest_mem_add(&T->mem, big_gpa, big, map), 0);
	/* Two 2 GiB - 1 buffers are fine (used.len still fits)... */
	set_desc(&T->desc[0], big_gpa, 0x7fffffff, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], big_gpa, 0x7fffffff, VRING_DESC_F_WRITE, 0);
	publish(0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	cr_assert_eq(T->chain.out_len + T->chain.in_len, 0xfffffffeULL);
	/* ...2 GiB buffers that add up past 4 GiB are not. */
	set_desc(&T->desc[2], big_gpa, 0x80000000u, VRING_DESC_F_NEXT, 3);
	set_desc(&T->desc[3], big_gpa, 0x80000000u, VRING_DESC_F_NEXT, 4);
	set_desc(&T->desc[4], big_gpa, 0x80000000u, VRING_DESC_F_WRITE, 0);
	publish(2);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
	cr_assert(T->vq.broken);
	munmap(map, big);
}

/* --- A broken queue becomes NEEDS_RESET, signalled once --- */

struct counting_transport {
	struct virtio_transport_ops tops;
	int calls;
};

static void count_config_changed(struct virtio_dev *vd)
{
	struct counting_transport *ct = vd->transport;

	ct->calls++;
}

static const struct virtio_dev_ops nr_ops = { .device_id = 99, .nr_queues = 1 };

Test(vq, broken_ring_marks_device_needs_reset)
{
	struct counting_transport ct = {
		{ .config_changed = count_config_changed }, 0
	};
	struct virtio_dev *vd = calloc(1, sizeof(*vd));

	virtio_dev_init(vd, &nr_ops, &T->mem);
	vd->tops = &ct.tops;
	vd->transport = &ct;
	vd->status = VIRTIO_STATUS_DRIVER_OK;
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_NEXT, 0);
	publish(0);
	if (vq_pop(&T->vq, &T->chain) < 0)
		virtio_dev_needs_reset(vd, "unit test: looping chain");
	cr_assert(T->vq.broken);
	cr_assert_eq(vd->status,
		     VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(ct.calls, 1);
	cr_assert_eq(vd->isr & VIRTIO_ISR_CONFIG, VIRTIO_ISR_CONFIG);
	/* Further reports change nothing and interrupt no more. */
	virtio_dev_needs_reset(vd, "again");
	cr_assert_eq(ct.calls, 1);
	pthread_mutex_destroy(&vd->lock);
	free(vd);
}

/* Snapshots: the device's indexes travel, checked against guest RAM. */
Test(vq, save_and_restore_go_on_with_the_next_chain)
{
	struct vq_state st;
	struct virtqueue again;

	set_desc(&T->desc[0], BUF_GPA, 64, 0, 0);
	set_desc(&T->desc[1], BUF_GPA + 64, 64, 0, 0);
	publish(0);
	publish(1);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 1);
	vq_push(&T->vq, T->chain.head, 0);
	vq_save(&T->vq, &st);
	cr_assert_eq(st.last_avail, 1);
	cr_assert_eq(st.used_idx, 1);
	again = T->vq;
	vq_reset(&again);
	again.size = 16;
	again.desc_gpa = DESC_GPA;
	again.avail_gpa = AVAIL_GPA;
	again.used_gpa = USED_GPA;
	cr_assert_eq(vq_restore(&again, false, &st), 0);
	cr_assert_eq(vq_pop(&again, &T->chain), 1);
	cr_assert_eq(T->chain.head, 1, "the chain not yet seen comes next");
	vq_push(&again, T->chain.head, 0);
	cr_assert_eq(T->used->idx, 2);
}

Test(vq, restore_refuses_indexes_that_do_not_match_ram)
{
	struct vq_state st = { .last_avail = 3, .used_idx = 3 };
	struct virtqueue q = T->vq;

	vq_reset(&q);
	q.size = 16;
	q.desc_gpa = DESC_GPA;
	q.avail_gpa = AVAIL_GPA;
	q.used_gpa = USED_GPA;
	/* used->idx in RAM is 0, the state says 3: another memory file. */
	cr_assert_eq(vq_restore(&q, false, &st), -ESTALE);
	cr_assert_not(q.ready);
	st = (struct vq_state){ .last_avail = 40, .used_idx = 0 };
	cr_assert_eq(vq_restore(&q, false, &st), -ESTALE,
		     "more taken than the ring holds");
	st = (struct vq_state){ 0 };
	q.used_gpa = RAM_END;
	cr_assert_eq(vq_restore(&q, false, &st), -EFAULT);
}
