// SPDX-License-Identifier: MIT
/*
 * The in-process virtio-blk driver: chains of header, data and status on
 * one queue, the way Linux's virtio_blk builds them.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tests/driver/lib/blk_drv.h"

#define BLK_DRV_AREA 32 /* header (16) + status, per index */

static void *area_of(struct blk_drv *b, u16 idx)
{
	return b->area + (u64)idx * BLK_DRV_AREA;
}

int blk_drv_read_config(struct blk_drv *b)
{
	struct blk_drv_config *c = &b->cfg;
	struct drv_dev *d = &b->dev;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	ret |= drv_config_read(d, 0, &c->capacity, 8);
	ret |= drv_config_read(d, 8, &c->size_max, 4);
	ret |= drv_config_read(d, 12, &c->seg_max, 4);
	ret |= drv_config_read(d, 20, &c->blk_size, 4);
	ret |= drv_config_read(d, 34, &c->num_queues, 2);
	ret |= drv_config_read(d, 36, &c->max_discard_sectors, 4);
	ret |= drv_config_read(d, 40, &c->max_discard_seg, 4);
	ret |= drv_config_read(d, 48, &c->max_write_zeroes_sectors, 4);
	ret |= drv_config_read(d, 52, &c->max_write_zeroes_seg, 4);
	ret |= drv_config_read(d, 56, &c->write_zeroes_may_unmap, 1);
	c->capacity = le64toh(c->capacity);
	c->size_max = le32toh(c->size_max);
	c->seg_max = le32toh(c->seg_max);
	c->blk_size = le32toh(c->blk_size);
	c->num_queues = le16toh(c->num_queues);
	c->max_discard_sectors = le32toh(c->max_discard_sectors);
	c->max_discard_seg = le32toh(c->max_discard_seg);
	c->max_write_zeroes_sectors = le32toh(c->max_write_zeroes_sectors);
	c->max_write_zeroes_seg = le32toh(c->max_write_zeroes_seg);
	return ret ? -EINVAL : 0;
}

int blk_drv_restart(struct blk_drv *b, u64 want, u16 queue_size)
{
	int ret = drv_start(&b->dev, want, 1, queue_size);

	if (ret)
		return ret;
	b->q = &b->dev.vq[0];
	b->inflight = 0;
	/* The rings are new; a fresh area keeps old statuses out of sight. */
	b->area_gpa = drv_alloc(b->env, (u64)b->q->size * BLK_DRV_AREA, 64);
	if (!b->area_gpa)
		return -ENOMEM;
	b->area = drv_ptr(b->env, b->area_gpa, (u64)b->q->size * BLK_DRV_AREA);
	return blk_drv_read_config(b);
}

int blk_drv_open(struct blk_drv *b, struct drv_env *env, unsigned int index,
		 u64 want, u16 queue_size)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->env = env;
	ret = drv_probe(env, VIRTIO_ID_BLOCK, index, &b->dev);
	if (ret)
		return ret;
	return blk_drv_restart(b, want, queue_size);
}

int blk_drv_submit(struct blk_drv *b, u32 type, u64 sector,
		   const struct drv_buf *data, unsigned int n, u64 cookie)
{
	struct drv_buf bufs[BLK_DRV_MAX_DATA + 2];
	u16 idx = b->q->free_head; /* drv_vq_add() takes this head */
	u8 *a;
	u32 t = htole32(type);
	u64 s = htole64(sector);
	int head;

	if (n > BLK_DRV_MAX_DATA)
		return -EINVAL;
	if (!b->q->nr_free)
		return -ENOSPC;
	a = area_of(b, idx);
	memset(a, 0, BLK_DRV_AREA);
	memcpy(a, &t, 4);
	memcpy(a + 8, &s, 8);
	a[16] = 0xff; /* the device must overwrite it */
	bufs[0] =
		(struct drv_buf){ b->area_gpa + idx * BLK_DRV_AREA, 16, false };
	if (n)
		memcpy(bufs + 1, data, n * sizeof(*data));
	bufs[n + 1] = (struct drv_buf){ b->area_gpa + idx * BLK_DRV_AREA + 16,
					1, true };
	head = drv_vq_add(b->q, bufs, n + 2, b->indirect);
	if (head < 0)
		return head;
	if (head != idx)
		return -EPROTO; /* the driver library changed */
	b->cookie[head] = cookie;
	b->inflight++;
	return head;
}

bool blk_drv_kick(struct blk_drv *b)
{
	return drv_vq_kick(b->q);
}

int blk_drv_reap(struct blk_drv *b, int timeout_ms, u64 *cookie, u8 *status,
		 u32 *len)
{
	u32 id, l;
	int ret = drv_vq_wait(b->q, timeout_ms, &id, &l);

	if (ret)
		return ret;
	b->inflight--;
	*cookie = b->cookie[id];
	*status = ((u8 *)area_of(b, id))[16];
	*len = l;
	return 0;
}

int blk_drv_sync(struct blk_drv *b, u32 type, u64 sector,
		 const struct drv_buf *data, unsigned int n)
{
	u64 cookie;
	u8 status;
	u32 len;
	int ret;

	ret = blk_drv_submit(b, type, sector, data, n, 0x5eed);
	if (ret < 0)
		return ret;
	blk_drv_kick(b);
	ret = blk_drv_reap(b, 5000, &cookie, &status, &len);
	if (ret)
		return ret;
	return cookie == 0x5eed ? status : -EPROTO;
}

int blk_drv_read(struct blk_drv *b, u64 sector, u64 gpa, u32 len)
{
	struct drv_buf d = { gpa, len, true };

	return blk_drv_sync(b, VIRTIO_BLK_T_IN, sector, &d, 1);
}

int blk_drv_write(struct blk_drv *b, u64 sector, u64 gpa, u32 len)
{
	struct drv_buf d = { gpa, len, false };

	return blk_drv_sync(b, VIRTIO_BLK_T_OUT, sector, &d, 1);
}

int blk_drv_flush(struct blk_drv *b)
{
	return blk_drv_sync(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

int blk_drv_range(struct blk_drv *b, u32 type, u64 sector, u32 nr_sectors,
		  u32 flags)
{
	u64 gpa = drv_alloc(b->env, 16, 16);
	u8 *p = drv_ptr(b->env, gpa, 16);
	u64 s = htole64(sector);
	u32 n = htole32(nr_sectors), f = htole32(flags);
	struct drv_buf d = { gpa, 16, false };

	if (!gpa)
		return -ENOMEM;
	memcpy(p, &s, 8);
	memcpy(p + 8, &n, 4);
	memcpy(p + 12, &f, 4);
	return blk_drv_sync(b, type, 0, &d, 1);
}

int blk_drv_get_id(struct blk_drv *b, char *id)
{
	u64 gpa = drv_alloc(b->env, BLK_ID_LEN, 16);
	struct drv_buf d = { gpa, BLK_ID_LEN, true };
	int ret;

	if (!gpa)
		return -ENOMEM;
	memset(drv_ptr(b->env, gpa, BLK_ID_LEN), 0xee, BLK_ID_LEN);
	ret = blk_drv_sync(b, VIRTIO_BLK_T_GET_ID, 0, &d, 1);
	memcpy(id, drv_ptr(b->env, gpa, BLK_ID_LEN), BLK_ID_LEN);
	return ret;
}
