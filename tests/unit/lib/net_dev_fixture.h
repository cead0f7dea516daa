/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_NET_DEV_FIXTURE_H
#define SQUEEZE_TEST_NET_DEV_FIXTURE_H

/*
 * The fixture of tests/unit/test_net_dev*.c: the virtio-net device model
 * and I/O thread against a fake backend (a SOCK_SEQPACKET socketpair
 * keeps frame boundaries), with rings built by hand in malloc'ed guest
 * RAM: no transport, no KVM, no tap. Part of the unit tests' fixture
 * library (tests/unit/lib, libunit.a).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/net/net_backend.h"
#include "virtio/net/net.h"
#include "virtio/net/net_hdr.h"

#define F(b)	 (1ULL << (b))
#define RAM_GPA	 0x100000ULL
#define RAM_SIZE (4 * MiB)
#define QSZ	 16
#define DATA_GPA (RAM_GPA + 64 * 1024)

struct fake {
	int peer; /* the "host" end */
	int dev;  /* the device's end */
	unsigned int offloads;
	int nr_set_offload;
};
ssize_t fake_send(struct net_backend *nb, const struct iovec *iov, int n);
ssize_t fake_recv(struct net_backend *nb, const struct iovec *iov, int n);
int fake_set_offload(struct net_backend *nb, unsigned int o);
void fake_close(struct net_backend *nb);

extern const struct net_backend_ops fake_ops;

/* A hand-made split ring in guest RAM. */
struct ring {
	struct virtqueue *vq;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 next_desc, avail_idx, last_used;
};

struct env {
	struct guest_mem mem;
	u8 *ram;
	struct fake fake;
	struct virtio_net *net;
	struct virtio_dev *vd;
	struct ring q[2];
	u64 data_next;
};
void *gptr(struct env *e, u64 gpa);

/* Guest buffer of @len bytes; returns its gpa. */
u64 galloc(struct env *e, u32 len);
void ring_init(struct env *e, unsigned int i);
void net_fixture_setup(struct env *e, u64 features);
void net_fixture_teardown(struct env *e);

/* Post a chain of @n buffers (@lens) on queue @qi, writable for rx. */
u16 post(struct env *e, unsigned int qi, const u64 *gpa, const u32 *lens,
	 unsigned int n, bool writable);
void kick(struct env *e, unsigned int qi);
bool wait_fd(int fd, int ms);

/* Wait for the interrupt, return how many were coalesced into it. */
u64 wait_call(struct env *e, unsigned int qi);
struct vring_used_elem used(struct env *e, unsigned int qi);
void frame_fill(u8 *f, size_t len, u8 seed);

#endif
