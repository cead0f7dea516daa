/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_VIRTIO_CONSOLE_INT_H
#define SQUEEZE_VIRTIO_CONSOLE_INT_H

#include "virtio/console/console.h"
#include "vmm/core/iothread.h"

/*
 * Internals shared by console.c (device model, lifecycle), console_ctrl.c
 * (the control queues), console_io.c (the I/O thread, guest to host) and
 * console_rx.c (host to guest).
 * Everything below `io` is the I/O thread's alone (iothread_call()).
 */

/* Control messages a port still owes the driver, sent in this order. */
#define VCON_SEND_ADD  (1u << 0)
#define VCON_SEND_OPEN (1u << 1)
#define VCON_SEND_NAME (1u << 2)

/* epoll tags: a queue's doorbell is its number; host fds come after. */
#define VCON_TAG_FD 0x100 /* | port number */
#define VCON_BUDGET 64	  /* chains per port and pass */

struct vcon_port {
	unsigned int id;
	char name[VCON_NAME_MAX + 1]; /* "" for none */
	int in_fd, out_fd;
	bool in_sock, out_sock; /* use recv/send with MSG_DONTWAIT */
	bool in_file, out_file; /* regular file: never polled */
	/* Control state, from the driver's point of view. */
	unsigned int pending; /* VCON_SEND_* */
	bool added;	      /* DEVICE_ADD sent */
	bool ready;	      /* PORT_READY 1 came */
	bool guest_open;      /* the guest has it open */
	bool host_open;	      /* what PORT_OPEN last said or will */
	/* Data state. */
	bool in_eof;		  /* in_fd ended or failed */
	bool in_wait;		  /* in_fd said EAGAIN: poll it */
	bool out_wait;		  /* out_fd said EAGAIN: poll it */
	bool out_dead;		  /* out_fd failed: discard */
	u32 watched, watched_out; /* epoll events registered */
	bool tx_held;		  /* tx_chain is part written */
	u64 tx_off;		  /* bytes of it written */
	struct vq_chain *tx_chain;
	u64 bytes_in, bytes_out; /* moved, for tests */
};

struct virtio_console {
	struct virtio_dev vdev;
	struct virtio_dev_ops ops; /* nr_queues depends on the ports */
	struct iothread io;
	unsigned int nr_ports;
	bool running;	   /* between activate and reset */
	bool broken;	   /* NEEDS_RESET: touch no queue */
	bool device_ready; /* DEVICE_READY 1 came */
	bool more;	   /* a budget ran out: go again */
	int drain_fd;	   /* eventfd to signal when idle, or -1 */
	void (*out_failed)(void *opaque, unsigned int port);
	void *opaque;
	u16 notify;		/* queues pushed to this pass, bitmap */
	struct vq_chain *chain; /* scratch for vq_pop */
	struct iovec *iov;	/* scratch for part-written chains */
	struct vcon_port port[VCON_MAX_PORTS];
};

/* console_rx.c */
void vcon_port_rx(struct virtio_console *c, struct vcon_port *p);

/* console_io.c */
extern const struct iothread_ops vcon_io_ops;
int vcon_io_start(struct virtio_console *c);
void vcon_io_stop(struct virtio_console *c);
/* Start (@start) or end a drain that signals eventfd @fd when idle. */
void vcon_io_drain(struct virtio_console *c, int fd, bool start);
void vcon_break(struct virtio_console *c, const char *why);
void vcon_push(struct virtio_console *c, unsigned int q, u16 head, u32 len);
/* Guest to host for one port, as far as buffers and the fd allow. */
void vcon_port_tx(struct virtio_console *c, struct vcon_port *p);
/* Register the fd events the port's state wants. */
void vcon_port_watch(struct virtio_console *c, struct vcon_port *p);

/* console_ctrl.c */
/* Messages from the driver (control transmitq). */
void vcon_ctrl_tx(struct virtio_console *c);
/* Owed messages into the driver's buffers (control receiveq). */
void vcon_ctrl_rx(struct virtio_console *c);
/* Tell the driver the host side of @p opened or closed. */
void vcon_set_host_open(struct virtio_console *c, struct vcon_port *p,
			bool open);

#endif
