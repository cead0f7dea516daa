/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_NET_BACKEND_H
#define SQUEEZE_NET_BACKEND_H

#include <net/if.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * Where a virtio-net device's frames go on the host. virtio/net/net.c talks
 * to it only through struct net_backend_ops; devices/net/tap.c is the real
 * one, unit tests plug in a socketpair.
 *
 * Every frame, both ways, is preceded by a NET_HDR_LEN-byte vnet header
 * (struct virtio_net_hdr_v1 layout, little-endian): the tap is opened
 * with IFF_VNET_HDR and TUNSETVNETHDRSZ 12.
 */

#define NET_HDR_LEN 12

/* Offloads the receiver (our guest) accepts; TUN_F_* values. */
#define NET_OFFLOAD_CSUM 0x01
#define NET_OFFLOAD_TSO4 0x02
#define NET_OFFLOAD_TSO6 0x04

struct net_options {
	const char *tap;    /* "" or NULL: the kernel picks sqz%d */
	const char *bridge; /* "" or NULL: no bridging */
};

struct net_backend;

struct net_backend_ops {
	const char *name;
	/* 0 or -errno with one line in @err; nothing is left on failure. */
	int (*open)(struct net_backend *nb, const struct net_options *o,
		    struct err *err);
	/* One frame (header first); bytes written or -errno. */
	ssize_t (*send)(struct net_backend *nb, const struct iovec *iov, int n);
	/* One frame (header first); bytes read, -EAGAIN when none waits. */
	ssize_t (*recv)(struct net_backend *nb, const struct iovec *iov, int n);
	/* Which NET_OFFLOAD_* frames the backend may hand us. */
	int (*set_offload)(struct net_backend *nb, unsigned int offloads);
	/* Undo everything open did on the host. */
	void (*close)(struct net_backend *nb);
};

struct net_backend {
	const struct net_backend_ops *ops;
	int fd;		       /* non-blocking, pollable */
	char ifname[IFNAMSIZ]; /* the tap's name, once open */
	void *priv;
};

extern const struct net_backend_ops tap_backend_ops;

/*
 * Bridge helpers (devices/net/bridge.c). @bridge names a Linux bridge or an
 * Open vSwitch bridge. bridge_check() runs before anything is created so
 * a typo leaves nothing behind. 0 or -errno with one line in @err.
 */
enum bridge_kind { BRIDGE_LINUX, BRIDGE_OVS };

int bridge_check(const char *bridge, enum bridge_kind *kind, struct err *err);
int bridge_add_port(const char *bridge, enum bridge_kind kind, const char *port,
		    struct err *err);
int bridge_del_port(const char *bridge, enum bridge_kind kind,
		    const char *port);
/* Bring @ifname up (SIOCSIFFLAGS). */
int netif_set_up(const char *ifname, struct err *err);
/* " (CAP_NET_ADMIN is needed)" for -EPERM / -EACCES, else "". */
const char *netif_cap_hint(int ret);

#endif
