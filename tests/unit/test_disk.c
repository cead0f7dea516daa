// SPDX-License-Identifier: MIT
/*
 * disk_open() and the raw format on temporary files in /var/tmp (a real
 * file system: O_DIRECT and hole punching work there). Every outcome is
 * checked behind the disk's back with pread()/fstat().
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"

#define IMG_SIZE (4 * MiB)

static char path[64];
static struct err err;
static char loopdev[64]; /* attached by block_device, or "" */

static void make_image(void)
{
	int fd;

	snprintf(path, sizeof(path), "/var/tmp/squeeze-disk-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, IMG_SIZE), 0);
	close(fd);
	err = (struct err){ 0 };
}

static void remove_image(void)
{
	char cmd[128];

	if (loopdev[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", loopdev);
		if (system(cmd))
			fprintf(stderr, "cannot detach %s\n", loopdev);
	}
	unlink(path);
}

TestSuite(disk, .init = make_image, .fini = remove_image);

static struct disk_options cfg(bool readonly, enum disk_cache cache)
{
	return (struct disk_options){ .path = path,
				      .readonly = readonly,
				      .cache = cache };
}

static void file_read(u64 off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static void file_write(u64 off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static void pattern(u8 *buf, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = seed ^ (u8)(i * 13 + (i >> 8));
}

static void round_trip(enum disk_cache cache, const char *aio)
{
	struct disk_options c = cfg(false, cache);
	static u8 out[64 * KiB] __attribute__((aligned(4096)));
	static u8 in[64 * KiB] __attribute__((aligned(4096)));
	u8 check[sizeof(out)];
	struct disk d;

	if (aio)
		setenv(DISK_AIO_ENV, aio, 1);
	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(d.size, IMG_SIZE);
	cr_assert_eq(d.block_size, 512);
	pattern(out, sizeof(out), 0x5a);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_WRITE, 3 * MiB, out, sizeof(out)),
		     0);
	cr_assert_eq(disk_flush_sync(&d), 0);
	file_read(3 * MiB, check, sizeof(check));
	cr_assert_arr_eq(check, out, sizeof(out));
	/* And the other way: written behind its back, read through it. */
	pattern(check, sizeof(check), 0xa5);
	file_write(512, check, sizeof(check));
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, 512, in, sizeof(in)), 0);
	cr_assert_arr_eq(in, check, sizeof(check));
	disk_close(&d);
}

Test(disk, round_trip_uring)
{
	round_trip(DISK_CACHE_WRITEBACK, NULL);
}

Test(disk, round_trip_sync_fallback)
{
	round_trip(DISK_CACHE_WRITEBACK, "sync");
}

Test(disk, round_trip_direct)
{
	round_trip(DISK_CACHE_NONE, NULL);
}

Test(disk, round_trip_direct_sync_fallback)
{
	round_trip(DISK_CACHE_NONE, "sync");
}

/* cache=none with a buffer that is not 512-aligned goes through a bounce. */
Test(disk, direct_unaligned_buffer)
{
	struct disk_options c = cfg(false, DISK_CACHE_NONE);
	u8 *raw = malloc(8192 + 1), *buf = raw + 1, check[4096];
	struct disk d;

	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert(d.direct);
	pattern(buf, 4096, 7);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_WRITE, 8192, buf, 4096), 0);
	file_read(8192, check, sizeof(check));
	cr_assert_arr_eq(check, buf, 4096);
	memset(buf, 0, 4096);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, 8192, buf, 4096), 0);
	cr_assert_arr_eq(check, buf, 4096);
	disk_close(&d);
	free(raw);
}

Test(disk, past_the_end_is_refused)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	u8 buf[1024];
	struct disk d;

	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, IMG_SIZE - 512, buf,
				  sizeof(buf)),
		     -EINVAL);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, IMG_SIZE - 1024, buf,
				  sizeof(buf)),
		     0);
	disk_close(&d);
}

