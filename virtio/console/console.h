/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_CONSOLE_H
#define SQUEEZE_VIRTIO_CONSOLE_H

#include "virtio/core/virtio.h"
#include "vmm/base/err.h"

/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (virtio 1.2 section 5.3):
 * named ports, each joined to host file descriptors. What the guest
 * writes to a port goes to its out_fd; what can be read from its in_fd
 * goes to the guest, only while the guest has the port open (Linux drops
 * data for a closed port) and only into buffers the guest posted: squeeze
 * holds at most one guest chain per port and never buffers data of its
 * own, so a host reader that stops reading makes the guest's writes wait,
 * and a guest that posts nothing is never read for.
 *
 * Host fds: a socket is used with MSG_DONTWAIT; anything else must be
 * non-blocking, or a regular file (always ready). The device does not
 * own them. in_fd reaching EOF tells the guest the host closed the port
 * (PORT_OPEN 0): reads there return end-of-file once the data is read. An
 * out_fd that fails (a reader that went away) discards from then on, so
 * the guest never blocks on it.
 */

#define VIRTIO_ID_CONSOLE	   3
#define VIRTIO_CONSOLE_F_SIZE	   0
#define VIRTIO_CONSOLE_F_MULTIPORT 1

/* Control events, section 5.3.6.2. */
#define VIRTIO_CONSOLE_DEVICE_READY  0
#define VIRTIO_CONSOLE_DEVICE_ADD    1
#define VIRTIO_CONSOLE_DEVICE_REMOVE 2
#define VIRTIO_CONSOLE_PORT_READY    3
#define VIRTIO_CONSOLE_CONSOLE_PORT  4
#define VIRTIO_CONSOLE_RESIZE	     5
#define VIRTIO_CONSOLE_PORT_OPEN     6
#define VIRTIO_CONSOLE_PORT_NAME     7

#define VCON_CTRL_SIZE 8 /* le32 id, le16 event, le16 value */
/* Port 0 and the control pair, then a pair per port: 16 queues. */
#define VCON_MAX_PORTS ((VIRTIO_MAX_QUEUES - 2) / 2)
#define VCON_NAME_MAX  63

/* Queue numbers: port 0 is 0/1, control 2/3, port n > 0 is 2n+2/2n+3. */
static inline unsigned int vcon_rxq(unsigned int port)
{
	return port ? 2 * port + 2 : 0;
}

static inline unsigned int vcon_txq(unsigned int port)
{
	return vcon_rxq(port) + 1;
}

#define VCON_CTRL_RXQ 2 /* device to driver */
#define VCON_CTRL_TXQ 3 /* driver to device */

struct vcon_port_options {
	const char *name; /* sent as PORT_NAME; NULL: none */
	int in_fd;	  /* host to guest; -1: none */
	int out_fd;	  /* guest to host; -1: discarded */
};

struct vcon_options {
	struct vcon_port_options port[VCON_MAX_PORTS];
	unsigned int nr_ports; /* 1..VCON_MAX_PORTS */
	const char *vm_name;   /* for the thread's name, or NULL */
	/*
	 * Called on the I/O thread, once, when a port's out_fd fails (its
	 * reader went away); NULL: nobody needs to know.
	 */
	void (*out_failed)(void *opaque, unsigned int port);
	void *opaque;
};

struct virtio_console;

/*
 * Make virtio-console device @index ("con0" is its I/O thread) with the
 * ports @o lists, numbered from 0. NULL with @err set on failure.
 */
struct virtio_console *virtio_console_create(const struct guest_mem *mem,
					     const struct vcon_options *o,
					     unsigned int index,
					     struct err *err);
struct virtio_dev *virtio_console_vdev(struct virtio_console *c);
/* Its I/O thread (con0), e.g. to confine it. */
struct iothread *virtio_console_iothread(struct virtio_console *c);

/*
 * Wait up to @timeout_ms until every port's transmit queue is empty: all
 * the guest has written so far is on the out_fds (or discarded). 0, or
 * -ETIMEDOUT. Any thread but the device's own.
 */
int virtio_console_drain(struct virtio_console *c, int timeout_ms);

/* Stops the I/O thread, frees. NULL is fine. The fds stay open. */
void virtio_console_destroy(struct virtio_console *c);

#endif
