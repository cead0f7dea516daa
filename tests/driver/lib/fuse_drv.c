// SPDX-License-Identifier: MIT
/*
 * The in-process virtio-fs driver: FUSE requests as chains on the request
 * queue, replies checked and matched by head. See fuse_drv.h.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tests/driver/lib/fuse_drv.h"

#define SLOT_SIZE (2 * FUSE_DRV_SLOT_HALF)

static u8 *slot_in(struct fuse_drv *f, u16 head)
{
	return f->slot + (u64)head * SLOT_SIZE;
}

static u64 slot_gpa(struct fuse_drv *f, u16 head)
{
	return f->slot_gpa + (u64)head * SLOT_SIZE;
}

int fuse_drv_open(struct fuse_drv *f, struct drv_env *env, unsigned int index,
		  u16 queue_size)
{
	struct drv_vq *q;
	u32 nrq;
	int ret;

	memset(f, 0, sizeof(*f));
	f->env = env;
	f->next_unique = 1;
	ret = drv_probe(env, VIRTIO_ID_FS, index, &f->dev);
	if (!ret)
		ret = drv_config_read(&f->dev, 0, f->tag, FS_TAG_MAX);
	if (!ret)
		ret = drv_config_read(&f->dev, FS_TAG_MAX, &nrq, 4);
	if (ret)
		return ret;
	f->num_request_queues = le32toh(nrq);
	ret = drv_start(&f->dev,
			(1ULL << VIRTIO_F_RING_EVENT_IDX) |
				(1ULL << VIRTIO_F_RING_INDIRECT_DESC),
			1 + f->num_request_queues, queue_size);
	if (ret)
		return ret;
	q = f->req = &f->dev.vq[FUSE_DRV_QUEUE];
	f->slot_gpa = drv_alloc(env, (u64)q->size * SLOT_SIZE, 4096);
	if (!f->slot_gpa)
		return -ENOMEM;
	f->slot = drv_ptr(env, f->slot_gpa, (u64)q->size * SLOT_SIZE);
	return 0;
}

int fuse_drv_submit(struct fuse_drv *f, struct fuse_drv_req *r)
{
	struct drv_buf bufs[4];
	struct fuse_in_header h = { 0 };
	u16 idx = f->req->free_head; /* drv_vq_add() takes this head */
	unsigned int n = 0;
	int head;

	if (r->in_len > FUSE_DRV_SLOT_HALF - sizeof(h) ||
	    r->out_len > FUSE_DRV_SLOT_HALF - sizeof(struct fuse_out_header))
		return -EINVAL;
	if (!f->req->nr_free)
		return -ENOSPC;
	h.len = sizeof(h) + r->in_len + r->data_in.len;
	h.opcode = r->opcode;
	h.unique = r->unique = f->next_unique++;
	h.nodeid = r->nodeid;
	memcpy(slot_in(f, idx), &h, sizeof(h));
	if (r->in_len)
		memcpy(slot_in(f, idx) + sizeof(h), r->in, r->in_len);
	/* The device must overwrite the out header. */
	memset(slot_in(f, idx) + FUSE_DRV_SLOT_HALF, 0xff,
	       sizeof(struct fuse_out_header));
	bufs[n++] = (struct drv_buf){ slot_gpa(f, idx), sizeof(h) + r->in_len,
				      false };
	if (r->data_in.len)
		bufs[n++] = r->data_in;
	bufs[n++] =
		(struct drv_buf){ slot_gpa(f, idx) + FUSE_DRV_SLOT_HALF,
				  sizeof(struct fuse_out_header) + r->out_len,
				  true };
	if (r->data_out.len)
		bufs[n++] = r->data_out;
	head = drv_vq_add(f->req, bufs, n, false);
	if (head < 0)
		return head;
	if (head != idx)
		return -EPROTO; /* the driver library changed */
	f->inflight[head] = r;
	f->nr_inflight++;
	return head;
}

void fuse_drv_kick(struct fuse_drv *f)
{
	drv_vq_kick(f->req);
}

int fuse_drv_reap(struct fuse_drv *f, int timeout_ms, struct fuse_drv_req **rp)
{
	struct fuse_out_header oh;
	struct fuse_drv_req *r;
	u32 id, len;
	int ret;

	ret = drv_vq_wait(f->req, timeout_ms, &id, &len);
	if (ret)
		return ret == -EIO ? -EPROTO : ret;
	r = f->inflight[id];
	if (!r)
		return -EPROTO;
	f->inflight[id] = NULL;
	f->nr_inflight--;
	memcpy(&oh, slot_in(f, id) + FUSE_DRV_SLOT_HALF, sizeof(oh));
	/* The reply names our request, has a sane length and error. */
	if (len < sizeof(oh) || oh.unique != r->unique || oh.len < sizeof(oh) ||
	    oh.len > len || oh.error > 0 || oh.error < -4095)
		return -EPROTO;
	r->error = oh.error;
	r->reply_len = oh.len;
	r->out = slot_in(f, id) + FUSE_DRV_SLOT_HALF + sizeof(oh);
	*rp = r;
	return 0;
}

int fuse_drv_call(struct fuse_drv *f, struct fuse_drv_req *r)
{
	struct fuse_drv_req *done;
	int ret;

	ret = fuse_drv_submit(f, r);
	if (ret < 0)
		return ret;
	fuse_drv_kick(f);
	ret = fuse_drv_reap(f, FUSE_DRV_TIMEOUT_MS, &done);
	if (ret)
		return ret;
	return done == r ? r->error : -EPROTO;
}