Test(disk, readonly_refuses_writes)
{
	struct disk_options c = cfg(true, DISK_CACHE_WRITEBACK);
	u8 buf[512] = { 1 }, check[512];
	struct disk d;

	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert(d.readonly);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_WRITE, 0, buf, 512), -EROFS);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_DISCARD, 0, NULL, 512), -EROFS);
	disk_close(&d);
	file_read(0, check, 512);
	cr_assert_eq(check[0], 0);
}

static blkcnt_t file_blocks(void)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_blocks;
}

Test(disk, discard_frees_blocks)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	static u8 buf[1 * MiB];
	struct disk d;
	blkcnt_t before;

	memset(buf, 0xee, sizeof(buf));
	file_write(MiB, buf, sizeof(buf));
	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(disk_flush_sync(&d), 0);
	before = file_blocks();
	cr_assert_geq(before, 2048);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_DISCARD, MiB, NULL, MiB), 0);
	cr_assert_leq(file_blocks(), before - 2048, "blocks %ld -> %ld",
		      (long)before, (long)file_blocks());
	file_read(MiB, buf, 4096);
	cr_assert_eq(buf[0] | buf[4095], 0);
	disk_close(&d);
}

static void zeroes_done(struct disk_req *req, int ret)
{
	*(int *)req->opaque = ret;
}

/* disk_rw_sync() has no unmap flag: submit by hand and wait. */
static int zeroes(struct disk *d, u64 off, u64 len, bool unmap)
{
	int ret = 1, rounds = 0;
	struct disk_req req = { .op = DISK_OP_WRITE_ZEROES,
				.offset = off,
				.len = len,
				.unmap = unmap,
				.done = zeroes_done,
				.opaque = &ret };

	cr_assert_eq(disk_submit(d, &req), 0);
	disk_kick(d);
	while (ret == 1) {
		cr_assert_lt(++rounds, 100000);
		disk_complete(d);
	}
	return ret;
}

static void write_zeroes(bool unmap)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	static u8 buf[256 * KiB];
	struct disk d;
	blkcnt_t before;
	size_t i;

	memset(buf, 0x77, sizeof(buf));
	file_write(0, buf, sizeof(buf));
	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(disk_flush_sync(&d), 0);
	before = file_blocks();
	cr_assert_eq(zeroes(&d, 4096, 128 * KiB, unmap), 0);
	file_read(0, buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], i < 4096 || i >= 132 * KiB ? 0x77 : 0,
			     "byte %zu", i);
	if (unmap)
		cr_assert_lt(file_blocks(), before);
	disk_close(&d);
}

Test(disk, write_zeroes_reads_zero)
{
	write_zeroes(false);
}

Test(disk, write_zeroes_unmap_reads_zero_and_frees)
{
	write_zeroes(true);
}

static void expect_open_error(const struct disk_options *c, int ret,
			      const char *msg)
{
	struct disk d;

	cr_assert_eq(disk_open(&d, c, &err), ret, "ret for %s", msg);
	cr_assert_not_null(strstr(err.msg, msg), "'%s' lacks '%s'", err.msg,
			   msg);
	cr_assert_eq(strchr(err.msg, '\n'), NULL);
}

Test(disk, missing_file)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);

	c.path = "/var/tmp/squeeze-no-such-image";
	expect_open_error(&c, -ENOENT, "no such file");
	cr_assert_eq(access(c.path, F_OK), -1, "disk_open created the file");
}

Test(disk, directory)
{
	struct disk_options c = cfg(true, DISK_CACHE_WRITEBACK);

	c.path = "/var/tmp";
	expect_open_error(&c, -EISDIR, "is a directory");
	c.readonly = false;
	expect_open_error(&c, -EISDIR, "is a directory");
}

Test(disk, not_a_file)
{
	struct disk_options c = cfg(true, DISK_CACHE_WRITEBACK);

	c.path = "/dev/null";
	expect_open_error(&c, -EINVAL, "not a regular file or block device");
}

