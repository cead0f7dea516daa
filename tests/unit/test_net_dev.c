// SPDX-License-Identifier: MIT
/*
 * virtio-net device model and I/O thread against a fake backend (a
 * SOCK_SEQPACKET socketpair keeps frame boundaries), with rings built by
 * hand in malloc'ed guest RAM: no transport, no KVM, no tap.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devices/net_backend.h"
#include "virtio/net.h"
#include "virtio/net_hdr.h"

#define F(b) (1ULL << (b))
#define RAM_GPA 0x100000ULL
#define RAM_SIZE (4 * MiB)
#define QSZ 16
#define DATA_GPA (RAM_GPA + 64 * 1024)

struct fake {
	int peer;			/* the "host" end */
	int dev;			/* the device's end */
	unsigned int offloads;
	int nr_set_offload;
};

static ssize_t fake_send(struct net_backend *nb, const struct iovec *iov,
			 int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r = sendmsg(nb->fd, &m, MSG_DONTWAIT);

	return r < 0 ? -errno : r;
}

static ssize_t fake_recv(struct net_backend *nb, const struct iovec *iov,
			 int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r = recvmsg(nb->fd, &m, MSG_DONTWAIT);

	return r < 0 ? -errno : r;
}

static int fake_set_offload(struct net_backend *nb, unsigned int o)
{
	struct fake *f = nb->priv;

	f->offloads = o;
	f->nr_set_offload++;
	return 0;
}

static void fake_close(struct net_backend *nb)
{
	close(nb->fd);
}

static const struct net_backend_ops fake_ops = {
	.name = "fake", .send = fake_send, .recv = fake_recv,
	.set_offload = fake_set_offload, .close = fake_close,
};

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

static void *gptr(struct env *e, u64 gpa)
{
	return guest_mem_ptr(&e->mem, gpa, 1);
}

/* Guest buffer of @len bytes; returns its gpa. */
static u64 galloc(struct env *e, u32 len)
{
	u64 gpa = e->data_next;

	e->data_next = ALIGN_UP(gpa + len, 64);
	cr_assert_leq(e->data_next, RAM_GPA + RAM_SIZE);
	return gpa;
}

static void ring_init(struct env *e, unsigned int i)
{
	struct ring *r = &e->q[i];
	struct virtqueue *vq = &e->vd->vq[i];
	u64 base = RAM_GPA + i * 16384;

	vq->size = QSZ;
	vq->desc_gpa = base;
	vq->avail_gpa = base + 16 * QSZ;
	vq->used_gpa = base + 4096;
	vq->kick_fd = eventfd(0, EFD_NONBLOCK);
	vq->call_fd = eventfd(0, EFD_NONBLOCK);
	cr_assert_eq(vq_enable(vq, virtio_has_feature(e->vd,
					VIRTIO_F_RING_EVENT_IDX)), 0);
	r->vq = vq;
	r->desc = gptr(e, vq->desc_gpa);
	r->avail = gptr(e, vq->avail_gpa);
	r->used = gptr(e, vq->used_gpa);
}

static void setup(struct env *e, u64 features)
{
	static const u8 mac[6] = { 2, 1, 2, 3, 4, 5 };
	struct net_backend nb = { .ops = &fake_ops };
	int sv[2];
	char err[ERR_LEN];

	memset(e, 0, sizeof(*e));
	e->ram = aligned_alloc(4096, RAM_SIZE);
	memset(e->ram, 0, RAM_SIZE);
	cr_assert_eq(guest_mem_add(&e->mem, RAM_GPA, RAM_SIZE, e->ram), 0);
	e->data_next = DATA_GPA;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0,
				sv), 0);
	e->fake.peer = sv[1];
	e->fake.dev = sv[0];
	nb.fd = sv[0];
	nb.priv = &e->fake;
	e->net = virtio_net_create_backend(&e->mem, &nb, mac, err,
					   sizeof(err));
	cr_assert_not_null(e->net, "%s", err);
	e->vd = virtio_net_vdev(e->net);
	virtio_ack_features(e->vd, features | F(VIRTIO_F_VERSION_1));
	ring_init(e, 0);
	ring_init(e, 1);
	cr_assert_eq(e->vd->ops->activate(e->vd), 0);
}

static void teardown(struct env *e)
{
	e->vd->ops->reset(e->vd);
	for (int i = 0; i < 2; i++) {
		close(e->vd->vq[i].kick_fd);
		close(e->vd->vq[i].call_fd);
	}
	virtio_net_destroy(e->net);
	close(e->fake.peer);
	free(e->ram);
}

