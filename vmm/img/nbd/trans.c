// SPDX-License-Identifier: MIT
/*
 * The transmission phase: each request header is checked, a write's data
 * is read whole into its own buffer before anything reaches the disk (a
 * client that stops mid-write changes nothing), and the request becomes
 * one asynchronous disk request whose completion queues the reply.
 * Replies may go out in any order, as the protocol allows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/img/nbd/nbd_int.h"

#define MAX_EXTENTS 1024

struct nbd_req {
	struct disk_req dr;
	struct nbd_client *c;
	u64 cookie, offset;
	u16 type, flags;
	u32 len;
	struct iovec iov;
	struct nbd_buf *reply; /* READ: header, then the data */
	u32 hdr_len;
	u8 *payload; /* WRITE */
	bool fua;
};

static u32 wire_errno(int ret)
{
	switch (-ret) {
	case EPERM:
	case EROFS:
		return NBD_EPERM;
	case ENOMEM:
		return NBD_ENOMEM;
	case EINVAL:
		return NBD_EINVAL;
	case ENOSPC:
	case EDQUOT:
		return NBD_ENOSPC;
	case EOVERFLOW:
		return NBD_EOVERFLOW;
	case ENOTSUP:
		return NBD_ENOTSUP;
	}
	return NBD_EIO;
}

void nbd_trans_start(struct nbd_client *c)
{
	c->st = NBD_ST_REQ_HEADER;
	nbd_rx_expect(c, c->hdr, NBD_REQUEST_LEN);
}

void nbd_req_free(struct nbd_req *r)
{
	free(r->reply);
	free(r->payload);
	free(r);
}

static int simple_reply(struct nbd_client *c, u64 cookie, u32 error)
{
	u8 h[NBD_SIMPLE_REPLY_LEN];

	nbd_put32(h, NBD_SIMPLE_REPLY_MAGIC);
	nbd_put32(h + 4, error);
	nbd_put64(h + 8, cookie);
	return nbd_send(c, h, sizeof(h));
}

static void chunk_header(u8 *h, u16 type, u64 cookie, u32 len)
{
	nbd_put32(h, NBD_STRUCT_REPLY_MAGIC);
	nbd_put16(h + 4, NBD_REPLY_FLAG_DONE);
	nbd_put16(h + 6, type);
	nbd_put64(h + 8, cookie);
	nbd_put32(h + 16, len);
}

/* An error to a READ or BLOCK_STATUS with structured replies. */
static int error_chunk(struct nbd_client *c, u64 cookie, u32 error)
{
	u8 h[NBD_STRUCT_REPLY_LEN + 6] = { 0 };

	chunk_header(h, NBD_REPLY_TYPE_ERROR, cookie, 6);
	nbd_put32(h + NBD_STRUCT_REPLY_LEN, error);
	return nbd_send(c, h, sizeof(h));
}

static int error_reply(struct nbd_client *c, u64 cookie, u16 type, u32 err)
{
	if (c->structured &&
	    (type == NBD_CMD_READ || type == NBD_CMD_BLOCK_STATUS))
		return error_chunk(c, cookie, err);
	return simple_reply(c, cookie, err);
}

static void reply_read(struct nbd_req *r, int ret)
{
	struct nbd_client *c = r->c;
	u8 *h = r->reply->data;

	if (ret) {
		if (error_reply(c, r->cookie, r->type, wire_errno(ret)))
			nbd_drop(c);
		return;
	}
	if (c->structured) {
		chunk_header(h, NBD_REPLY_TYPE_OFFSET_DATA, r->cookie,
			     8 + r->len);
		nbd_put64(h + NBD_STRUCT_REPLY_LEN, r->offset);
	} else {
		nbd_put32(h, NBD_SIMPLE_REPLY_MAGIC);
		nbd_put32(h + 4, 0);
		nbd_put64(h + 8, r->cookie);
	}
	nbd_queue(c, r->reply);
	r->reply = NULL;
}

