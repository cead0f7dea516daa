/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_NET_INT_H
#define SQUEEZE_VIRTIO_NET_INT_H

#include <pthread.h>

#include "devices/net_backend.h"
#include "virtio/net.h"
#include "virtio/net_hdr.h"

/*
 * Internals shared by virtio/net.c (device model, lifecycle) and
 * virtio/net_io.c (the I/O thread). Queue 0 receives, queue 1 transmits.
 */

#define NET_RXQ 0
#define NET_TXQ 1

/* A frame read from the backend, on its way into guest buffers. */
struct net_rx {
	u8 *buf;			/* NET_HDR_SIZE + NET_MAX_FRAME */
	size_t len;			/* bytes in buf; 0: no frame */
	size_t off;			/* bytes already copied to the guest */
	struct net_hdr hdr;		/* translated header, for chain 0 */
	bool have_first;		/* first chain popped and held */
	unsigned int nbufs;		/* chains held for this frame */
	struct vq_chain *first;		/* holds the header */
	struct vq_chain *next;		/* scratch for merged buffers */
	u16 heads[VQ_MAX_SIZE];
	u32 lens[VQ_MAX_SIZE];
};

struct virtio_net {
	struct virtio_dev vdev;
	struct net_backend nb;
	u8 mac[6];
	u64 features;			/* acked, fixed at activate */
	/* I/O thread, between activate and reset. */
	pthread_t thread;
	bool running;
	int stop_fd;			/* eventfd: the thread must return */
	int epfd;
	bool tap_polled;		/* EPOLLIN wanted on the backend fd */
	bool tx_more;			/* tx budget ran out: go again */
	bool broken;			/* NEEDS_RESET: touch no queue */
	struct net_rx rx;
	struct vq_chain *tx_chain;
	struct iovec *tx_iov;		/* header + chain segments */
	struct virtio_net_stats stats;	/* written by the thread only */
};

/* net_io.c */
int net_io_start(struct virtio_net *net);
void net_io_stop(struct virtio_net *net);

#endif