/* Post a chain of @n buffers (@lens) on queue @qi, writable for rx. */
static u16 post(struct env *e, unsigned int qi, const u64 *gpa,
		const u32 *lens, unsigned int n, bool writable)
{
	struct ring *r = &e->q[qi];
	u16 head = r->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc *d = &r->desc[r->next_desc % QSZ];

		d->addr = gpa[i];
		d->len = lens[i];
		d->flags = (writable ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = (r->next_desc + 1) % QSZ;
		r->next_desc = (r->next_desc + 1) % QSZ;
	}
	r->avail->ring[r->avail_idx % QSZ] = head % QSZ;
	__atomic_store_n(&r->avail->idx, ++r->avail_idx, __ATOMIC_RELEASE);
	return head % QSZ;
}

static void kick(struct env *e, unsigned int qi)
{
	u64 one = 1;

	cr_assert_eq(write(e->q[qi].vq->kick_fd, &one, 8), 8);
}

static bool wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Wait for the interrupt, return how many were coalesced into it. */
static u64 wait_call(struct env *e, unsigned int qi)
{
	u64 v = 0;

	cr_assert(wait_fd(e->q[qi].vq->call_fd, 2000), "no interrupt");
	cr_assert_eq(read(e->q[qi].vq->call_fd, &v, 8), 8);
	return v;
}

static struct vring_used_elem used(struct env *e, unsigned int qi)
{
	struct ring *r = &e->q[qi];

	cr_assert_neq(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE),
		      r->last_used, "nothing used");
	return r->used->ring[r->last_used++ % QSZ];
}

static void frame_fill(u8 *f, size_t len, u8 seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (u8)(seed + i * 7);
}

/* A tx chain: 12-byte header then @len frame bytes, in one buffer. */
static u16 post_tx(struct env *e, u32 len, u8 seed)
{
	u64 gpa = galloc(e, NET_HDR_SIZE + len);
	u32 l = NET_HDR_SIZE + len;

	memset(gptr(e, gpa), 0, NET_HDR_SIZE);
	frame_fill(gptr(e, gpa + NET_HDR_SIZE), len, seed);
	return post(e, 1, &gpa, &l, 1, false);
}

Test(net_dev, offered_features_and_config)
{
	struct env e;
	u64 f;
	u8 cfg[10];

	setup(&e, F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4));
	f = e.vd->device_features;
	u64 want = (F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
			  F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |
			  F(VIRTIO_NET_F_GUEST_TSO4) |
			  F(VIRTIO_NET_F_GUEST_TSO6) |
			  F(VIRTIO_NET_F_HOST_TSO4) |
			  F(VIRTIO_NET_F_HOST_TSO6) |
			  F(VIRTIO_NET_F_MRG_RXBUF) |
			  F(VIRTIO_F_RING_EVENT_IDX) | F(VIRTIO_F_VERSION_1));

	cr_assert_eq(f & want, want);
	/* Never offered: UFO, ECN, control queue (17), MQ (22). */
	cr_assert_eq(f & (F(VIRTIO_NET_F_GUEST_UFO) | F(VIRTIO_NET_F_HOST_UFO) |
			  F(VIRTIO_NET_F_GUEST_ECN) | F(17) | F(22)), 0);
	cr_assert_eq(virtio_ack_features(e.vd, F(17) | F(22) |
					 F(VIRTIO_NET_F_MAC)),
		     F(VIRTIO_NET_F_MAC), "unoffered bits are dropped");
	/* activate told the backend what the guest accepts. */
	cr_assert_eq(e.fake.nr_set_offload, 1);
	cr_assert_eq(e.fake.offloads, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4);
	e.vd->ops->read_config(e.vd, 0, cfg, sizeof(cfg));
	cr_assert_arr_eq(cfg, ((u8[]){ 2, 1, 2, 3, 4, 5, 1, 0, 1, 0 }), 10);
	e.vd->ops->read_config(e.vd, 6, cfg, 2);
	cr_assert_eq(cfg[0], VIRTIO_NET_S_LINK_UP);
	teardown(&e);
}

