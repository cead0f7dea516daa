/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_FUZZ_RING_H
#define SQUEEZE_FUZZ_RING_H

/*
 * A virtqueue on fuzzer-made guest RAM, for the virtqueue and virtio-blk
 * targets. Input: byte 0 picks the queue size (1 << (b % 11)), byte 1 bit
 * 0 EVENT_IDX; the rest is a 64 KiB RAM region at RAM_GPA: descriptor
 * table at 0, available ring at 16K, used ring at 24K, buffers from 32K.
 */
#include <stdlib.h>
#include <string.h>

#include "virtio/core/virtqueue.h"

#define RAM_GPA	  0x10000ULL
#define RAM_SIZE  (64 * KiB)
#define DESC_OFF  0
#define AVAIL_OFF (16 * KiB)
#define USED_OFF  (24 * KiB)
#define BUF_OFF	  (32 * KiB)
#define BUF_GPA	  (RAM_GPA + BUF_OFF)

struct fuzz_ring {
	u8 *ram;
	struct guest_mem mem;
	struct virtqueue vq;
};

/* 0 when @data made a queue that vq_enable() accepted. */
static inline int fuzz_ring_setup(struct fuzz_ring *f, const u8 *data,
				  size_t size)
{
	if (size < 2)
		return -1;
	if (!f->ram)
		f->ram = malloc(RAM_SIZE);
	memset(f->ram, 0, RAM_SIZE);
	memcpy(f->ram, data + 2, MIN(size - 2, RAM_SIZE));
	memset(&f->mem, 0, sizeof(f->mem));
	if (guest_mem_add(&f->mem, RAM_GPA, RAM_SIZE, f->ram))
		return -1;
	memset(&f->vq, 0, sizeof(f->vq));
	f->vq.mem = &f->mem;
	f->vq.kick_fd = f->vq.call_fd = -1;
	vq_reset(&f->vq);
	f->vq.size = 1U << (data[0] % 11);
	f->vq.desc_gpa = RAM_GPA + DESC_OFF;
	f->vq.avail_gpa = RAM_GPA + AVAIL_OFF;
	f->vq.used_gpa = RAM_GPA + USED_OFF;
	return vq_enable(&f->vq, data[1] & 1);
}

/* Seed building, in the input layout (2 header bytes, then RAM). */
static inline void seed_desc(u8 *in, u16 i, u64 gpa, u32 len, u16 flags,
			     u16 next)
{
	struct vring_desc d = { gpa, len, flags, next };

	memcpy(in + 2 + DESC_OFF + i * sizeof(d), &d, sizeof(d));
}

static inline void seed_publish(u8 *in, u16 n, const u16 *heads)
{
	u16 i;

	memcpy(in + 2 + AVAIL_OFF + 2, &n, 2);
	for (i = 0; i < n; i++)
		memcpy(in + 2 + AVAIL_OFF + 4 + 2 * i, &heads[i], 2);
}

/* Bytes at guest address @gpa (inside the buffers) of a seed. */
static inline void seed_bytes(u8 *in, u64 gpa, const void *p, size_t n)
{
	memcpy(in + 2 + (gpa - RAM_GPA), p, n);
}

#endif
