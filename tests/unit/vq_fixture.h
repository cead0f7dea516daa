/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_VQ_FIXTURE_H
#define SQUEEZE_TEST_VQ_FIXTURE_H

/*
 * A virtqueue on fake guest RAM (malloc + guest_mem_add) for the
 * virtqueue unit tests: the rings at fixed addresses, helpers to write
 * descriptors and publish chains the way a driver would.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "virtio/core/virtio.h"
#include "virtio/core/virtqueue.h"

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

static inline void *gp(u64 gpa)
{
	return T->ram + (gpa - RAM_GPA);
}

static inline void setup_q(u16 size, bool event_idx)
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

static inline void setup16(void)
{
	setup_q(16, false);
}

static inline void teardown(void)
{
	free(T->ram);
	free(T);
	T = NULL;
}

/* Criterion runs the suite's .init before a test's own: replace it. */
static inline void setup16_event(void)
{
	if (T)
		teardown();
	setup_q(16, true);
}

static inline void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags,
		     u16 next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static inline void publish(u16 head)
{
	T->avail->ring[T->avail->idx % T->vq.size] = head;
	T->avail->idx++;
}

static inline u16 *used_event(void)
{
	return (u16 *)((u8 *)T->avail + 4 + 2 * T->vq.size);
}

static inline u16 *avail_event(void)
{
	return (u16 *)((u8 *)T->used + 4 + 8 * T->vq.size);
}

/* The queue is broken, stays broken, and nothing was consumed or used. */
static inline void assert_broken(void)
{
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
	cr_assert(T->vq.broken);
	cr_assert_eq(T->vq.last_avail, 0);
	cr_assert_eq(T->used->idx, 0);
	cr_assert_eq(vq_pop(&T->vq, &T->chain), -EIO);
}

#endif
