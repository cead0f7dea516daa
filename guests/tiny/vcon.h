/* SPDX-License-Identifier: MIT */
#ifndef TINY_VCON_H
#define TINY_VCON_H

/*
 * A minimal multiport virtio-console driver for the tiny guests, polled:
 * DEVICE_READY, PORT_READY for each port the device adds, the names it
 * gives them, and writes to a port by name.
 */
#include "virtio.h"

#define VIRTIO_ID_CONSOLE 3
#define VCON_MAX_PORTS	  7
#define VCON_NAME_LEN	  32

struct vcon {
	struct virtio_pci vp;
	u32 nr_ports;
	struct virtq ctl_rx, ctl_tx;
	struct virtq tx[VCON_MAX_PORTS];
	bool tx_up[VCON_MAX_PORTS];
	char name[VCON_MAX_PORTS][VCON_NAME_LEN];
	bool host_open[VCON_MAX_PORTS];
};

/*
 * Probe, negotiate MULTIPORT, and handle control messages until @nr
 * ports have names (bounded by VIRTQ_TIMEOUT_TSC per message). 0, or a
 * negative enum virtio_err; @why says which step.
 */
int vcon_open(struct vcon *c, unsigned int nr, const char **why);
/* The port named @name, or -1. */
int vcon_port(const struct vcon *c, const char *name);
/* Write @len bytes to port @port and wait until the device took them. */
int vcon_write(struct vcon *c, int port, const void *buf, u32 len);

#endif
