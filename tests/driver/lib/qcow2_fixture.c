// SPDX-License-Identifier: MIT
/* The qcow2 scenarios' fixture: images by qemu-img, read by the driver. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/driver/lib/qcow2_fixture.h"

int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_lt(n, (int)sizeof(cmd), "command too long");
	return system(cmd);
}

void qcow2_fx_setup(struct qcow2_fx *q, const char *dir_tmpl, u64 mem,
		    u64 buf_len)
{
	unsigned int i;

	q->rng = 0x9e3779b97f4a7c15ULL;
	if (sh("command -v qemu-img >/dev/null && "
	       "command -v qemu-io >/dev/null"))
		cr_skip_test("qemu-img/qemu-io (qemu-utils) not installed");
	snprintf(q->dir, sizeof(q->dir), "%s", dir_tmpl);
	cr_assert_not_null(mkdtemp(q->dir));
	cr_assert_eq(drv_env_init(&q->env, mem, &q->err), 0, "%s", q->err);
	for (i = 0; i < QCOW2_FX_BATCH; i++) {
		q->buf[i] = drv_alloc(&q->env, buf_len, 4096);
		cr_assert_neq(q->buf[i], 0);
	}
}

void qcow2_fx_teardown(struct qcow2_fx *q)
{
	qcow2_fx_close(q);
	drv_env_destroy(&q->env);
	if (q->dir[0])
		sh("rm -rf %s", q->dir);
}

u64 qcow2_fx_rnd(struct qcow2_fx *q)
{
	q->rng ^= q->rng >> 12;
	q->rng ^= q->rng << 25;
	q->rng ^= q->rng >> 27;
	return q->rng * 0x2545f4914f6cdd1dULL;
}

void qcow2_fx_open(struct qcow2_fx *q, const char *path, u64 size)
{
	qcow2_fx_open_fmt(q, path, size, DISK_FMT_QCOW2, false);
}

void qcow2_fx_open_fmt(struct qcow2_fx *q, const char *path, u64 size,
		       enum disk_format fmt, bool readonly)
{
	struct blk_options c = {
		.disk = { .path = path, .format = fmt, .readonly = readonly }
	};

	q->blk = virtio_blk_create(&q->env.mem, &c, 0, &q->err);
	cr_assert_not_null(q->blk, "%s", q->err);
	q->vp = virtio_pci_add(&q->env.pci, virtio_blk_vdev(q->blk),
			       &q->env.irq_ctl, &q->err);
	cr_assert_not_null(q->vp, "%s", q->err);
	cr_assert_eq(
		blk_drv_open(&q->drv, &q->env, 0, BLK_DRV_ALL_FEATURES, 256),
		0);
	cr_assert_eq(q->drv.cfg.capacity, size / 512);
}

void qcow2_fx_close(struct qcow2_fx *q)
{
	if (q->vp)
		virtio_pci_destroy(q->vp);
	if (q->blk)
		virtio_blk_destroy(q->blk);
	q->vp = NULL;
	q->blk = NULL;
}

void qcow2_fx_load(const char *path, u8 *dst, u64 len)
{
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, dst, len, 0), (ssize_t)len);
	close(fd);
}