Test(net_dev, rx_without_buffers_leaves_frame_queued)
{
	struct env e;
	u8 frame[NET_HDR_SIZE + 100] = { 0 }, got[sizeof(frame)];
	struct timespec t0, t1;
	struct virtio_net_stats s;
	struct net_hdr h;
	int queued = 0;
	u32 len = sizeof(got);
	u64 gpa;

	setup(&e, 0);
	frame_fill(frame + NET_HDR_SIZE, 100, 3);
	cr_assert_eq(send(e.fake.peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	/*
	 * Nothing posted: the device must neither read the frame nor spin.
	 * There is no event to wait for when nothing may happen, so watch
	 * for a bounded 200 ms.
	 */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cr_assert_not(wait_fd(e.q[0].vq->call_fd, 200));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	cr_assert_lt((t1.tv_sec - t0.tv_sec) * 1000000000L +
		     (t1.tv_nsec - t0.tv_nsec), 50000000L, "busy loop");
	cr_assert_eq(ioctl(e.fake.dev, FIONREAD, &queued), 0);
	cr_assert_eq(queued, (int)sizeof(frame), "frame still queued");
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.rx_frames + s.rx_dropped, 0, "the tap was read");
	cr_assert_eq(e.q[0].used->idx, 0);
	/* Post one buffer and kick: now it arrives. */
	gpa = galloc(&e, len);
	post(&e, 0, &gpa, &len, 1, true);
	kick(&e, 0);
	wait_call(&e, 0);
	struct vring_used_elem u = used(&e, 0);
	cr_assert_eq(u.len, sizeof(frame));
	memcpy(got, gptr(&e, gpa), sizeof(got));
	net_hdr_load(&h, got);
	cr_assert_eq(h.num_buffers, 1);
	cr_assert_arr_eq(got + NET_HDR_SIZE, frame + NET_HDR_SIZE, 100);
	teardown(&e);
}

Test(net_dev, tx_batch_one_interrupt)
{
	struct env e;
	u8 got[2000], want[1000];
	struct virtio_net_stats s;

	setup(&e, F(VIRTIO_NET_F_CSUM));
	post_tx(&e, 60, 1);
	post_tx(&e, 1000, 2);
	post_tx(&e, 1500, 3);
	kick(&e, 1);
	cr_assert_eq(wait_call(&e, 1), 1, "one interrupt per batch");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(used(&e, 1).len, 0);
	cr_assert(wait_fd(e.fake.peer, 1000));
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 60);
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 1000);
	frame_fill(want, 1000, 2);
	cr_assert_arr_eq(got + 12, want, 1000);
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0), 12 + 1500);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_frames, 3);
	cr_assert_eq(s.tx_dropped, 0);
	teardown(&e);
}

Test(net_dev, tx_longer_than_64k_is_rejected)
{
	struct env e;
	struct virtio_net_stats s;
	static u8 got[NET_HDR_SIZE + NET_MAX_FRAME + 100];
	u64 gpa[2];
	u32 lens[2];
	u16 head;
	struct vring_used_elem u;

	setup(&e, F(VIRTIO_NET_F_CSUM));
	/* Two segments, one byte over the limit, then one exactly at it. */
	lens[0] = NET_HDR_SIZE + 32768;
	lens[1] = NET_MAX_FRAME - 32768 + 1;
	gpa[0] = galloc(&e, lens[0]);
	gpa[1] = galloc(&e, lens[1]);
	head = post(&e, 1, gpa, lens, 2, false);
	kick(&e, 1);
	wait_call(&e, 1);
	u = used(&e, 1);
	cr_assert_eq(u.id, head);
	cr_assert_eq(u.len, 0);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_dropped, 1);
	cr_assert_eq(s.tx_frames, 0);
	cr_assert_not(wait_fd(e.fake.peer, 0), "an oversized frame left");
	lens[1]--;
	post(&e, 1, gpa, lens, 2, false);
	kick(&e, 1);
	wait_call(&e, 1);
	cr_assert(wait_fd(e.fake.peer, 1000));
	cr_assert_eq(recv(e.fake.peer, got, sizeof(got), 0),
		     NET_HDR_SIZE + NET_MAX_FRAME);
	teardown(&e);
}

Test(net_dev, rx_mergeable_buffers)
{
	struct env e;
	static u8 frame[NET_HDR_SIZE + 2500], got[sizeof(frame)];
	u64 gpa[4];
	u32 len = 1000, off = 0;
	struct net_hdr h;

	setup(&e, F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_F_RING_EVENT_IDX));
	for (int i = 0; i < 4; i++) {
		gpa[i] = galloc(&e, len);
		post(&e, 0, &gpa[i], &len, 1, true);
	}
	kick(&e, 0);
	frame_fill(frame + NET_HDR_SIZE, 2500, 9);
	cr_assert_eq(send(e.fake.peer, frame, sizeof(frame), 0),
		     (ssize_t)sizeof(frame));
	wait_call(&e, 0);
	for (int i = 0; i < 3; i++) {
		struct vring_used_elem u = used(&e, 0);

		cr_assert_eq(u.len, i < 2 ? 1000 : sizeof(frame) - 2000);
		memcpy(got + off, gptr(&e, gpa[i]), u.len);
		off += u.len;
	}
	net_hdr_load(&h, got);
	cr_assert_eq(h.num_buffers, 3);
	cr_assert_arr_eq(got + NET_HDR_SIZE, frame + NET_HDR_SIZE, 2500);
	teardown(&e);
}

