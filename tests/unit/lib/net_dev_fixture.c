// SPDX-License-Identifier: MIT
/* virtio-net against a fake backend, rings built by hand. See net_dev_fixture.h. */
#include "tests/unit/lib/net_dev_fixture.h"

ssize_t fake_send(struct net_backend *nb, const struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r = sendmsg(nb->fd, &m, MSG_DONTWAIT);

	return r < 0 ? -errno : r;
}

ssize_t fake_recv(struct net_backend *nb, const struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r = recvmsg(nb->fd, &m, MSG_DONTWAIT);

	return r < 0 ? -errno : r;
}

int fake_set_offload(struct net_backend *nb, unsigned int o)
{
	struct fake *f = nb->priv;

	f->offloads = o;
	f->nr_set_offload++;
	return 0;
}

void fake_close(struct net_backend *nb)
{
	close(nb->fd);
}

const struct net_backend_ops fake_ops = {
	.name = "fake",
	.send = fake_send,
	.recv = fake_recv,
	.set_offload = fake_set_offload,
	.close = fake_close,
};

void *gptr(struct env *e, u64 gpa)
{
	return guest_mem_ptr(&e->mem, gpa, 1);
}

u64 galloc(struct env *e, u32 len)
{
	u64 gpa = e->data_next;

	e->data_next = ALIGN_UP(gpa + len, 64);
	cr_assert_leq(e->data_next, RAM_GPA + RAM_SIZE);
	return gpa;
}

void ring_init(struct env *e, unsigned int i)
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
						      VIRTIO_F_RING_EVENT_IDX)),
		     0);
	r->vq = vq;
	r->desc = gptr(e, vq->desc_gpa);
	r->avail = gptr(e, vq->avail_gpa);
	r->used = gptr(e, vq->used_gpa);
}

void net_fixture_setup(struct env *e, u64 features)
{
	static const u8 mac[6] = { 2, 1, 2, 3, 4, 5 };
	struct net_backend nb = { .ops = &fake_ops };
	int sv[2];
	struct err err;

	memset(e, 0, sizeof(*e));
	e->ram = aligned_alloc(4096, RAM_SIZE);
	memset(e->ram, 0, RAM_SIZE);
	cr_assert_eq(guest_mem_add(&e->mem, RAM_GPA, RAM_SIZE, e->ram), 0);
	e->data_next = DATA_GPA;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv),
		     0);
	e->fake.peer = sv[1];
	e->fake.dev = sv[0];
	nb.fd = sv[0];
	nb.priv = &e->fake;
	e->net = virtio_net_create_backend(&e->mem, &nb, mac, "net0", &err);
	cr_assert_not_null(e->net, "%s", err.msg);
	e->vd = virtio_net_vdev(e->net);
	virtio_ack_features(e->vd, features | F(VIRTIO_F_VERSION_1));
	ring_init(e, 0);
	ring_init(e, 1);
	cr_assert_eq(e->vd->ops->activate(e->vd), 0);
}

void net_fixture_teardown(struct env *e)
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

u16 post(struct env *e, unsigned int qi, const u64 *gpa, const u32 *lens,
	 unsigned int n, bool writable)
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

void kick(struct env *e, unsigned int qi)
{
	u64 one = 1;

	cr_assert_eq(write(e->q[qi].vq->kick_fd, &one, 8), 8);
}

bool wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

u64 wait_call(struct env *e, unsigned int qi)
{
	u64 v = 0;

	cr_assert(wait_fd(e->q[qi].vq->call_fd, 2000), "no interrupt");
	cr_assert_eq(read(e->q[qi].vq->call_fd, &v, 8), 8);
	return v;
}

struct vring_used_elem used(struct env *e, unsigned int qi)
{
	struct ring *r = &e->q[qi];

	cr_assert_neq(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE),
		      r->last_used, "nothing used");
	return r->used->ring[r->last_used++ % QSZ];
}

void frame_fill(u8 *f, size_t len, u8 seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (u8)(seed + i * 7);
}
