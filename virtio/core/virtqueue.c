// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, device side (virtio 1.2 section 2.7). The rings live
 * in guest memory that a hostile driver may change at any moment: every
 * descriptor is read once into a local copy, every buffer is checked whole
 * with guest_mem_ptr(), every chain is bounded, and a malformed ring marks
 * the queue broken rather than being "repaired".
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio/core/virtqueue.h"
#include "vmm/base/iov.h"

/* Keeps the compiler from re-reading guest memory we copied (TOCTOU). */
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

/*
 * Ring fields are 2-byte aligned (vq_enable() checks the ring bases), so
 * single-copy atomic 16-bit accesses are fine; void * keeps the packed
 * structs from warning.
 */
static inline u16 load16(const void *p)
{
	return le16toh(__atomic_load_n((const u16 *)p, __ATOMIC_RELAXED));
}

static inline void store16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, htole16(v), __ATOMIC_RELAXED);
}

static void *used_event_ptr(struct virtqueue *vq)
{
	return (char *)vq->avail + 4 + 2 * vq->size;
}

static void *avail_event_ptr(struct virtqueue *vq)
{
	return (char *)vq->used + 4 + 8 * vq->size;
}

void vq_reset(struct virtqueue *vq)
{
	const struct guest_mem *mem = vq->mem;
	int kick_fd = vq->kick_fd, call_fd = vq->call_fd;
	u64 interrupts = vq->interrupts; /* counted over resets */

	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->kick_fd = kick_fd;
	vq->call_fd = call_fd;
	vq->interrupts = interrupts;
}

int vq_enable(struct virtqueue *vq, bool event_idx)
{
	u64 n = vq->size;

	if (!IS_POW2(vq->size) || vq->size > VQ_MAX_SIZE)
		return -EINVAL;
	/* Alignments of section 2.7: 16, 2 and 4 bytes. */
	if (!IS_ALIGNED(vq->desc_gpa, 16) || !IS_ALIGNED(vq->avail_gpa, 2) ||
	    !IS_ALIGNED(vq->used_gpa, 4))
		return -EINVAL;
	/* Each ring whole, including used_event / avail_event. */
	vq->desc = guest_mem_ptr(vq->mem, vq->desc_gpa, 16 * n);
	vq->avail = guest_mem_ptr(vq->mem, vq->avail_gpa, 6 + 2 * n);
	vq->used = guest_mem_ptr(vq->mem, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return -EFAULT;
	}
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used_valid = false;
	vq->event_idx = event_idx;
	vq->no_kick = false;
	vq->broken = false;
	vq->ready = true;
	return 0;
}

void vq_save(const struct virtqueue *vq, struct vq_state *out)
{
	*out = (struct vq_state){
		.last_avail = vq->last_avail,
		.used_idx = vq->used_idx,
		.signalled_used = vq->signalled_used,
		.signalled_used_valid = vq->signalled_used_valid,
		.broken = vq->broken,
	};
}

int vq_restore(struct virtqueue *vq, bool event_idx, const struct vq_state *st)
{
	int ret = vq_enable(vq, event_idx);

	if (ret)
		return ret;
	/* What the device published and what it took cannot be further
	 * apart than the ring; the used index is in RAM as we left it. */
	if ((u16)(st->last_avail - st->used_idx) > vq->size ||
	    load16(&vq->used->idx) != st->used_idx) {
		vq->ready = false;
		return -ESTALE;
	}
	vq->last_avail = st->last_avail;
	vq->used_idx = st->used_idx;
	vq->signalled_used = st->signalled_used;
	vq->signalled_used_valid = st->signalled_used_valid;
	vq->broken = st->broken;
	return 0;
}

static int vq_break(struct virtqueue *vq)
{
	vq->broken = true;
	return -EIO;
}

