// SPDX-License-Identifier: MIT
/*
 * The driver side of a split virtqueue (virtio 1.2 section 2.7): rings in
 * guest RAM, a descriptor free list, direct and indirect chains, kicks
 * that honour NO_NOTIFY / avail_event, and used-ring consumption with
 * interrupts re-armed through used_event or NO_INTERRUPT.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/driver/lib/driver.h"

static u16 ld16(const void *p)
{
	return __atomic_load_n((const u16 *)p, __ATOMIC_RELAXED);
}

static void st16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, v, __ATOMIC_RELAXED);
}

static void *used_event(struct drv_vq *q)
{
	return (char *)q->avail + 4 + 2 * q->size;
}

static void *avail_event(struct drv_vq *q)
{
	return (char *)q->used + 4 + 8 * q->size;
}

static int alloc_rings(struct drv_vq *q)
{
	struct drv_env *env = q->dev->env;
	u64 n = q->size;

	q->desc_gpa = drv_alloc(env, 16 * n, 4096);
	q->avail_gpa = drv_alloc(env, 6 + 2 * n, 4096);
	q->used_gpa = drv_alloc(env, 6 + 8 * n, 4096);
	q->indirect_gpa = drv_alloc(env, n * DRV_INDIRECT_MAX * 16, 4096);
	if (!q->desc_gpa || !q->avail_gpa || !q->used_gpa || !q->indirect_gpa)
		return -ENOMEM;
	q->desc = drv_ptr(env, q->desc_gpa, 16 * n);
	q->avail = drv_ptr(env, q->avail_gpa, 6 + 2 * n);
	q->used = drv_ptr(env, q->used_gpa, 6 + 8 * n);
	return 0;
}

static void write_gpa(struct drv_dev *d, u32 lo_off, u64 gpa)
{
	drv_common_write(d, lo_off, (u32)gpa, 4);
	drv_common_write(d, lo_off + 4, gpa >> 32, 4);
}

int drv_vq_setup(struct drv_dev *d, unsigned int index, u16 size)
{
	struct drv_vq *q = &d->vq[index];
	u16 max, i, vector;
	u32 noff;
	int ret;

	if (index >= DRV_MAX_QUEUES)
		return -EINVAL;
	drv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, index, 2);
	max = drv_common_read(d, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (!max || size > max)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->dev = d;
	q->index = index;
	q->size = size ? size : max;
	ret = alloc_rings(q);
	if (ret)
		return ret;
	for (i = 0; i < q->size; i++)
		q->desc[i].next = i + 1;
	q->nr_free = q->size;
	q->event_idx = d->features & (1ULL << VIRTIO_F_RING_EVENT_IDX);

	drv_common_write(d, VIRTIO_PCI_COMMON_Q_SIZE, q->size, 2);
	vector = index + 1 < d->msix_nr ? index + 1 : VIRTIO_MSI_NO_VECTOR;
	drv_common_write(d, VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
	q->vector = drv_common_read(d, VIRTIO_PCI_COMMON_Q_MSIX, 2);
	write_gpa(d, VIRTIO_PCI_COMMON_Q_DESCLO, q->desc_gpa);
	write_gpa(d, VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail_gpa);
	write_gpa(d, VIRTIO_PCI_COMMON_Q_USEDLO, q->used_gpa);
	noff = drv_common_read(d, VIRTIO_PCI_COMMON_Q_NOFF, 2);
	q->notify_addr = d->notify + (u64)noff * d->notify_mult;
	drv_common_write(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	if (drv_status(d) & VIRTIO_STATUS_NEEDS_RESET ||
	    drv_common_read(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2) != 1)
		return -EIO;
	q->enabled = true;
	if (index >= d->nr_vqs)
		d->nr_vqs = index + 1;
	return 0;
}

/* Take @n descriptors off the free list, linked in list order. */
static u16 take_descs(struct drv_vq *q, unsigned int n)
{
	u16 head = q->free_head, i = head;
	unsigned int k;

	for (k = 1; k < n; k++)
		i = q->desc[i].next;
	q->free_head = q->desc[i].next;
	q->nr_free -= n;
	return head;
}

static void fill(struct vring_desc *d, const struct drv_buf *b, bool more)
{
	d->addr = b->gpa;
	d->len = b->len;
	d->flags = (b->writable ? VRING_DESC_F_WRITE : 0) |
		   (more ? VRING_DESC_F_NEXT : 0);
}