/* Copy up to @len result bytes out; 0 or the request's error. */
static int call_out(struct fuse_drv *f, struct fuse_drv_req *r, void *out,
		    u32 len)
{
	int ret = fuse_drv_call(f, r);

	if (!ret && out)
		memcpy(out, r->out,
		       MIN(len,
			   r->reply_len - (u32)sizeof(struct fuse_out_header)));
	return ret;
}

int fuse_drv_init(struct fuse_drv *f)
{
	struct fuse_init_in in = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = 128 * 1024,
	};
	struct fuse_drv_req r = {
		.opcode = FUSE_INIT,
		.in = &in,
		.in_len = sizeof(in),
		.out_len = sizeof(f->init),
	};

	memset(&f->init, 0, sizeof(f->init));
	return call_out(f, &r, &f->init, sizeof(f->init));
}

int fuse_drv_lookup(struct fuse_drv *f, u64 parent, const char *name,
		    struct fuse_entry_out *e)
{
	struct fuse_drv_req r = {
		.opcode = FUSE_LOOKUP,
		.nodeid = parent,
		.in = name,
		.in_len = strlen(name) + 1,
		.out_len = sizeof(*e),
	};

	memset(e, 0, sizeof(*e));
	return call_out(f, &r, e, sizeof(*e));
}

int fuse_drv_getattr(struct fuse_drv *f, u64 node, struct fuse_attr_out *a)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_drv_req r = {
		.opcode = FUSE_GETATTR,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
		.out_len = sizeof(*a),
	};

	memset(a, 0, sizeof(*a));
	return call_out(f, &r, a, sizeof(*a));
}

int fuse_drv_open_node(struct fuse_drv *f, u64 node, u32 flags, bool dir,
		       u64 *fh)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out out = { 0 };
	struct fuse_drv_req r = {
		.opcode = dir ? FUSE_OPENDIR : FUSE_OPEN,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
		.out_len = sizeof(out),
	};
	int ret = call_out(f, &r, &out, sizeof(out));

	*fh = out.fh;
	return ret;
}

int fuse_drv_release(struct fuse_drv *f, u64 node, u64 fh, bool dir)
{
	struct fuse_release_in in = { .fh = fh };
	struct fuse_drv_req r = {
		.opcode = dir ? FUSE_RELEASEDIR : FUSE_RELEASE,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
	};

	return fuse_drv_call(f, &r);
}

/* READ or READDIR into guest RAM: bytes, or -errno. */
static int read_data(struct fuse_drv *f, u32 opcode, u64 node, u64 fh, u64 off,
		     u64 gpa, u32 len)
{
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = len };
	struct fuse_drv_req r = {
		.opcode = opcode,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
		.data_out = { gpa, len, true },
	};
	int ret = fuse_drv_call(f, &r);

	return ret ? ret : (int)(r.reply_len - sizeof(struct fuse_out_header));
}

int fuse_drv_read(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		  u32 len)
{
	return read_data(f, FUSE_READ, node, fh, off, gpa, len);
}

int fuse_drv_readdir(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		     u32 size)
{
	return read_data(f, FUSE_READDIR, node, fh, off, gpa, size);
}

int fuse_drv_write(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		   u32 len)
{
	struct fuse_write_in in = { .fh = fh, .offset = off, .size = len };
	struct fuse_write_out out = { 0 };
	struct fuse_drv_req r = {
		.opcode = FUSE_WRITE,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
		.data_in = { gpa, len, false },
		.out_len = sizeof(out),
	};
	int ret = call_out(f, &r, &out, sizeof(out));

	return ret ? ret : (int)out.size;
}

int fuse_drv_flush(struct fuse_drv *f, u64 node, u64 fh)
{
	struct fuse_flush_in in = { .fh = fh };
	struct fuse_drv_req r = {
		.opcode = FUSE_FLUSH,
		.nodeid = node,
		.in = &in,
		.in_len = sizeof(in),
	};

	return fuse_drv_call(f, &r);
}

int fuse_drv_create(struct fuse_drv *f, u64 parent, const char *name, u32 flags,
		    u32 mode, struct fuse_entry_out *e, u64 *fh)
{
	u8 in[sizeof(struct fuse_create_in) + 256];
	struct fuse_create_in c = { .flags = flags, .mode = mode };
	u8 out[sizeof(*e) + sizeof(struct fuse_open_out)];
	struct fuse_open_out o;
	size_t n = strlen(name) + 1;
	struct fuse_drv_req r = {
		.opcode = FUSE_CREATE,
		.nodeid = parent,
		.in = in,
		.in_len = sizeof(c) + n,
		.out_len = sizeof(out),
	};
	int ret;

	if (n > 256)
		return -ENAMETOOLONG;
	memcpy(in, &c, sizeof(c));
	memcpy(in + sizeof(c), name, n);
	ret = call_out(f, &r, out, sizeof(out));
	memcpy(e, out, sizeof(*e));
	memcpy(&o, out + sizeof(*e), sizeof(o));
	*fh = o.fh;
	return ret;
}

int fuse_drv_readlink(struct fuse_drv *f, u64 node, char *buf, u32 size)
{
	struct fuse_drv_req r = {
		.opcode = FUSE_READLINK,
		.nodeid = node,
		.out_len = size - 1,
	};
	int ret = call_out(f, &r, buf, size - 1);
	u32 n = r.reply_len - sizeof(struct fuse_out_header);

	buf[ret ? 0 : MIN(n, size - 1)] = '\0';
	return ret;
}

int fuse_drv_destroy(struct fuse_drv *f)
{
	struct fuse_drv_req r = { .opcode = FUSE_DESTROY };

	return fuse_drv_call(f, &r);
}
