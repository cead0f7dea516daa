// SPDX-License-Identifier: MIT
/* A virtqueue on fake guest RAM for the virtqueue unit tests. See vq_fixture.h. */
#include "tests/unit/lib/vq_fixture.h"

struct t *T;

void *gp(u64 gpa)
{
	return T->ram + (gpa - RAM_GPA);
}

void setup_q(u16 size, bool event_idx)
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

void setup16(void)
{
	setup_q(16, false);
}

void vq_fixture_teardown(void)
{
	free(T->ram);
	free(T);
	T = NULL;
}

void setup16_event(void)
{
	if (T)
		vq_fixture_teardown();
	setup_q(16, true);
}

void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags, u16 next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

void publish(u16 head)
{
	T->avail->ring[T->avail->idx % T->vq.size] = head;
	T->avail->idx++;
}

u16 *used_event(void)
{
	return (u16 *)((u8 *)T->avail + 4 + 2 * T->vq.size);
}

u16 *avail_event(void)
{
	return (u16 *)((u8 *)T->used + 4 + 8 * T->vq.size);
}

void assert_broken(void)
{
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
	cr_assert(T->vq.broken);
	cr_assert_eq(T->vq.last_avail, 0);
	cr_assert_eq(T->used->idx, 0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
}
