// SPDX-License-Identifier: MIT
/*
 * Modern virtio-pci for the tiny guests: probe, feature negotiation,
 * split virtqueues, polling. The device is not trusted: the capability
 * regions must lie inside their BARs, a used head must be one we posted.
 */
#include "irq.h"
#include "virtio.h"

/* struct virtio_pci_cap (virtio 1.2, 4.1.4) field offsets. */
#define CAP_CFG_TYPE	3
#define CAP_BAR		4
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_NOTIFY_MULT 16

#define CFG_TYPE_COMMON 1
#define CFG_TYPE_NOTIFY 2
#define CFG_TYPE_ISR	3
#define CFG_TYPE_DEVICE 4

/* struct virtio_pci_common_cfg field offsets (4.1.4.3). */
#define COMMON_DFSELECT 0x00
#define COMMON_DF	0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF	0x0c
#define COMMON_STATUS	0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE	0x18
#define COMMON_Q_MSIX	0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF	0x1e
#define COMMON_Q_DESC	0x20
#define COMMON_Q_DRIVER 0x28
#define COMMON_Q_DEVICE 0x30
#define COMMON_MIN_LEN	0x38 /* through queue_device */

#define RESET_SPINS 100000

/* MSI-X capability (PCI 3.0, 6.8.2) and table entry layout. */
#define MSIX_CTRL	   2
#define MSIX_CTRL_ENABLE   0x8000
#define MSIX_CTRL_MASKALL  0x4000
#define MSIX_CTRL_QSIZE	   0x07ff
#define MSIX_TABLE	   4
#define MSIX_BIR	   0x7
#define MSIX_ENTRY_SIZE	   16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA	   8
#define MSIX_ENTRY_CTRL	   12
#define MSIX_ENTRY_MASKED  1
#define MSI_ADDR_BASE	   0xfee00000u

const char *virtio_strerror(int err)
{
	static const char *const msg[] = {
		"ok",
		"no device",
		"bad capabilities",
		"bad BAR",
		"device did not reset",
		"features refused",
		"bad queue",
		"ring full",
		"timed out",
		"bad used element",
		"MSI-X refused",
	};

	if (err > 0 || -err >= (int)ARRAY_SIZE(msg))
		return "unknown error";
	return msg[-err];
}

struct bar_map {
	u64 base[PCI_NR_BARS];
	u64 size[PCI_NR_BARS];
	u8 mapped; /* bit per BAR */
};

/* The MMIO address of one capability's region, or 0 if it is bad. */
static u64 cap_region(const struct pci_dev *d, u8 cap, struct bar_map *bm,
		      struct pci_window *win, u32 *len, int *err)
{
	u8 bar = pci_read8(d, cap + CAP_BAR);
	u64 off = pci_read32(d, cap + CAP_OFFSET);

	*len = pci_read32(d, cap + CAP_LENGTH);
	if (bar >= PCI_NR_BARS)
		return 0;
	if (!(bm->mapped & (1 << bar))) {
		if (pci_bar_map(d, bar, win, &bm->base[bar], &bm->size[bar])) {
			*err = VIRTIO_EBAR;
			return 0;
		}
		bm->mapped |= (u8)(1 << bar);
	}
	if (off + *len > bm->size[bar])
		return 0;
	return bm->base[bar] + off;
}