static void req_done(struct disk_req *dr, int ret)
{
	struct nbd_req *r = container_of(dr, struct nbd_req, dr);
	struct nbd_client *c = r->c;
	struct disk *d = c->w->disk;

	if (!ret && r->fua) { /* FUA: durable before the reply */
		r->fua = false;
		r->dr = (struct disk_req){ .op = DISK_OP_FLUSH,
					   .done = req_done };
		ret = d->ops->submit(d, &r->dr);
		if (!ret)
			return;
	}
	c->inflight--;
	c->inflight_bytes -= r->len;
	if (!c->dead) {
		if (r->type == NBD_CMD_READ)
			reply_read(r, ret);
		else if (simple_reply(c, r->cookie, ret ? wire_errno(ret) : 0))
			nbd_drop(c);
		if (!c->dead && nbd_flush_out(c))
			nbd_drop(c);
	}
	nbd_req_free(r);
}

static void submit(struct nbd_client *c, struct nbd_req *r)
{
	struct disk *d = c->w->disk;
	int ret;

	r->dr.done = req_done;
	c->inflight++;
	c->inflight_bytes += r->len;
	ret = d->ops->submit(d, &r->dr);
	if (ret) {
		req_done(&r->dr, ret); /* refused at once: reply now */
		return;
	}
	/*
	 * At once, not batched: a read of cached data then completes inside
	 * the kick and its reply goes out while the buffer is still in the
	 * CPU's cache, and the client gets its first replies soonest.
	 */
	d->ops->kick(d);
	d->ops->complete(d);
}

/* The checks every request gets; 0 or an NBD error for the reply. */
static u32 check(struct nbd_client *c, const struct nbd_req *r)
{
	u64 size = c->srv->size;
	bool write = r->type == NBD_CMD_WRITE || r->type == NBD_CMD_TRIM ||
		     r->type == NBD_CMD_WRITE_ZEROES;

	if (r->type == NBD_CMD_FLUSH)
		return 0;
	if (!r->len || r->offset > size || r->len > size - r->offset)
		return NBD_EINVAL;
	if (write && c->srv->cfg.readonly)
		return NBD_EPERM;
	if (r->type == NBD_CMD_READ && r->len > NBD_MAX_PAYLOAD)
		return NBD_EOVERFLOW;
	return 0;
}

static int start_read(struct nbd_client *c, struct nbd_req *r)
{
	r->hdr_len =
		c->structured ? NBD_STRUCT_REPLY_LEN + 8 : NBD_SIMPLE_REPLY_LEN;
	r->reply = nbd_buf_new(r->hdr_len + r->len);
	if (!r->reply)
		return -1;
	r->iov = (struct iovec){ r->reply->data + r->hdr_len, r->len };
	r->dr = (struct disk_req){ .op = DISK_OP_READ,
				   .offset = r->offset,
				   .len = r->len,
				   .iov = &r->iov,
				   .iovcnt = 1 };
	submit(c, r);
	return 0;
}

/* base:allocation for [offset, offset + len), as one chunk. */
static int block_status(struct nbd_client *c, struct nbd_req *r)
{
	u64 off = r->offset, end = r->offset + r->len, run;
	u32 n = 0, max = (r->flags & NBD_CMD_FLAG_REQ_ONE) ? 1 : MAX_EXTENTS;
	u8 *b = malloc(NBD_STRUCT_REPLY_LEN + 4 + 8 * MAX_EXTENTS), *e;
	u32 flags, st;
	int ret = 0;

	if (!b)
		return -1;
	e = b + NBD_STRUCT_REPLY_LEN + 4;
	while (off < end && n < max) {
		ret = disk_block_status(c->w->disk, off, end - off, &run,
					&flags);
		if (ret)
			break;
		st = (flags & DISK_ST_HOLE ? NBD_STATE_HOLE : 0) |
		     (flags & DISK_ST_ZERO ? NBD_STATE_ZERO : 0);
		if (n && nbd_get32(e + 8 * (n - 1) + 4) == st) {
			nbd_put32(e + 8 * (n - 1),
				  nbd_get32(e + 8 * (n - 1)) + run);
		} else {
			nbd_put32(e + 8 * n, run);
			nbd_put32(e + 8 * n + 4, st);
			n++;
		}
		off += run;
	}
	if (!n) {
		free(b);
		return error_chunk(c, r->cookie, wire_errno(ret ? ret : -EIO));
	}
	chunk_header(b, NBD_REPLY_TYPE_BLOCK_STATUS, r->cookie, 4 + 8 * n);
	nbd_put32(b + NBD_STRUCT_REPLY_LEN, NBD_META_ID);
	ret = nbd_send(c, b, NBD_STRUCT_REPLY_LEN + 4 + 8 * n);
	free(b);
	return ret;
}

