/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VU_PROTO_H
#define SQUEEZE_VU_PROTO_H

/*
 * The vhost-user protocol on the wire (QEMU's docs/interop/vhost-user.rst):
 * a 12-byte header (request, flags, payload size) then the payload, over a
 * Unix stream socket, file descriptors riding along as SCM_RIGHTS. All
 * numbers are in host byte order. Only what squeeze sends or reads is
 * here.
 */

#include "vmm/base/types.h"

/* Front-end requests. */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
};

/* Header flags: version in bits 0-1, then reply and need-reply. */
#define VU_VERSION	   0x1
#define VU_VERSION_MASK	   0x3
#define VU_FLAG_REPLY	   (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)

/* The virtio feature bit that says protocol features exist (unused by virtio). */
#define VU_F_PROTOCOL_FEATURES 30

/* Protocol feature bits. */
#define VU_PROTOCOL_F_MQ	0
#define VU_PROTOCOL_F_REPLY_ACK 3
#define VU_PROTOCOL_F_CONFIG	9

/* SET_VRING_KICK/CALL/ERR payload: the queue index (bit 8, "no fd,
 * poll", is never sent). */
#define VU_VRING_INDEX_MASK 0xff

#define VU_MAX_REGIONS 8 /* SET_MEM_TABLE, one fd each */
#define VU_MAX_FDS     VU_MAX_REGIONS
#define VU_CONFIG_MAX  256 /* GET_CONFIG payload bytes */

struct vu_hdr {
	u32 request;
	u32 flags;
	u32 size; /* payload bytes that follow */
} __packed;

struct vu_vring_state {
	u32 index;
	u32 num;
} __packed;

/* Ring addresses are the front-end's own (user) addresses. */
struct vu_vring_addr {
	u32 index;
	u32 flags;
	u64 desc;
	u64 used;
	u64 avail;
	u64 log;
} __packed;

struct vu_mem_region {
	u64 gpa;
	u64 size;
	u64 uaddr;	 /* where the front-end mapped it */
	u64 mmap_offset; /* where it starts in the fd */
} __packed;

struct vu_mem_table {
	u32 nr;
	u32 padding;
	struct vu_mem_region region[VU_MAX_REGIONS];
} __packed;

struct vu_config {
	u32 offset;
	u32 size;
	u32 flags;
	u8 data[VU_CONFIG_MAX];
} __packed;

#define VU_CONFIG_HDR_SIZE 12 /* offset, size, flags */

union vu_payload {
	u64 u64;
	struct vu_vring_state state;
	struct vu_vring_addr addr;
	struct vu_mem_table mem;
	struct vu_config config;
};

struct vu_msg {
	struct vu_hdr hdr;
	union vu_payload p;
} __packed;

#endif