static void read_desc(const struct vring_desc *src, struct vring_desc *d)
{
	memcpy(d, src, sizeof(*d));
	compiler_barrier();
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Walk state shared by the direct table and one indirect table. */
struct walk {
	struct vq_chain *c;
	unsigned int nseg;
	u64 total;
};

/* Add one plain (non-indirect) descriptor's buffer to the chain. */
static int add_buf(struct virtqueue *vq, struct walk *w,
		   const struct vring_desc *d)
{
	void *p;

	if (w->nseg >= VQ_MAX_SEGS)
		return -EIO;
	/* A request can never exceed what used.len (u32) can describe. */
	w->total += d->len;
	if (w->total > UINT32_MAX)
		return -EIO;
	p = guest_mem_ptr(vq->mem, d->addr, d->len);
	if (!p)
		return -EIO;
	if (d->flags & VRING_DESC_F_WRITE) {
		w->c->nr_in++;
		w->c->in_len += d->len;
	} else {
		if (w->c->nr_in) /* readable after writable */
			return -EIO;
		w->c->nr_out++;
		w->c->out_len += d->len;
	}
	w->c->iov[w->nseg].iov_base = p;
	w->c->iov[w->nseg].iov_len = d->len;
	w->nseg++;
	return 0;
}

/* The table an INDIRECT descriptor points to, with its size; or NULL. */
static const struct vring_desc *indirect_table(struct virtqueue *vq,
					       const struct vring_desc *ind,
					       u32 *n)
{
	if (ind->flags & VRING_DESC_F_NEXT) /* INDIRECT | NEXT */
		return NULL;
	if (ind->len == 0 || ind->len % sizeof(*ind))
		return NULL;
	*n = ind->len / sizeof(*ind);
	if (*n > VQ_MAX_SEGS)
		return NULL;
	return guest_mem_ptr(vq->mem, ind->addr, ind->len);
}

/*
 * Follow the chain at @head through the ring's table and, if it ends in
 * an INDIRECT descriptor, through that table, which may not nest.
 */
static int walk_chain(struct virtqueue *vq, struct vq_chain *c, u16 head)
{
	const struct vring_desc *table = vq->desc;
	struct walk w = { .c = c };
	struct vring_desc d;
	u32 n = vq->size, i = head, hops = 0;
	bool indirect = false;
	int ret;

	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		read_desc(&table[i], &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect) /* nested */
				return -EIO;
			table = indirect_table(vq, &d, &n);
			if (!table)
				return -EIO;
			indirect = true;
			i = hops = 0;
			continue;
		}
		ret = add_buf(vq, &w, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		/* A chain longer than the table must revisit a descriptor. */
		if (d.next >= n || ++hops >= n) /* range, loop */
			return -EIO;
		i = d.next;
	}
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	u16 avail_idx, head;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	avail_idx = load16(&vq->avail->idx);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((u16)(avail_idx - vq->last_avail) > vq->size)
		return vq_break(vq);
	/* Order the avail->idx read before reading the ring entry it covers. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(&vq->avail->ring[vq->last_avail % vq->size]);
	if (head >= vq->size || walk_chain(vq, c, head))
		return vq_break(vq);
	vq->last_avail++;
	/*
	 * With EVENT_IDX, ask for a kick as soon as anything past what we
	 * took arrives, unless the device is polling (vq_set_kick(false)).
	 */
	if (vq->event_idx && !vq->no_kick)
		store16(avail_event_ptr(vq), vq->last_avail);
	return 1;
}

void vq_unpop(struct virtqueue *vq, u16 n)
{
	/*
	 * Nothing was pushed for them, so the driver still owns none of
	 * their slots: the next vq_pop() walks the same heads again.
	 */
	vq->last_avail -= n;
}

bool vq_has_avail(struct virtqueue *vq)
{
	return vq->ready && !vq->broken &&
	       load16(&vq->avail->idx) != vq->last_avail;
}

void vq_push(struct virtqueue *vq, u16 head, u32 written)
{
	struct vring_used_elem *e;

	if (!vq->ready)
		return;
	e = &vq->used->ring[vq->used_idx % vq->size];
	e->id = htole32(head);
	e->len = htole32(written);
	/* The element (and the data written into the buffers) before idx. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	store16(&vq->used->idx, vq->used_idx);
}

/* vring_need_event(): did new_idx just pass event (u16 arithmetic)? */
static bool need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

bool vq_should_notify(struct virtqueue *vq)
{
	u16 old = vq->signalled_used, new_idx = vq->used_idx;
	bool valid = vq->signalled_used_valid;

	/*
	 * Our used->idx store must be visible before we read the driver's
	 * flags / used_event, or we could miss a re-enabled interrupt (a
	 * store-load ordering: x86 needs a real fence here).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->ready)
		return false;
	if (!vq->event_idx)
		return !(load16(&vq->avail->flags) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = new_idx;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	return need_event(load16(used_event_ptr(vq)), new_idx, old);
}

void vq_set_kick(struct virtqueue *vq, bool enable)
{
	u16 flags;

	vq->no_kick = !enable;
	if (!vq->ready)
		return;
	if (vq->event_idx) {
		/* Disabled: a stale avail_event suppresses kicks. */
		if (enable)
			store16(avail_event_ptr(vq), vq->last_avail);
	} else {
		flags = load16(&vq->used->flags);
		if (enable)
			flags &= ~VRING_USED_F_NO_NOTIFY;
		else
			flags |= VRING_USED_F_NO_NOTIFY;
		store16(&vq->used->flags, flags);
	}
	/*
	 * Our re-enable store must be visible before the caller re-reads
	 * avail->idx, or a kick the driver suppressed would be lost.
	 */
	if (enable)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

size_t vq_copy_from_out(const struct vq_chain *c, u64 off, void *dst,
			size_t len)
{
	return iov_to_buf(c->iov, c->nr_out, off, dst, len);
}

size_t vq_copy_to_in(const struct vq_chain *c, u64 off, const void *src,
		     size_t len)
{
	return iov_from_buf(c->iov + c->nr_out, c->nr_in, off, src, len);
}
