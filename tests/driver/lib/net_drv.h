/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_NET_DRV_H
#define SQUEEZE_TEST_NET_DRV_H

#include "tests/driver/lib/driver.h"
#include "virtio/net/net.h"
#include "virtio/net/net_hdr.h"

/*
 * A virtio-net driver on the in-process virtio driver, the way Linux's
 * virtio_net uses the two queues: every receive descriptor is one
 * device-writable buffer of rx_buf_len bytes (small, merged with
 * MRG_RXBUF; big enough for a whole 64 KiB frame without it), every
 * transmit is one readable buffer holding header and frame, copied into
 * a per-slot area the driver owns.
 */

#define NET_DRV_FEATURES                                                       \
	((1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |          \
	 (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |     \
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) | \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO4) |                                   \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO6) |                                   \
	 (1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_F_RING_EVENT_IDX))

#define NET_DRV_TX_SLOT (NET_HDR_LEN + NET_MAX_FRAME)

struct net_drv {
	struct drv_env *env;
	struct drv_dev dev;
	struct drv_vq *rxq, *txq;
	u8 mac[6];
	u16 status;
	bool mrg;
	u32 rx_buf_len;
	u64 rx_gpa[VQ_MAX_SIZE];  /* buffer by chain head */
	u64 tx_area;		  /* txq->size slots */
	u16 tx_slot[VQ_MAX_SIZE]; /* slot by chain head */
	u16 tx_free[VQ_MAX_SIZE];
	unsigned int nr_tx_free;
	u64 rx_frames, tx_frames; /* completed */
};

/*
 * Probe the @index-th virtio-net function, negotiate @want, set up both
 * queues of @qsize and post every receive buffer. 0 or -errno.
 */
int net_drv_open(struct net_drv *n, struct drv_env *env, unsigned int index,
		 u64 want, u16 qsize);

/*
 * Queue one frame with header @h (NULL: no offload). Reaps completions
 * (waiting up to 2 s) when every slot is in flight. Does not kick.
 */
int net_drv_send(struct net_drv *n, const struct net_hdr *h, const void *frame,
		 u32 len);
bool net_drv_kick(struct net_drv *n);
/* Collect finished transmits; wait up to @timeout_ms for all of them. */
int net_drv_tx_flush(struct net_drv *n, int timeout_ms);

/*
 * Wait up to @timeout_ms for one received frame: copied (merged) into
 * @buf, at most @cap bytes, header into @h. Buffers are posted again.
 * Returns the frame length (without header), -ETIMEDOUT, -EIO when the
 * device broke the protocol, -EMSGSIZE when it did not fit @cap.
 * h->num_buffers tells how many buffers MRG_RXBUF merged.
 */
int net_drv_recv(struct net_drv *n, struct net_hdr *h, void *buf, u32 cap,
		 int timeout_ms);

#endif
