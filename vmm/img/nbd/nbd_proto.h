/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_NBD_PROTO_H
#define SQUEEZE_NBD_PROTO_H

#include "vmm/base/types.h"

/*
 * The NBD protocol (NetworkBlockDevice/nbd doc/proto.md), the parts
 * `squeeze img serve` speaks: the fixed newstyle handshake, options
 * EXPORT_NAME, ABORT, LIST, INFO, GO, STRUCTURED_REPLY, LIST_META_CONTEXT
 * and SET_META_CONTEXT (base:allocation), simple and structured replies.
 * Every number on the wire is big-endian.
 */

#define NBD_MAGIC	       0x4e42444d41474943ULL /* "NBDMAGIC" */
#define NBD_IHAVEOPT	       0x49484156454f5054ULL /* "IHAVEOPT" */
#define NBD_OPT_REPLY_MAGIC    0x0003e889045565a9ULL
#define NBD_REQUEST_MAGIC      0x25609513U
#define NBD_SIMPLE_REPLY_MAGIC 0x67446698U
#define NBD_STRUCT_REPLY_MAGIC 0x668e33efU

/* Handshake flags (server) and client flags. */
#define NBD_FLAG_FIXED_NEWSTYLE (1U << 0)
#define NBD_FLAG_NO_ZEROES	(1U << 1)

/* Options. */
#define NBD_OPT_EXPORT_NAME	  1
#define NBD_OPT_ABORT		  2
#define NBD_OPT_LIST		  3
#define NBD_OPT_STARTTLS	  5
#define NBD_OPT_INFO		  6
#define NBD_OPT_GO		  7
#define NBD_OPT_STRUCTURED_REPLY  8
#define NBD_OPT_LIST_META_CONTEXT 9
#define NBD_OPT_SET_META_CONTEXT  10

/* Option replies. */
#define NBD_REP_ACK	     1
#define NBD_REP_SERVER	     2
#define NBD_REP_INFO	     3
#define NBD_REP_META_CONTEXT 4
#define NBD_REP_ERR	     (1U << 31)
#define NBD_REP_ERR_UNSUP    (NBD_REP_ERR + 1)
#define NBD_REP_ERR_POLICY   (NBD_REP_ERR + 2)
#define NBD_REP_ERR_INVALID  (NBD_REP_ERR + 3)
#define NBD_REP_ERR_UNKNOWN  (NBD_REP_ERR + 6)
#define NBD_REP_ERR_SHUTDOWN (NBD_REP_ERR + 7)
#define NBD_REP_ERR_TOO_BIG  (NBD_REP_ERR + 9)

/* NBD_REP_INFO types. */
#define NBD_INFO_EXPORT	     0
#define NBD_INFO_NAME	     1
#define NBD_INFO_DESCRIPTION 2
#define NBD_INFO_BLOCK_SIZE  3

/* Transmission flags. */
#define NBD_FLAG_HAS_FLAGS	   (1U << 0)
#define NBD_FLAG_READ_ONLY	   (1U << 1)
#define NBD_FLAG_SEND_FLUSH	   (1U << 2)
#define NBD_FLAG_SEND_FUA	   (1U << 3)
#define NBD_FLAG_SEND_TRIM	   (1U << 5)
#define NBD_FLAG_SEND_WRITE_ZEROES (1U << 6)
#define NBD_FLAG_SEND_DF	   (1U << 7)
#define NBD_FLAG_CAN_MULTI_CONN	   (1U << 8)

/* Commands and their flags. */
#define NBD_CMD_READ	     0
#define NBD_CMD_WRITE	     1
#define NBD_CMD_DISC	     2
#define NBD_CMD_FLUSH	     3
#define NBD_CMD_TRIM	     4
#define NBD_CMD_WRITE_ZEROES 6
#define NBD_CMD_BLOCK_STATUS 7
#define NBD_CMD_FLAG_FUA     (1U << 0)
#define NBD_CMD_FLAG_NO_HOLE (1U << 1)
#define NBD_CMD_FLAG_DF	     (1U << 2)
#define NBD_CMD_FLAG_REQ_ONE (1U << 3)

/* Structured reply chunk types and flags. */
#define NBD_REPLY_FLAG_DONE	    (1U << 0)
#define NBD_REPLY_TYPE_NONE	    0
#define NBD_REPLY_TYPE_OFFSET_DATA  1
#define NBD_REPLY_TYPE_BLOCK_STATUS 5
#define NBD_REPLY_TYPE_ERROR	    ((1U << 15) + 1)

/* base:allocation states. */
#define NBD_STATE_HOLE (1U << 0)
#define NBD_STATE_ZERO (1U << 1)

/* Errors on the wire (Linux's values, by the spec). */
#define NBD_EPERM     1
#define NBD_EIO	      5
#define NBD_ENOMEM    12
#define NBD_EINVAL    22
#define NBD_ENOSPC    28
#define NBD_EOVERFLOW 75
#define NBD_ENOTSUP   95
#define NBD_ESHUTDOWN 108

#define NBD_REQUEST_LEN	     28
#define NBD_SIMPLE_REPLY_LEN 16
#define NBD_STRUCT_REPLY_LEN 20
#define NBD_OPT_HEADER_LEN   16
#define NBD_OPT_REPLY_LEN    20

/* Limits squeeze announces and holds clients to. */
#define NBD_MAX_PAYLOAD	    (32 * MiB) /* a READ or WRITE */
#define NBD_MAX_OPTION	    (64 * KiB) /* option data */
#define NBD_META_ALLOCATION "base:allocation"
#define NBD_META_ID	    1

static inline void nbd_put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void nbd_put32(u8 *p, u32 v)
{
	nbd_put16(p, v >> 16);
	nbd_put16(p + 2, v);
}

static inline void nbd_put64(u8 *p, u64 v)
{
	nbd_put32(p, v >> 32);
	nbd_put32(p + 4, v);
}

static inline u16 nbd_get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 nbd_get32(const u8 *p)
{
	return (u32)nbd_get16(p) << 16 | nbd_get16(p + 2);
}

static inline u64 nbd_get64(const u8 *p)
{
	return (u64)nbd_get32(p) << 32 | nbd_get32(p + 4);
}

#endif
