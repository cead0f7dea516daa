/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_NET_INT_H
#define SQUEEZE_VIRTIO_NET_INT_H

#include "devices/net/net_backend.h"
#include "virtio/net/net.h"
#include "virtio/net/net_hdr.h"
#include "vmm/core/iothread.h"

/*
 * Internals shared by virtio/net/net.c (device model, lifecycle) and
 * virtio/net/net_io.c (the I/O thread). Queue 0 receives, queue 1 transmits.
 */

#define NET_RXQ 0
#define NET_TXQ 1

/* A receive chain popped and held, not yet used. */
struct net_rx_held {
	u16 head;
	u16 niov; /* its segments in net_rx.iov[] */
	u32 cap;  /* bytes it can take */
};

/*
 * Receive state. Chains are popped ahead (enough for the last frame's
 * size) and the backend is read straight into their segments, with a
 * bounce buffer behind them for the part of a bigger frame that does
 * not fit; that part is then copied into further chains.
 */
struct net_rx {
	struct net_rx_held held[VQ_MAX_SIZE];
	unsigned int nheld;
	struct iovec *iov; /* held segments, then the bounce */
	unsigned int niov;
	u64 cap;		/* sum of held[].cap */
	size_t want;		/* space to hold before a read */
	bool kick_on;		/* we asked for rx kicks */
	struct vq_chain *chain; /* scratch for vq_pop */
	u8 *bounce;		/* NET_HDR_LEN + NET_MAX_FRAME */
	/* The frame in progress; len 0: none. */
	size_t len;	      /* with its header */
	size_t placed;	      /* bytes in guest buffers */
	size_t bounce_base;   /* frame offset of bounce[0] */
	unsigned int nfilled; /* held chains it used */
	unsigned int nused;   /* all chains it used */
	struct net_hdr hdr;
	u16 used_head[VQ_MAX_SIZE];
	u32 used_len[VQ_MAX_SIZE];
};

struct virtio_net {
	struct virtio_dev vdev;
	struct net_backend nb;
	u8 mac[6];
	u64 features;	    /* acked, fixed at activate */
	struct iothread io; /* from create to destroy */
	/* The I/O thread's alone (see iothread_call()). */
	bool running;	 /* between activate and reset */
	bool tap_polled; /* EPOLLIN wanted on the backend fd */
	bool tx_more;	 /* tx budget ran out: go again */
	bool broken;	 /* NEEDS_RESET: touch no queue */
	/* The backend died (tap deleted): never polled again, link down. */
	bool backend_gone; /* atomic: read by the config reader */
	bool frozen;	   /* quiesced for a snapshot */
	struct net_rx rx;
	struct vq_chain *tx_chain;
	struct iovec *tx_iov;	       /* header + chain segments */
	struct virtio_net_stats stats; /* written by the thread only */
	u64 wake_ns;		       /* this wakeup began (vdev.timed) */
};

/* net_io.c */
extern const struct iothread_ops net_io_ops;
/* Activate: the I/O thread takes both queues. 0 or -errno. */
int net_io_start(struct virtio_net *net);
/* Reset: the I/O thread forgets both queues. */
void net_io_stop(struct virtio_net *net);
/* Snapshot: give back held receive buffers, leave the queues (on) or go on. */
int net_io_quiesce(struct virtio_net *net, bool on);
void net_stat_add(u64 *counter, u64 v);
void net_break(struct virtio_net *net, const char *why);
void net_backend_poll(struct virtio_net *net, bool on);
/*
 * Did the backend fail for good with @err (-EBADFD, -ENODEV, -EIO: the
 * tap was deleted)? Then stop polling it, warn once and report the link
 * down with a configuration change interrupt; the VM goes on. Returns
 * true when @err was such an error.
 */
bool net_backend_failed(struct virtio_net *net, int err);

/* net_rx.c */
void net_rx_process(struct virtio_net *net);
/* Forget held chains and any frame in progress (device reset). */
void net_rx_reset(struct virtio_net *net);
/* Give the chains held or filling back to the ring, unseen (snapshot). */
void net_rx_give_back(struct virtio_net *net);

#endif