int drv_vq_add(struct drv_vq *q, const struct drv_buf *bufs, unsigned int n,
	       bool indirect)
{
	unsigned int need = indirect ? 1 : n, k;
	u16 head, i;

	if (!n || (indirect && n > DRV_INDIRECT_MAX))
		return -EINVAL;
	if (q->nr_free < need)
		return -ENOSPC;
	head = take_descs(q, need);
	q->chain_descs[head] = need;
	if (indirect) {
		u64 tgpa = q->indirect_gpa + (u64)head * DRV_INDIRECT_MAX * 16;
		struct vring_desc *t = drv_ptr(q->dev->env, tgpa, n * 16);

		for (k = 0; k < n; k++) {
			fill(&t[k], &bufs[k], k + 1 < n);
			t[k].next = k + 1;
		}
		q->desc[head].addr = tgpa;
		q->desc[head].len = n * 16;
		q->desc[head].flags = VRING_DESC_F_INDIRECT;
	} else {
		/* take_descs() left the chain linked through .next already. */
		for (k = 0, i = head; k < n; k++, i = q->desc[i].next)
			fill(&q->desc[i], &bufs[k], k + 1 < n);
	}
	q->avail->ring[q->avail_idx % q->size] = head;
	/* Descriptors and the ring entry before the index that exposes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st16(&q->avail->idx, ++q->avail_idx);
	return head;
}

static void ring_doorbell(struct drv_vq *q)
{
	struct drv_env *env = q->dev->env;
	u16 v = q->index;
	u64 one = 1;
	int efd = -1;

	if (!q->notify_via_bus)
		efd = fake_irq_ioeventfd(&env->irq, q->notify_addr, true);
	/* What KVM does on an ioeventfd match; else the write exits. */
	if (efd < 0 || write(efd, &one, sizeof(one)) != sizeof(one))
		bus_write(&env->mmio, q->notify_addr, &v, sizeof(v));
	q->nr_kicks++;
}

void drv_vq_kick_force(struct drv_vq *q)
{
	q->kicked_avail = q->avail_idx;
	ring_doorbell(q);
}

bool drv_vq_kick(struct drv_vq *q)
{
	u16 new_idx = q->avail_idx, old = q->kicked_avail;
	bool need;

	/* avail->idx must be visible before we read the device's request. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->kicked_avail = new_idx;
	if (q->event_idx)
		need = (u16)(new_idx - ld16(avail_event(q)) - 1) <
		       (u16)(new_idx - old);
	else
		need = !(ld16(&q->used->flags) & VRING_USED_F_NO_NOTIFY);
	if (!need) {
		q->nr_kicks_suppressed++;
		return false;
	}
	ring_doorbell(q);
	return true;
}

static void free_chain(struct drv_vq *q, u16 head)
{
	u16 i = head, k;

	for (k = 1; k < q->chain_descs[head]; k++)
		i = q->desc[i].next;
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->nr_free += q->chain_descs[head];
	q->chain_descs[head] = 0;
}

int drv_vq_get_used(struct drv_vq *q, u32 *id, u32 *len)
{
	struct vring_used_elem e;

	if (ld16(&q->used->idx) == q->last_used)
		return 0;
	/* The index before the element it covers. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&e, &q->used->ring[q->last_used % q->size], sizeof(e));
	q->last_used++;
	if (e.id >= q->size || !q->chain_descs[e.id])
		return -EIO; /* the device returned a chain we never gave */
	free_chain(q, e.id);
	*id = e.id;
	*len = e.len;
	return 1;
}

static void arm_irq(struct drv_vq *q)
{
	if (q->event_idx)
		st16(used_event(q), q->last_used);
	else
		st16(&q->avail->flags, 0);
	/* Our request must be visible before we look at used->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void drv_vq_disable_irq(struct drv_vq *q)
{
	st16(&q->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	if (q->event_idx)
		st16(used_event(q), q->last_used + 0x8000);
}

static s64 now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (s64)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int drv_vq_wait(struct drv_vq *q, int timeout_ms, u32 *id, u32 *len)
{
	s64 deadline = now_ms() + timeout_ms;
	struct drv_dev *d = q->dev;
	int ret;

	for (;;) {
		ret = drv_vq_get_used(q, id, len);
		if (ret)
			return ret < 0 ? ret : 0;
		arm_irq(q);
		ret = drv_vq_get_used(q, id, len);
		if (ret)
			return ret < 0 ? ret : 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		/* Sleep on the MSI eventfd, or poll gently without one. */
		ret = q->vector < d->msix_nr ?
			      drv_wait_irq(
				      d, q->vector,
				      MIN(deadline - now_ms() + 1, (s64)100)) :
			      -ENOENT;
		if (ret == 1)
			q->nr_irqs++;
		else if (ret < 0)
			usleep(50);
	}
}
