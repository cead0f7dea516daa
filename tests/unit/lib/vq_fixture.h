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

#define RAM_GPA	  0x100000ULL
#define RAM_SIZE  (4 * MiB)
#define DESC_GPA  RAM_GPA
#define AVAIL_GPA (RAM_GPA + 0x4000)
#define USED_GPA  (RAM_GPA + 0x8000)
#define BUF_GPA	  (RAM_GPA + 0x10000)
#define IND_GPA	  (RAM_GPA + 0x200000)
#define RAM_END	  (RAM_GPA + RAM_SIZE)

struct t {
	struct guest_mem mem;
	u8 *ram;
	struct virtqueue vq;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vq_chain chain;
};

extern struct t *T;
void *gp(u64 gpa);
void setup_q(u16 size, bool event_idx);
void setup16(void);
void vq_fixture_teardown(void);

/* Criterion runs the suite's .init before a test's own: replace it. */
void setup16_event(void);
void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags, u16 next);
void publish(u16 head);
u16 *used_event(void);
u16 *avail_event(void);

/* The queue is broken, stays broken, and nothing was consumed or used. */
void assert_broken(void);

#endif
