// SPDX-License-Identifier: MIT
/*
 * VMDK behind struct disk_ops: read-only, every read done synchronously
 * in submit() (an import format; the data path that matters is raw and
 * qcow2). A writable open is refused with one line.
 */
#include <errno.h>
#include <string.h>

#include "devices/block/disk.h"
#include "devices/block/vmdk/vmdk.h"

static int vmdk_disk_open(struct disk *d, const struct disk_options *c,
			  struct err *err)
{
	struct vmdk *v;
	int ret;

	if (!c->readonly)
		return err_input(
			err, -EROFS,
			"disk %s: vmdk images are read-only; add readonly=on",
			c->path);
	ret = vmdk_open(&v, d->fd, c->path, c->backing_dir, err);
	if (ret)
		return ret;
	d->priv = v;
	d->size = vmdk_size(v);
	d->block_size = 512;
	d->readonly = true;
	d->event_fd = -1;
	return 0;
}

static int vmdk_disk_read(struct vmdk *v, struct disk_req *req)
{
	u64 off = req->offset, total = 0;
	int i, ret;

	for (i = 0; i < req->iovcnt; i++)
		total += req->iov[i].iov_len;
	if (!req->iov || req->iovcnt < 0 || total != req->len)
		return -EINVAL;
	for (i = 0; i < req->iovcnt; i++) {
		ret = vmdk_read(v, off, req->iov[i].iov_base,
				req->iov[i].iov_len);
		if (ret)
			return ret;
		off += req->iov[i].iov_len;
	}
	return 0;
}

static int vmdk_disk_submit(struct disk *d, struct disk_req *req)
{
	int ret;

	switch (req->op) {
	case DISK_OP_READ:
		if (req->offset > d->size || req->len > d->size - req->offset)
			return -EINVAL;
		ret = vmdk_disk_read(d->priv, req);
		if (ret == -EINVAL)
			return ret;
		break;
	case DISK_OP_FLUSH:
		ret = 0;
		break;
	default:
		return -EROFS;
	}
	req->done(req, ret);
	return 0;
}

static void vmdk_disk_nop(struct disk *d)
{
	(void)d;
}

static void vmdk_disk_close(struct disk *d)
{
	vmdk_close(d->priv);
	d->priv = NULL;
}

static int vmdk_disk_status(struct disk *d, u64 off, u64 len, u64 *run,
			    u32 *flags)
{
	return vmdk_status(d->priv, off, len, run, flags);
}

static bool vmdk_disk_uses_file(const struct disk *d, const struct stat *st)
{
	return vmdk_uses_file(d->priv, st);
}

const struct disk_ops disk_vmdk_ops = {
	.name = "vmdk",
	.open = vmdk_disk_open,
	.submit = vmdk_disk_submit,
	.kick = vmdk_disk_nop,
	.complete = vmdk_disk_nop,
	.close = vmdk_disk_close,
	.uses_file = vmdk_disk_uses_file,
	.block_status = vmdk_disk_status,
};
