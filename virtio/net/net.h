/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_NET_H
#define SQUEEZE_VIRTIO_NET_H

#include <net/if.h>

#include "virtio/core/virtio.h"
#include "vmm/base/err.h"
#include "vmm/base/hist.h"

struct iothread;
struct net_backend;

/* A virtio-net device: its host side (tap, bridge) and its MAC. */
struct virtio_net_options {
	char bridge[IFNAMSIZ]; /* "" unless bridge= */
	char tap[IFNAMSIZ];    /* "" unless tap= */
	u8 mac[6];
	bool has_mac;
	const char *vm_name; /* for its thread's name, or NULL */
};

struct virtio_net;

/*
 * Create (or attach to) the tap @c describes, enslave it to the bridge if
 * asked, and make a virtio-net device on it. @index is the device number
 * (eth0 = 0), used for the default MAC and the I/O thread's name, "net0".
 * NULL with @err set on failure; nothing is left behind on the host then.
 */
struct virtio_net *virtio_net_create(const struct guest_mem *mem,
				     const struct virtio_net_options *c,
				     unsigned int index, struct err *err);
struct virtio_dev *virtio_net_vdev(struct virtio_net *net);
/* Its host backend (the tap). */
struct net_backend *virtio_net_backend(struct virtio_net *net);
/* Its I/O thread (to run a function on it, see iothread_call()). */
struct iothread *virtio_net_iothread(struct virtio_net *net);
/* Stops the I/O thread, removes what it created on the host, frees. */
void virtio_net_destroy(struct virtio_net *net);

/*
 * Frame counters since create; every frame not delivered is a drop. With
 * the device's vdev.timed, each frame's time in squeeze: transmit, from
 * its pop to its write to the tap; receive, from the wakeup that found it
 * on the tap to its push. All u64, copied counter by counter.
 */
struct virtio_net_stats {
	u64 tx_frames, tx_bytes, tx_dropped;
	u64 rx_frames, rx_bytes, rx_dropped;
	struct hist tx_latency, rx_latency; /* ns */
};
void virtio_net_stats(struct virtio_net *net, struct virtio_net_stats *s);

/* The host interface name (the tap), e.g. to check it is gone later. */
const char *virtio_net_ifname(struct virtio_net *net);

/* The MAC the device reports. */
void virtio_net_mac(struct virtio_net *net, u8 mac[6]);

/*
 * The MAC used without mac=: 02 (locally administered, unicast) followed
 * by 40 bits of an FNV-1a hash of (@index, bridge name, tap name), so the
 * same command line always gets the same address. Two VMs on one bridge
 * with identical --net options therefore need tap= or mac= to differ.
 */
void virtio_net_default_mac(const struct virtio_net_options *c,
			    unsigned int index, u8 mac[6]);

struct net_backend;
/*
 * A device on an already opened backend, which it takes over (closed by
 * virtio_net_destroy, and on failure). For tests with a fake backend.
 */
struct virtio_net *virtio_net_create_backend(const struct guest_mem *mem,
					     struct net_backend *nb,
					     const u8 mac[6],
					     const char *thread_name,
					     struct err *err);

#endif