/* Take the first capability of each type, as the spec asks (4.1.4.1). */
static int virtio_pci_caps(struct virtio_pci *vp, struct pci_window *win)
{
	struct bar_map bm = { .mapped = 0 };
	int err = VIRTIO_ECAPS;
	u8 cap = 0;
	u32 len;

	while ((cap = pci_find_cap(&vp->pci, PCI_CAP_ID_VNDR, cap))) {
		u8 type = pci_read8(&vp->pci, cap + CAP_CFG_TYPE);
		u64 addr;

		if (type < CFG_TYPE_COMMON || type > CFG_TYPE_DEVICE)
			continue;
		addr = cap_region(&vp->pci, cap, &bm, win, &len, &err);
		if (!addr) {
			if (err == VIRTIO_EBAR)
				return err;
			continue;
		}
		if (type == CFG_TYPE_COMMON && !vp->common &&
		    len >= COMMON_MIN_LEN) {
			vp->common = addr;
		} else if (type == CFG_TYPE_NOTIFY && !vp->notify) {
			vp->notify = addr;
			vp->notify_len = len;
			vp->notify_mult =
				pci_read32(&vp->pci, cap + CAP_NOTIFY_MULT);
		} else if (type == CFG_TYPE_ISR && !vp->isr && len) {
			vp->isr = addr;
		} else if (type == CFG_TYPE_DEVICE && !vp->device) {
			vp->device = addr;
			vp->device_len = len;
		}
	}
	memcpy(vp->bar_base, bm.base, sizeof(vp->bar_base));
	memcpy(vp->bar_size, bm.size, sizeof(vp->bar_size));
	vp->bars_mapped = bm.mapped;
	return vp->common && vp->notify ? VIRTIO_OK : VIRTIO_ECAPS;
}

int virtio_pci_probe(struct virtio_pci *vp, u16 pci_device,
		     struct pci_window *win)
{
	return virtio_pci_probe_nth(vp, pci_device, 0, win);
}

int virtio_pci_probe_nth(struct virtio_pci *vp, u16 pci_device, unsigned int n,
			 struct pci_window *win)
{
	u16 cmd;
	int err;

	memset(vp, 0, sizeof(*vp));
	if (pci_find_nth(VIRTIO_PCI_VENDOR, pci_device, n, &vp->pci))
		return VIRTIO_ENODEV;
	err = virtio_pci_caps(vp, win);
	if (err)
		return err;
	cmd = pci_read16(&vp->pci, PCI_COMMAND);
	pci_write16(&vp->pci, PCI_COMMAND,
		    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return VIRTIO_OK;
}

u8 virtio_status(const struct virtio_pci *vp)
{
	return mmio_read8(vp->common + COMMON_STATUS);
}

static void virtio_set_status(struct virtio_pci *vp, u8 bits)
{
	mmio_write8(vp->common + COMMON_STATUS, virtio_status(vp) | bits);
}

int virtio_negotiate(struct virtio_pci *vp, u64 wanted, u64 *acked)
{
	unsigned int spins = RESET_SPINS;
	u64 offered;

	mmio_write8(vp->common + COMMON_STATUS, 0);
	while (virtio_status(vp) && --spins)
		;
	if (!spins)
		return VIRTIO_ERESET;
	virtio_set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vp, VIRTIO_STATUS_DRIVER);

	mmio_write32(vp->common + COMMON_DFSELECT, 0);
	offered = mmio_read32(vp->common + COMMON_DF);
	mmio_write32(vp->common + COMMON_DFSELECT, 1);
	offered |= (u64)mmio_read32(vp->common + COMMON_DF) << 32;

	*acked = offered & (wanted | VIRTIO_BIT(VIRTIO_F_VERSION_1));
	if (!(*acked & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		goto failed;
	mmio_write32(vp->common + COMMON_GFSELECT, 0);
	mmio_write32(vp->common + COMMON_GF, (u32)*acked);
	mmio_write32(vp->common + COMMON_GFSELECT, 1);
	mmio_write32(vp->common + COMMON_GF, (u32)(*acked >> 32));
	virtio_set_status(vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_status(vp) & VIRTIO_STATUS_FEATURES_OK))
		goto failed;
	return VIRTIO_OK;
failed:
	virtio_set_status(vp, VIRTIO_STATUS_FAILED);
	return VIRTIO_EFEATURES;
}

static void common_write64(struct virtio_pci *vp, u32 off, u64 v)
{
	mmio_write32(vp->common + off, (u32)v);
	mmio_write32(vp->common + off + 4, (u32)(v >> 32));
}

int virtio_queue_setup(struct virtio_pci *vp, struct virtq *vq, u16 index,
		       struct virtq_mem *mem)
{
	return virtio_queue_setup_msix(vp, vq, index, mem,
				       VIRTIO_MSI_NO_VECTOR);
}

int virtio_queue_setup_msix(struct virtio_pci *vp, struct virtq *vq, u16 index,
			    struct virtq_mem *mem, u16 vector)
{
	u16 max, size = VIRTQ_MAX, i;
	u64 doorbell;