Test(net_dev, rx_too_big_without_mrg_is_dropped)
{
	struct env e;
	u8 big[NET_HDR_SIZE + 2000] = { 0 }, small[NET_HDR_SIZE + 100] = { 0 };
	struct virtio_net_stats s;
	u32 len = 1526;
	u64 gpa;

	setup(&e, 0);
	gpa = galloc(&e, len);
	post(&e, 0, &gpa, &len, 1, true);
	kick(&e, 0);
	cr_assert_eq(send(e.fake.peer, big, sizeof(big), 0),
		     (ssize_t)sizeof(big));
	frame_fill(small + NET_HDR_SIZE, 100, 5);
	cr_assert_eq(send(e.fake.peer, small, sizeof(small), 0),
		     (ssize_t)sizeof(small));
	wait_call(&e, 0);
	cr_assert_eq(used(&e, 0).len, sizeof(small), "buffer reused");
	cr_assert_arr_eq((u8 *)gptr(&e, gpa) + NET_HDR_SIZE,
			 small + NET_HDR_SIZE, 100);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.rx_dropped, 1);
	cr_assert_eq(s.rx_frames, 1);
	teardown(&e);
}

Test(net_dev, malformed_chain_needs_reset)
{
	struct env e;
	u64 gpa = RAM_GPA + RAM_SIZE - 8;	/* runs off the end of RAM */
	u32 len = 100;

	setup(&e, 0);
	post(&e, 1, &gpa, &len, 1, false);
	kick(&e, 1);
	for (int i = 0; i < 200 && !(__atomic_load_n(&e.vd->status,
			__ATOMIC_RELAXED) & VIRTIO_STATUS_NEEDS_RESET); i++)
		usleep(10000);
	cr_assert(e.vd->status & VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(e.q[1].used->idx, 0, "nothing completed");
	teardown(&e);
}

Test(net_dev, rx_held_buffers_carry_over_between_frames)
{
	struct env e;
	static u8 big[NET_HDR_SIZE + 2500], small[NET_HDR_SIZE + 100];
	u64 gpa[6];
	u16 head[6];
	u32 len = 1000;
	struct vring_used_elem u;
	struct net_hdr h;

	setup(&e, F(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 6; i++) {
		gpa[i] = galloc(&e, len);
		head[i] = post(&e, 0, &gpa[i], &len, 1, true);
	}
	kick(&e, 0);
	frame_fill(big + NET_HDR_SIZE, 2500, 1);
	frame_fill(small + NET_HDR_SIZE, 100, 2);
	cr_assert_eq(send(e.fake.peer, big, sizeof(big), 0),
		     (ssize_t)sizeof(big));
	cr_assert_eq(send(e.fake.peer, small, sizeof(small), 0),
		     (ssize_t)sizeof(small));
	/* 3 buffers for the big one, then the small one in the next. */
	for (int i = 0; i < 4; i++) {
		while (__atomic_load_n(&e.q[0].used->idx, __ATOMIC_ACQUIRE) ==
		       e.q[0].last_used)
			wait_call(&e, 0);
		u = used(&e, 0);
		cr_assert_eq(u.id, head[i], "buffers used in order");
	}
	cr_assert_eq(u.len, sizeof(small));
	net_hdr_load(&h, gptr(&e, gpa[3]));
	cr_assert_eq(h.num_buffers, 1);
	cr_assert_arr_eq((u8 *)gptr(&e, gpa[3]) + NET_HDR_SIZE,
			 small + NET_HDR_SIZE, 100);
	net_hdr_load(&h, gptr(&e, gpa[0]));
	cr_assert_eq(h.num_buffers, 3);
	cr_assert_arr_eq((u8 *)gptr(&e, gpa[2]), big + 2000, 512);
	teardown(&e);
}

Test(net_dev, tx_unnegotiated_tso_is_dropped)
{
	struct env e;
	struct virtio_net_stats s;
	struct net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			     .gso_size = 1448, .csum_start = 34,
			     .csum_offset = 16 };
	u64 gpa;
	u32 l = NET_HDR_SIZE + 3000;

	setup(&e, F(VIRTIO_NET_F_CSUM));	/* no HOST_TSO4 */
	gpa = galloc(&e, l);
	net_hdr_store(&h, gptr(&e, gpa));
	post(&e, 1, &gpa, &l, 1, false);
	kick(&e, 1);
	wait_call(&e, 1);
	cr_assert_eq(used(&e, 1).len, 0);
	virtio_net_stats(e.net, &s);
	cr_assert_eq(s.tx_dropped, 1);
	cr_assert_not(wait_fd(e.fake.peer, 0), "a frame left");
	teardown(&e);
}