Test(disk, no_permission)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	uid_t uid = geteuid();
	struct disk d;
	int ret;

	cr_assert_eq(chmod(path, 0400), 0);
	/* Root ignores modes: be nobody just for the open. */
	if (uid == 0)
		cr_assert_eq(seteuid(65534), 0);
	ret = disk_open(&d, &c, &err);
	if (uid == 0)
		cr_assert_eq(seteuid(0), 0);
	cr_assert_eq(ret, -EACCES);
	cr_assert_not_null(strstr(err.msg, "permission denied"), "%s", err.msg);
}

Test(disk, qcow2_magic_needs_a_format)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	struct disk d;

	file_write(0, "QFI\xfb\0\0\0\3", 8);
	expect_open_error(&c, -EINVAL, "format=qcow2 or format=raw");
	/* Said explicitly, raw is fine: the guest owns those bytes. */
	c.format = DISK_FMT_RAW;
	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	disk_close(&d);
}

Test(disk, qcow2_magic_with_direct_io)
{
	struct disk_options c = cfg(false, DISK_CACHE_NONE);

	file_write(0, "QFI\xfb", 4);
	expect_open_error(&c, -EINVAL, "format=qcow2 or format=raw");
}

Test(disk, second_writer_is_refused)
{
	struct disk_options rw = cfg(false, DISK_CACHE_WRITEBACK);
	struct disk_options ro = cfg(true, DISK_CACHE_WRITEBACK);
	struct disk a, b;

	cr_assert_eq(disk_open(&a, &rw, &err), 0, "%s", err.msg);
	expect_open_error(&rw, -EBUSY, "in use by this squeeze");
	expect_open_error(&ro, -EBUSY, "in use read-write by this squeeze");
	disk_close(&a);
	/* Readers share; a writer waits for all of them. */
	cr_assert_eq(disk_open(&a, &ro, &err), 0, "%s", err.msg);
	cr_assert_eq(disk_open(&b, &ro, &err), 0, "%s", err.msg);
	expect_open_error(&rw, -EBUSY, "in use by this squeeze");
	disk_close(&a);
	disk_close(&b);
	cr_assert_eq(disk_open(&a, &rw, &err), 0, "%s", err.msg);
	disk_close(&a);
}

/* Attach the image to a free loop device; false if there is none. */
static bool attach_loop(void)
{
	char cmd[128];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	if (!fgets(loopdev, sizeof(loopdev), p))
		loopdev[0] = 0;
	pclose(p);
	loopdev[strcspn(loopdev, "\n")] = 0;
	return loopdev[0] == '/';
}

/* The block-device paths: BLKGETSIZE64, BLKDISCARD, BLKZEROOUT. */
Test(disk, block_device)
{
	struct disk_options c = cfg(false, DISK_CACHE_WRITEBACK);
	static u8 buf[256 * KiB], check[256 * KiB];
	struct disk d;
	blkcnt_t before;
	size_t i;

	if (geteuid() != 0 || !attach_loop())
		cr_skip_test("no loop device to test block devices with");
	c.path = loopdev;
	cr_assert_eq(disk_open(&d, &c, &err), 0, "%s", err.msg);
	cr_assert(d.blockdev);
	cr_assert_eq(d.size, IMG_SIZE);
	cr_assert_geq(d.block_size, 512);
	pattern(buf, sizeof(buf), 0x3c);
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_WRITE, MiB, buf, sizeof(buf)), 0);
	cr_assert_eq(disk_flush_sync(&d), 0);
	file_read(MiB, check, sizeof(check)); /* the backing file */
	cr_assert_arr_eq(check, buf, sizeof(buf));
	before = file_blocks();
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_DISCARD, MiB, NULL, 128 * KiB),
		     0);
	cr_assert_eq(zeroes(&d, MiB + 128 * KiB, 64 * KiB, false), 0);
	cr_assert_eq(disk_flush_sync(&d), 0);
	cr_assert_lt(file_blocks(), before, "discard freed nothing");
	cr_assert_eq(disk_rw_sync(&d, DISK_OP_READ, MiB, check, sizeof(check)),
		     0);
	for (i = 0; i < sizeof(check); i++)
		cr_assert_eq(check[i], i < 192 * KiB ? 0 : buf[i], "byte %zu",
			     i);
	disk_close(&d);
}
