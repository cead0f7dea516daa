// SPDX-License-Identifier: MIT
/*
 * virtio-fs in process when things go wrong or restart: virtiofsd killed
 * with requests in flight (NEEDS_RESET; the machine and a virtio-blk disk
 * beside it keep working; the device stays broken, without hanging), a
 * driver reset while virtiofsd lives (it serves again after FUSE_INIT),
 * and two --fs devices with their own directories at once.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/blk_drv.h"
#include "tests/driver/lib/fs_fixture.h"
#include "virtio/blk/blk.h"

TestSuite(fs_fault, .init = fsfx_setup, .fini = fsfx_teardown, .timeout = 60);

#define BIG (16 * MiB)

struct disk_beside {
	struct virtio_blk *blk;
	struct virtio_pci *vp;
	struct blk_drv drv;
	char path[64];
};

/* A virtio-blk disk on the same machine as the virtio-fs device. */
static void add_disk_beside(struct disk_beside *d)
{
	struct blk_options o = { .disk.format = DISK_FMT_RAW };
	struct err err = { 0 };
	int fd;

	strcpy(d->path, "/var/tmp/squeeze-fsblk-XXXXXX");
	fd = mkstemp(d->path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 4 * MiB), 0);
	close(fd);
	o.disk.path = d->path;
	d->blk = virtio_blk_create(&fsfx_env()->mem, &o, 0, &err);
	cr_assert_not_null(d->blk, "%s", err.msg);
	d->vp = virtio_pci_add(&fsfx_env()->pci, virtio_blk_vdev(d->blk),
			       &fsfx_env()->irq_ctl, &err);
	cr_assert_not_null(d->vp, "%s", err.msg);
	cr_assert_eq(
		blk_drv_open(&d->drv, fsfx_env(), 0, BLK_DRV_ALL_FEATURES, 64),
		0);
}

static void remove_disk_beside(struct disk_beside *d)
{
	virtio_pci_destroy(d->vp);
	virtio_blk_destroy(d->blk);
	unlink(d->path);
}

/* The disk still writes and reads back what it wrote. */
static void assert_disk_works(struct disk_beside *d)
{
	u64 gpa = fsfx_galloc(8192, 4096);
	u8 *p = fsfx_gptr(gpa, 8192);

	memset(p, 0x5c, 4096);
	cr_assert_eq(blk_drv_write(&d->drv, 8, gpa, 4096), VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_read(&d->drv, 8, gpa + 4096, 4096),
		     VIRTIO_BLK_S_OK);
	cr_assert_arr_eq(p, p + 4096, 4096);
}

Test(fs_fault, virtiofsd_killed_with_requests_in_flight)
{
	static struct fuse_drv_req reqs[32];
	static struct fuse_read_in in[32];
	static u8 data[BIG];
	struct disk_beside disk;
	struct fuse_entry_out e;
	struct fuse_drv *f;
	unsigned int i;
	pid_t pid;
	u64 fh, gpa;

	memset(data, 0xa7, sizeof(data));
	fsfx_write_file("big.bin", data, sizeof(data));
	f = fsfx_add((struct fs_options){ 0 });
	add_disk_beside(&disk);
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "big.bin", &e), 0);
	cr_assert_eq(fuse_drv_open_node(f, e.nodeid, O_RDONLY, false, &fh), 0);
	gpa = fsfx_galloc(BIG, 4096);

	/* 32 reads of 512 KiB in flight, then kill the server unannounced. */
	for (i = 0; i < 32; i++) {
		in[i] = (struct fuse_read_in){ .fh = fh,
					       .offset = i * 512 * KiB,
					       .size = 512 * KiB };
		reqs[i] = (struct fuse_drv_req){
			.opcode = FUSE_READ,
			.nodeid = e.nodeid,
			.in = &in[i],
			.in_len = sizeof(in[i]),
			.data_out = { gpa + i * 512 * KiB, 512 * KiB, true },
		};
		cr_assert_geq(fuse_drv_submit(f, &reqs[i]), 0);
	}
	fuse_drv_kick(f);
	pid = virtio_fs_daemon_pid(fsfx_dev(0));
	cr_assert_gt(pid, 0);
	cr_assert_eq(kill(-pid, SIGKILL), 0);

	cr_assert(fsfx_wait_needs_reset(&f->dev), "no NEEDS_RESET");
	assert_disk_works(&disk);
	/* A reset and restart fails cleanly: nothing serves the rings. */
	cr_assert_neq(drv_start(&f->dev, 0, 2, 64), 0);
	cr_assert(drv_status(&f->dev) & VIRTIO_STATUS_NEEDS_RESET);
	assert_disk_works(&disk);
	remove_disk_beside(&disk);
}

Test(fs_fault, reset_then_serves_again)
{
	struct fuse_entry_out e;
	struct fuse_drv *f;

	fsfx_write_file("a.txt", "a", 1);
	f = fsfx_add((struct fs_options){ 0 });
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "a.txt", &e), 0);
	cr_assert_eq(fuse_drv_destroy(f), 0);
	/* Status 0 stops the rings (GET_VRING_BASE); DRIVER_OK restarts. */
	cr_assert_eq(fuse_drv_open(f, fsfx_env(), 0, 64), 0);
	cr_assert_eq(fuse_drv_init(f), 0);
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "a.txt", &e), 0);
	cr_assert_eq(e.attr.size, 1);
	cr_assert_eq(drv_status(&f->dev) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

Test(fs_fault, two_devices_two_directories)
{
	struct fs_options o = { 0 };
	struct fuse_entry_out e;
	struct fuse_drv *a, *b;
	char other[128];

	fsfx_write_file("only-in-a", "", 0);
	snprintf(other, sizeof(other), "%s/other", fsfx_dir());
	cr_assert_eq(mkdir(other, 0755), 0);
	a = fsfx_add((struct fs_options){ 0 });
	o.dir = other;
	strcpy(o.tag, "second");
	b = fsfx_add(o);
	cr_assert_str_eq(a->tag, "t0");
	cr_assert_str_eq(b->tag, "second");
	cr_assert_eq(fuse_drv_lookup(a, FUSE_ROOT_ID, "only-in-a", &e), 0);
	cr_assert_eq(fuse_drv_lookup(b, FUSE_ROOT_ID, "only-in-a", &e),
		     -ENOENT);
	cr_assert_neq(virtio_fs_daemon_pid(fsfx_dev(0)),
		      virtio_fs_daemon_pid(fsfx_dev(1)));
}