	mmio_write16(vp->common + COMMON_Q_SELECT, index);
	max = mmio_read16(vp->common + COMMON_Q_SIZE);
	if (!max || mmio_read16(vp->common + COMMON_Q_ENABLE))
		return VIRTIO_EQUEUE;
	while (size > max)
		size >>= 1;
	doorbell =
		(u64)mmio_read16(vp->common + COMMON_Q_NOFF) * vp->notify_mult;
	if (doorbell + 2 > vp->notify_len)
		return VIRTIO_ECAPS;

	memset(mem, 0, sizeof(*mem));
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->notify = vp->notify + doorbell;
	vq->index = index;
	vq->size = size;
	vq->nr_free = size;
	for (i = 0; i < size; i++)
		mem->desc[i].next = (u16)(i + 1);

	mmio_write16(vp->common + COMMON_Q_SIZE, size);
	common_write64(vp, COMMON_Q_DESC, virt_to_phys(mem->desc));
	common_write64(vp, COMMON_Q_DRIVER, virt_to_phys(&mem->avail));
	common_write64(vp, COMMON_Q_DEVICE, virt_to_phys(&mem->used));
	if (vector != VIRTIO_MSI_NO_VECTOR) {
		mmio_write16(vp->common + COMMON_Q_MSIX, vector);
		/* NO_VECTOR back: the device could not map it (4.1.5.1.2). */
		if (mmio_read16(vp->common + COMMON_Q_MSIX) != vector)
			return VIRTIO_EMSIX;
	}
	mmio_write16(vp->common + COMMON_Q_ENABLE, 1);
	return VIRTIO_OK;
}

int virtio_msix_enable(struct virtio_pci *vp)
{
	u8 cap = pci_find_cap(&vp->pci, PCI_CAP_ID_MSIX, 0);
	u16 ctrl;
	u32 table;
	u8 bir;

	if (!cap)
		return VIRTIO_EMSIX;
	ctrl = pci_read16(&vp->pci, cap + MSIX_CTRL);
	table = pci_read32(&vp->pci, cap + MSIX_TABLE);
	bir = table & MSIX_BIR;
	table &= ~(u32)MSIX_BIR;
	vp->msix_size = (u16)((ctrl & MSIX_CTRL_QSIZE) + 1);
	/* Only a table in a BAR the virtio capabilities made us map. */
	if (bir >= PCI_NR_BARS || !(vp->bars_mapped & (1 << bir)) ||
	    (u64)table + (u64)vp->msix_size * MSIX_ENTRY_SIZE >
		    vp->bar_size[bir])
		return VIRTIO_EMSIX;
	vp->msix_table = vp->bar_base[bir] + table;
	vp->msix_cap = cap;
	ctrl = (u16)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	pci_write16(&vp->pci, cap + MSIX_CTRL, ctrl);
	if (!(pci_read16(&vp->pci, cap + MSIX_CTRL) & MSIX_CTRL_ENABLE))
		return VIRTIO_EMSIX;
	return VIRTIO_OK;
}

int virtio_msix_set_entry(struct virtio_pci *vp, u16 entry, u8 apic_id,
			  u8 vector)
{
	u64 e = vp->msix_table + (u64)entry * MSIX_ENTRY_SIZE;

	if (!vp->msix_cap || entry >= vp->msix_size)
		return VIRTIO_EMSIX;
	/* Masked while the message is rewritten, then unmasked. */
	mmio_write32(e + MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	mmio_write32(e + MSIX_ENTRY_ADDR_LO,
		     MSI_ADDR_BASE | (u32)apic_id << 12);
	mmio_write32(e + MSIX_ENTRY_ADDR_HI, 0);
	mmio_write32(e + MSIX_ENTRY_DATA, vector);
	mmio_write32(e + MSIX_ENTRY_CTRL, 0);
	return VIRTIO_OK;
}

void virtio_driver_ok(struct virtio_pci *vp)
{
	virtio_set_status(vp, VIRTIO_STATUS_DRIVER_OK);
}

u32 virtio_config_read32(const struct virtio_pci *vp, u32 off)
{
	if ((u64)off + 4 > vp->device_len)
		return 0xffffffff;
	return mmio_read32(vp->device + off);
}

u8 virtio_config_read8(const struct virtio_pci *vp, u32 off)
{
	if ((u64)off + 1 > vp->device_len)
		return 0xff;
	return mmio_read8(vp->device + off);
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned int n)
{
	struct virtq_desc *desc = vq->mem->desc;
	u16 head = vq->free_head, idx = head, last = head;
	unsigned int k;

	if (!n || n > vq->nr_free)
		return VIRTIO_EFULL;
	for (k = 0; k < n; k++) {
		desc[idx].addr = virt_to_phys(bufs[k].addr);
		desc[idx].len = bufs[k].len;
		u16 flags = bufs[k].write ? VIRTQ_DESC_F_WRITE : 0;

		if (k + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		desc[idx].flags = flags;
		last = idx;
		idx = desc[idx].next;
	}
	vq->free_head = desc[last].next;
	vq->nr_free = (u16)(vq->nr_free - n);
	vq->chain_len[head] = (u8)n;

	vq->mem->avail.ring[vq->avail_idx % vq->size] = head;
	/* The device may read the ring entry once it sees the new idx. */
	barrier();
	vq->avail_idx++;
	*(volatile u16 *)&vq->mem->avail.idx = vq->avail_idx;
	return head;
}

void virtq_kick(struct virtq *vq)
{
	/* avail->idx is in memory before the doorbell traps (x86 TSO). */
	barrier();
	mmio_write16(vq->notify, vq->index);
}

/* Put the chain at @head (chain_len entries linked by next) back. */
static void virtq_free_chain(struct virtq *vq, u16 head)
{
	struct virtq_desc *desc = vq->mem->desc;
	u16 last = head, k;

	for (k = 1; k < vq->chain_len[head]; k++)
		last = desc[last].next;
	desc[last].next = vq->free_head;
	vq->free_head = head;
	vq->nr_free = (u16)(vq->nr_free + vq->chain_len[head]);
	vq->chain_len[head] = 0;
}

int virtq_poll(struct virtq *vq, u32 *len, u64 timeout)
{
	volatile u16 *used_idx = &vq->mem->used.idx;
	volatile struct virtq_used_elem *elem;
	u64 start = rdtsc();
	u32 id;

	while (*used_idx == vq->last_used) {
		if (rdtsc() - start > timeout)
			return VIRTIO_ETIMEDOUT;
		cpu_relax();
	}
	/* x86 does not reorder loads: the element is read after the idx. */
	barrier();
	elem = &vq->mem->used.ring[vq->last_used % vq->size];
	id = elem->id;
	*len = elem->len;
	vq->last_used++;
	if (id >= vq->size || !vq->chain_len[id])
		return VIRTIO_EBADUSED;
	virtq_free_chain(vq, (u16)id);
	return (int)id;
}

bool virtq_sleep_until_used(struct virtq *vq, volatile u32 *irqs, u64 timeout)
{
	volatile u16 *used_idx = &vq->mem->used.idx;
	u64 start = rdtsc();
	u32 before;

	while (rdtsc() - start < timeout) {
		before = *irqs;
		irq_wait();
		if (*irqs != before && *used_idx != vq->last_used)
			return true;
	}
	return false;
}