/* A whole request (a write's data included): answer or submit it. */
static int handle(struct nbd_client *c, struct nbd_req *r)
{
	u32 err = check(c, r);
	int ret;

	if (!err && r->type == NBD_CMD_BLOCK_STATUS &&
	    (!c->structured || !c->meta))
		err = NBD_EINVAL;
	if (err || r->type == NBD_CMD_BLOCK_STATUS) {
		ret = err ? error_reply(c, r->cookie, r->type, err) :
			    block_status(c, r);
		nbd_req_free(r);
		return ret;
	}
	r->fua = (r->flags & NBD_CMD_FLAG_FUA) && r->type != NBD_CMD_READ;
	r->dr = (struct disk_req){ .offset = r->offset, .len = r->len };
	switch (r->type) {
	case NBD_CMD_READ:
		return start_read(c, r);
	case NBD_CMD_WRITE:
		r->iov = (struct iovec){ r->payload, r->len };
		r->dr.op = DISK_OP_WRITE;
		r->dr.iov = &r->iov;
		r->dr.iovcnt = 1;
		break;
	case NBD_CMD_FLUSH:
		r->dr = (struct disk_req){ .op = DISK_OP_FLUSH };
		r->len = 0;
		break;
	case NBD_CMD_TRIM:
		r->dr.op = DISK_OP_DISCARD;
		r->len = 0;
		break;
	case NBD_CMD_WRITE_ZEROES:
		r->dr.op = DISK_OP_WRITE_ZEROES;
		r->dr.unmap = !(r->flags & NBD_CMD_FLAG_NO_HOLE);
		r->len = 0;
		break;
	}
	submit(c, r);
	return 0;
}

static int header(struct nbd_client *c)
{
	struct nbd_req *r;
	u64 cookie;

	if (nbd_get32(c->hdr) != NBD_REQUEST_MAGIC) {
		nbd_client_log(c, "bad request magic; dropped");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->c = c;
	r->flags = nbd_get16(c->hdr + 4);
	r->type = nbd_get16(c->hdr + 6);
	r->cookie = nbd_get64(c->hdr + 8);
	r->offset = nbd_get64(c->hdr + 16);
	r->len = nbd_get32(c->hdr + 24);
	switch (r->type) {
	case NBD_CMD_DISC:
		c->closing = true; /* what is in flight still finishes */
		nbd_req_free(r);
		return 0;
	case NBD_CMD_WRITE:
		if (!r->len)
			return handle(c, r);
		if (r->len > NBD_MAX_PAYLOAD) {
			nbd_client_log(c, "write of %u bytes; dropped", r->len);
			nbd_req_free(r);
			return -1;
		}
		r->payload = malloc(r->len);
		if (!r->payload) {
			nbd_req_free(r);
			return -1;
		}
		c->req = r;
		c->st = NBD_ST_REQ_PAYLOAD;
		nbd_rx_expect(c, r->payload, r->len);
		return 0;
	case NBD_CMD_READ:
	case NBD_CMD_FLUSH:
	case NBD_CMD_TRIM:
	case NBD_CMD_WRITE_ZEROES:
	case NBD_CMD_BLOCK_STATUS:
		return handle(c, r);
	}
	cookie = r->cookie;
	nbd_req_free(r);
	return error_reply(c, cookie, NBD_CMD_FLUSH, NBD_EINVAL);
}

int nbd_trans_step(struct nbd_client *c)
{
	struct nbd_req *r = c->req;
	int ret;

	if (c->st == NBD_ST_REQ_PAYLOAD) {
		c->req = NULL;
		ret = handle(c, r);
	} else {
		ret = header(c);
	}
	if (!ret && c->st == NBD_ST_REQ_PAYLOAD && c->req)
		return 0; /* the data comes next */
	nbd_trans_start(c);
	return ret;
}
