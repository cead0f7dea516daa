/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_FUSE_DRV_H
#define SQUEEZE_TEST_FUSE_DRV_H

#include <linux/fuse.h>

#include "tests/driver/lib/driver.h"
#include "virtio/fs/fs.h"

/*
 * A virtio-fs driver on the in-process virtio driver: what Linux's
 * virtiofs does, minus the VFS. Each FUSE request is one chain on the
 * request queue (queue 1):
 *
 *   [in header + arguments] [data to write]   device-readable
 *   [out header + results]  [data to read]    device-writable
 *
 * Headers and arguments live in a per-descriptor slot of guest RAM the
 * driver owns; data buffers are the caller's (drv_alloc()). Every reply
 * is checked: length, unique id, error in range.
 */

#define FUSE_DRV_QUEUE	    1	 /* the request queue */
#define FUSE_DRV_SLOT_HALF  4096 /* in part, then out part */
#define FUSE_DRV_TIMEOUT_MS 10000

struct fuse_drv_req {
	u32 opcode;
	u64 nodeid;
	const void *in; /* arguments after fuse_in_header */
	u32 in_len;
	struct drv_buf data_in;	 /* len 0: none */
	u32 out_len;		 /* result bytes after fuse_out_header */
	struct drv_buf data_out; /* len 0: none */
	/* Filled in when the reply arrives. */
	s32 error;	 /* 0 or -errno from the server */
	u32 reply_len;	 /* fuse_out_header.len */
	const void *out; /* results, in the slot */
	u64 unique;
};

struct fuse_drv {
	struct drv_env *env;
	struct drv_dev dev;
	struct drv_vq *req;
	char tag[FS_TAG_MAX + 1];
	u32 num_request_queues;
	struct fuse_init_out init;
	u64 next_unique;
	u64 slot_gpa; /* 2 * FUSE_DRV_SLOT_HALF per head */
	u8 *slot;
	struct fuse_drv_req *inflight[VQ_MAX_SIZE]; /* by head */
	unsigned int nr_inflight;
};

/*
 * Probe the @index-th virtio-fs function, read tag and queue count, bring
 * both queues up (size @queue_size, 0: the offered maximum).
 */
int fuse_drv_open(struct fuse_drv *f, struct drv_env *env, unsigned int index,
		  u16 queue_size);

/* Queue @r (no kick); the head, or -ENOSPC / -EINVAL. */
int fuse_drv_submit(struct fuse_drv *f, struct fuse_drv_req *r);
void fuse_drv_kick(struct fuse_drv *f);
/*
 * Wait for one reply: 0 with *@r the finished request; -ETIMEDOUT;
 * -EPROTO for a reply that breaks the protocol (the test fails then).
 */
int fuse_drv_reap(struct fuse_drv *f, int timeout_ms, struct fuse_drv_req **r);
/* Submit, kick, wait for it: its error (0 or -errno), or -ETIMEDOUT... */
int fuse_drv_call(struct fuse_drv *f, struct fuse_drv_req *r);

/* FUSE_INIT; the server's answer in f->init. */
int fuse_drv_init(struct fuse_drv *f);
int fuse_drv_lookup(struct fuse_drv *f, u64 parent, const char *name,
		    struct fuse_entry_out *e);
int fuse_drv_getattr(struct fuse_drv *f, u64 node, struct fuse_attr_out *a);
/* FUSE_OPEN (or FUSE_OPENDIR with @dir): the handle in *@fh. */
int fuse_drv_open_node(struct fuse_drv *f, u64 node, u32 flags, bool dir,
		       u64 *fh);
int fuse_drv_release(struct fuse_drv *f, u64 node, u64 fh, bool dir);
/* Bytes read into guest RAM at @gpa, or -errno. */
int fuse_drv_read(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		  u32 len);
/* Bytes written from guest RAM at @gpa, or -errno. */
int fuse_drv_write(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		   u32 len);
int fuse_drv_flush(struct fuse_drv *f, u64 node, u64 fh);
int fuse_drv_create(struct fuse_drv *f, u64 parent, const char *name, u32 flags,
		    u32 mode, struct fuse_entry_out *e, u64 *fh);
/* FUSE_READDIR from @off: bytes of fuse_dirent records at @gpa. */
int fuse_drv_readdir(struct fuse_drv *f, u64 node, u64 fh, u64 off, u64 gpa,
		     u32 size);
/* The link target, NUL-terminated, into @buf of @size. */
int fuse_drv_readlink(struct fuse_drv *f, u64 node, char *buf, u32 size);
/* FUSE_DESTROY: the session ends (a later FUSE_INIT starts a new one). */
int fuse_drv_destroy(struct fuse_drv *f);

#endif
