// SPDX-License-Identifier: MIT
/*
 * vhost-user-blk in process against a real qemu-storage-daemon: the
 * in-process virtio-blk driver writes and reads back (and the bytes are in
 * the file), a read-only export refuses writes, readonly=on is refused for
 * a writable export, and a killed back-end leaves the device NEEDS_RESET.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/driver/lib/blk_drv.h"
#include "tests/driver/lib/qsd.h"
#include "virtio/blk/vhost_blk.h"

#define IMG_SIZE (32 * MiB)

static struct drv_env env;
static struct qsd qsd;
static struct vhost_blk *vb;
static struct virtio_pci *vp;
static struct blk_drv drv;
static char img[64];
static struct err err;

static void setup(void)
{
	static u8 buf[1 * MiB];
	size_t i;
	int fd;

	memset(&err, 0, sizeof(err));
	strcpy(img, "/var/tmp/squeeze-vub-XXXXXX");
	fd = mkstemp(img);
	cr_assert_geq(fd, 0);
	for (i = 0; i < IMG_SIZE; i += sizeof(buf)) {
		memset(buf, (int)(i / sizeof(buf)), sizeof(buf));
		cr_assert_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	}
	close(fd);
	cr_assert_eq(drv_env_init_shared(&env, 128 * MiB, &err), 0, "%s",
		     err.msg);
}

static void teardown(void)
{
	virtio_pci_destroy(vp);
	vhost_blk_destroy(vb);
	qsd_stop(&qsd);
	drv_env_destroy(&env);
	unlink(img);
}

TestSuite(vhost_blk, .init = setup, .fini = teardown, .timeout = 60);

static void skip_without_qsd(void)
{
	if (!qsd_binary())
		cr_skip_test("qemu-storage-daemon is not installed");
}

/* Export the image, plug a vhost-user-blk device, bring the driver up. */
static void start(bool writable, bool readonly)
{
	struct blk_options o = { .disk.readonly = readonly };

	skip_without_qsd();
	cr_assert_eq(qsd_start(&qsd, img, writable), 0);
	o.vhost_user = qsd.sock;
	vb = vhost_blk_create(&env.mem, &o, 0, &err);
	cr_assert_not_null(vb, "%s", err.msg);
	vp = virtio_pci_add(&env.pci, vhost_blk_vdev(vb), &env.irq_ctl, &err);
	cr_assert_not_null(vp, "%s", err.msg);
	cr_assert_eq(blk_drv_open(&drv, &env, 0, BLK_DRV_ALL_FEATURES, 128), 0);
}

static void file_read(u64 off, void *buf, size_t len)
{
	int fd = open(img, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

Test(vhost_blk, config_comes_from_the_backend)
{
	start(true, false);
	cr_assert_eq(drv.cfg.capacity, IMG_SIZE / 512);
	cr_assert_eq(drv.cfg.blk_size, 512);
	cr_assert_gt(drv.cfg.seg_max, 0);
	cr_assert_eq(drv.dev.features & (1ULL << VIRTIO_BLK_F_RO), 0);
}

Test(vhost_blk, write_then_read_back_and_bytes_are_in_the_file)
{
	static u8 want[64 * KiB], got[64 * KiB];
	u64 wgpa, rgpa;
	size_t i;

	start(true, false);
	for (i = 0; i < sizeof(want); i++)
		want[i] = (u8)(i * 13 + 7);
	wgpa = drv_alloc(&env, sizeof(want), 4096);
	rgpa = drv_alloc(&env, sizeof(want), 4096);
	memcpy(drv_ptr(&env, wgpa, sizeof(want)), want, sizeof(want));
	cr_assert_eq(blk_drv_write(&drv, 1000, wgpa, sizeof(want)),
		     VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_flush(&drv), VIRTIO_BLK_S_OK);
	cr_assert_eq(blk_drv_read(&drv, 1000, rgpa, sizeof(want)),
		     VIRTIO_BLK_S_OK);
	cr_assert_arr_eq(drv_ptr(&env, rgpa, sizeof(want)), want, sizeof(want));
	file_read(1000 * 512, got, sizeof(got));
	cr_assert_arr_eq(got, want, sizeof(want), "not in the file");
	/* And a read of what the file held before: sector 2048 = 1 MiB. */
	cr_assert_eq(blk_drv_read(&drv, 2048, rgpa, 4096), VIRTIO_BLK_S_OK);
	cr_assert_eq(((u8 *)drv_ptr(&env, rgpa, 1))[0], 1);
}

Test(vhost_blk, readonly_export_refuses_writes)
{
	static u8 before[4096], after[4096];
	u64 gpa;
	int st;

	start(false, true);
	cr_assert(drv.dev.features & (1ULL << VIRTIO_BLK_F_RO));
	file_read(0, before, sizeof(before));
	gpa = drv_alloc(&env, 4096, 4096);
	memset(drv_ptr(&env, gpa, 4096), 0xee, 4096);
	/* A driver that ignores VIRTIO_BLK_F_RO still cannot write. */
	st = blk_drv_write(&drv, 0, gpa, 4096);
	cr_assert_neq(st, VIRTIO_BLK_S_OK);
	cr_assert_geq(st, 0, "no completion: %d", st);
	file_read(0, after, sizeof(after));
	cr_assert_arr_eq(after, before, sizeof(before));
}

Test(vhost_blk, readonly_on_a_writable_export_is_refused)
{
	struct blk_options o = { .disk.readonly = true };

	skip_without_qsd();
	cr_assert_eq(qsd_start(&qsd, img, true), 0);
	o.vhost_user = qsd.sock;
	cr_assert_null(vhost_blk_create(&env.mem, &o, 0, &err));
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "accepts writes"), "%s", err.msg);
}

Test(vhost_blk, nobody_listening_is_bad_input)
{
	struct blk_options o = { .vhost_user = "/tmp/squeeze-no-such.sock" };

	cr_assert_null(vhost_blk_create(&env.mem, &o, 0, &err));
	cr_assert_eq(err.class, ERR_INPUT);
}

Test(vhost_blk, backend_killed_needs_reset)
{
	u64 gpa;
	int i;

	start(true, false);
	gpa = drv_alloc(&env, 16 * 64 * KiB, 4096);
	for (i = 0; i < 16; i++)
		cr_assert_geq(
			blk_drv_submit(&drv, VIRTIO_BLK_T_IN, i * 128,
				       &(struct drv_buf){ gpa + i * 64 * KiB,
							  64 * KiB, true },
				       1, i),
			0);
	blk_drv_kick(&drv);
	cr_assert_eq(kill(qsd.pid, SIGKILL), 0);
	waitpid(qsd.pid, NULL, 0);
	qsd.pid = 0;
	for (i = 0; i < 5000; i++) {
		if (drv_status(&drv.dev) & VIRTIO_STATUS_NEEDS_RESET)
			break;
		usleep(1000);
	}
	cr_assert(drv_status(&drv.dev) & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_neq(blk_drv_restart(&drv, BLK_DRV_ALL_FEATURES, 128), 0);
}
