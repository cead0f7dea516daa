// SPDX-License-Identifier: MIT
/*
 * Device-side split virtqueue on fake guest memory: good chains give the
 * right iovecs, every kind of malformed ring gets -EIO and a broken queue
 * (and nothing else), and interrupt / kick suppression follows the spec.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "virtio/virtqueue.h"

#define RAM_GPA		0x100000ULL
#define RAM_SIZE	(4 * MiB)
#define DESC_GPA	RAM_GPA
#define AVAIL_GPA	(RAM_GPA + 0x4000)
#define USED_GPA	(RAM_GPA + 0x8000)
#define BUF_GPA		(RAM_GPA + 0x10000)
#define IND_GPA		(RAM_GPA + 0x200000)
#define RAM_END		(RAM_GPA + RAM_SIZE)

struct t {
	struct guest_mem mem;
	u8 *ram;
	struct virtqueue vq;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vq_chain chain;
};

static struct t *T;

static void *gp(u64 gpa)
{
	return T->ram + (gpa - RAM_GPA);
}

static void setup_q(u16 size, bool event_idx)
{
	T = calloc(1, sizeof(*T));
	T->ram = calloc(1, RAM_SIZE);
	cr_assert_eq(guest_mem_add(&T->mem, RAM_GPA, RAM_SIZE, T->ram), 0);
	T->vq.mem = &T->mem;
	T->vq.kick_fd = T->vq.call_fd = -1;
	vq_reset(&T->vq);
	T->vq.size = size;
	T->vq.desc_gpa = DESC_GPA;
	T->vq.avail_gpa = AVAIL_GPA;
	T->vq.used_gpa = USED_GPA;
	cr_assert_eq(vq_enable(&T->vq, event_idx), 0);
	T->desc = gp(DESC_GPA);
	T->avail = gp(AVAIL_GPA);
	T->used = gp(USED_GPA);
}

static void setup16(void)
{
	setup_q(16, false);
}

static void teardown(void)
{
	free(T->ram);
	free(T);
	T = NULL;
}

/* Criterion runs the suite's .init before a test's own: replace it. */
static void setup16_event(void)
{
	if (T)
		teardown();
	setup_q(16, true);
}

static void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags,
		     u16 next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static void publish(u16 head)
{
	T->avail->ring[T->avail->idx % T->vq.size] = head;
	T->avail->idx++;
}

static u16 *used_event(void)
{
	return (u16 *)((u8 *)T->avail + 4 + 2 * T->vq.size);
}

static u16 *avail_event(void)
{
	return (u16 *)((u8 *)T->used + 4 + 8 * T->vq.size);
}

/* The queue is broken, stays broken, and nothing was consumed or used. */
static void assert_broken(void)
{
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
	cr_assert(T->vq.broken);
	cr_assert_eq(T->vq.last_avail, 0);
	cr_assert_eq(T->used->idx, 0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
}

TestSuite(vq, .init = setup16, .fini = teardown);

Test(vq, empty_ring_pops_nothing)
{
	cr_assert_eq(vq_pop(&T->vq, &T->chain), 0);
	cr_assert_not(T->vq.broken);
}

Test(vq, direct_chain_gives_iovecs)
{
	set_desc(&T->desc[3], BUF_GPA, 16, VRING_DESC_F_NEXT, 7);
	set_desc(&T->desc[7], BUF_GPA + 0x100, 512, VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA + 0x1000, 1,
		 VRING_DESC_F_WRITE, 0);
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
	set_desc(&T->desc[0], BUF_GPA, 4, VRING_DESC_F_WRITE |
		 VRING_DESC_F_NEXT, 1);
	set_desc(&T->desc[1], BUF_GPA, 4, 0, 0);
	publish(0);
	assert_broken();
}

Test(vq, avail_idx_jump_breaks)
{
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
	T->vq.used_gpa = RAM_END - 64;	/* 6 + 8 * 16 bytes do not fit */
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
