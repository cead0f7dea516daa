/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_BLK_FIXTURE_H
#define SQUEEZE_TEST_BLK_FIXTURE_H

#include <sys/types.h>

#include "tests/driver/lib/blk_drv.h"
#include "virtio/blk/blk.h"
#include "virtio/pci/virtio_pci.h"

/*
 * The set-up the virtio-blk scenarios share (tests/driver/test_blk*.c):
 * a test machine, up to BLK_FX_MAX_DISKS virtio-blk disks on files in
 * /var/tmp, and helpers that read the files back (pread/stat) so tests
 * check what really reached the disk. One fixture per test process:
 * Criterion runs each test in its own.
 */

#define BLK_FX_ENV_MEM	 (128 * MiB)
#define DISK_SIZE	 (32 * MiB)
#define BLK_FX_MAX_DISKS 2

/* TestSuite(..., .init = blk_fx_setup, .fini = blk_fx_teardown). */
void blk_fx_setup(void);
void blk_fx_teardown(void);

/* xorshift64*, seeded the same for every test: reproducible data. */
u64 rnd(void);
void fill_random(void *p, size_t len);

/* Disk @i's file, DISK_SIZE bytes, random content when @fill. */
const char *make_file(unsigned int i, bool fill);

/*
 * Create the next disk from @c (on a new zeroed file when c.disk.path is
 * NULL), put it on the PCI bus and bring the driver up with @want.
 */
struct blk_drv *add_disk(struct blk_options c, u64 want);

/* Disk @i's virtio-pci function (snapshot tests quiesce and save it). */
struct virtio_pci *blk_fx_vp(unsigned int i);
/* Disk @i on a fresh function in its slot, as a restore builds it. */
struct virtio_pci *blk_fx_replug(unsigned int i);

/* Guest RAM for buffers, and its address in the test process. */
u64 galloc(u64 len, u64 align);
void *gptr(u64 gpa, u64 len);

/* What is in disk @i's file. */
void file_read(unsigned int i, u64 off, void *buf, size_t len);
u64 file_hash(unsigned int i);
blkcnt_t file_blocks(unsigned int i);

/* A raw disk with default options. */
struct blk_options plain(void);

/*
 * A random workload kept @depth requests deep and checked against
 * @shadow, a model of the disk: every read as it completes, the file
 * at the end (blk_fx_check_file).
 */
struct blk_fx_slot {
	u64 gpa; /* the slot's guest RAM */
	u64 buf; /* this request's buffer in it */
	u64 sector;
	u32 len;
	u32 type;
	bool busy;
};

struct blk_fx_workload {
	struct blk_fx_slot *s;
	unsigned int depth;
	/* Descriptors one submission may take: wait for them free. */
	unsigned int min_free;
	/* Fill free slot @i with a new request, submit it, model writes. */
	void (*submit)(struct blk_drv *b, struct blk_fx_slot *s, unsigned int i,
		       u8 *shadow);
};

/* Does [@sector, +@len) meet a busy slot's data (flushes have none)? */
bool blk_fx_overlaps(const struct blk_fx_slot *s, unsigned int depth,
		     u64 sector, u32 len);

/* Run @total requests to completion; the most seen in flight at once. */
unsigned int blk_fx_run(struct blk_drv *b, const struct blk_fx_workload *w,
			unsigned int total, u8 *shadow);

/*
 * The first disk, from @c on a file of random data, with all features;
 * returns a model of it, DISK_SIZE bytes, for free().
 */
u8 *blk_fx_modelled_disk(struct blk_options c, struct blk_drv **b);

/* Disk @i's file must hold exactly @shadow. */
void blk_fx_check_file(unsigned int i, const u8 *shadow);

#endif
