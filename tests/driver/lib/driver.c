// SPDX-License-Identifier: MIT
/*
 * The in-process virtio driver, device side of Linux's virtio_pci: the
 * machine (RAM, buses, PCI host, fake irq controller), PCI probing,
 * MSI-X programming and the status / feature handshake. Queues are in
 * driver_vq.c.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "tests/driver/lib/driver.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static int env_init(struct drv_env *env, u64 mem_size, bool shared,
		    struct err *err)
{
	int ret;

	memset(env, 0, sizeof(*env));
	if (mem_size < 32 * MiB)
		return err_input(err, -EINVAL, "drv: need >= 32 MiB");
	ret = shared ? guest_mem_alloc_shared(&env->mem, mem_size) :
		       guest_mem_alloc(&env->mem, mem_size);
	if (ret)
		return err_input(err, ret, "drv: guest RAM: %s",
				 strerror(-ret));
	bus_init(&env->pio, "pio");
	bus_init(&env->mmio, "mmio");
	fake_irq_init(&env->irq, &env->irq_ctl);
	ret = pci_host_init(&env->pci, &env->pio, &env->mmio, err);
	if (ret) {
		drv_env_destroy(env);
		return ret;
	}
	env->alloc_next = DRV_ALLOC_START;
	env->alloc_end = env->mem.region[0].size;
	env->next_msi_data = 0x30;
	return 0;
}

int drv_env_init(struct drv_env *env, u64 mem_size, struct err *err)
{
	return env_init(env, mem_size, false, err);
}

int drv_env_init_shared(struct drv_env *env, u64 mem_size, struct err *err)
{
	return env_init(env, mem_size, true, err);
}

void drv_env_destroy(struct drv_env *env)
{
	pci_host_destroy(&env->pci);
	fake_irq_destroy(&env->irq);
	bus_destroy(&env->mmio);
	bus_destroy(&env->pio);
	guest_mem_free(&env->mem);
}

u64 drv_alloc(struct drv_env *env, u64 size, u64 align)
{
	u64 gpa = ALIGN_UP(env->alloc_next, align);
	void *p;

	if (gpa < env->alloc_next || gpa > env->alloc_end ||
	    size > env->alloc_end - gpa)
		return 0;
	p = guest_mem_ptr(&env->mem, gpa, size);
	if (!p)
		return 0;
	memset(p, 0, size);
	env->alloc_next = gpa + size;
	return gpa;
}

void *drv_ptr(struct drv_env *env, u64 gpa, u64 len)
{
	return guest_mem_ptr(&env->mem, gpa, len);
}

/* --- PCI configuration space through 0xcf8 / 0xcfc --- */

static void select_cfg(struct drv_env *env, u32 slot, u32 off)
{
	u32 a = 0x80000000u | (slot << 11) | (off & 0xfc);

	bus_write(&env->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
}

u32 drv_pci_read(struct drv_env *env, u32 slot, u32 off, u32 len)
{
	u32 v = 0;

	select_cfg(env, slot, off);
	bus_read(&env->pio, PORT_PCI_CONFIG_DATA + (off & 3), &v, len);
	return v;
}

void drv_pci_write(struct drv_env *env, u32 slot, u32 off, u32 val, u32 len)
{
	select_cfg(env, slot, off);
	bus_write(&env->pio, PORT_PCI_CONFIG_DATA + (off & 3), &val, len);
}

/* --- BAR access --- */

static u32 mmio_read(struct drv_env *env, u64 addr, u32 len)
{
	u32 v = 0;

	bus_read(&env->mmio, addr, &v, len);
	return v;
}

static void mmio_write(struct drv_env *env, u64 addr, u32 val, u32 len)
{
	bus_write(&env->mmio, addr, &val, len);
}

u32 drv_common_read(struct drv_dev *d, u32 off, u32 len)
{
	return mmio_read(d->env, d->common + off, len);
}

void drv_common_write(struct drv_dev *d, u32 off, u32 val, u32 len)
{
	mmio_write(d->env, d->common + off, val, len);
}

u8 drv_status(struct drv_dev *d)
{
	return drv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1);
}

void drv_set_status(struct drv_dev *d, u8 status)
{
	drv_common_write(d, VIRTIO_PCI_COMMON_STATUS, status, 1);
}

/* --- Probing --- */

static void read_bars(struct drv_dev *d)
{
	int i;

	for (i = 0; i < PCI_NR_BARS; i++) {
		u32 lo = drv_pci_read(d->env, d->slot, PCI_BAR0 + 4 * i, 4);

		d->bar_addr[i] = lo & ~0xfULL;
		if ((lo & 7) == PCI_BAR_MEM_64 && i + 1 < PCI_NR_BARS) {
			d->bar_addr[i] |=
				(u64)drv_pci_read(d->env, d->slot,
						  PCI_BAR0 + 4 * (i + 1), 4)
				<< 32;
			i++;
		}
	}
}

static void read_vendor_cap(struct drv_dev *d, u32 pos)
{
	struct drv_env *env = d->env;
	u32 type = drv_pci_read(env, d->slot, pos + 3, 1);
	u32 bar = drv_pci_read(env, d->slot, pos + 4, 1);
	u32 off = drv_pci_read(env, d->slot, pos + 8, 4);
	u32 len = drv_pci_read(env, d->slot, pos + 12, 4);
	u64 addr;

	if (bar >= PCI_NR_BARS)
		return;
	addr = d->bar_addr[bar] + off;
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		d->common = addr;
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		d->notify = addr;
		d->notify_mult = drv_pci_read(env, d->slot, pos + 16, 4);
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		d->isr = addr;
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		d->device = addr;
		d->device_len = len;
		break;
	}
}

static void read_msix_cap(struct drv_dev *d, u32 pos)
{
	u32 table = drv_pci_read(d->env, d->slot, pos + 4, 4);
	u32 pba = drv_pci_read(d->env, d->slot, pos + 8, 4);

	d->msix_cap = pos;
	d->msix_nr = (drv_pci_read(d->env, d->slot, pos + PCI_MSIX_FLAGS, 2) &
		      PCI_MSIX_FLAGS_QSIZE) +
		     1;
	d->msix_table = d->bar_addr[table & 7] + (table & ~7u);
	d->msix_pba = d->bar_addr[pba & 7] + (pba & ~7u);
}

static int read_caps(struct drv_dev *d)
{
	u32 pos, hops;

	if (!(drv_pci_read(d->env, d->slot, PCI_STATUS, 2) &
	      PCI_STATUS_CAP_LIST))
		return -ENODEV;
	pos = drv_pci_read(d->env, d->slot, PCI_CAPABILITY_LIST, 1);
	/* At most 48 capabilities fit in 192 bytes: a longer list loops. */
	for (hops = 0; pos >= PCI_CAP_START && hops < 48; hops++) {
		u32 id = drv_pci_read(d->env, d->slot, pos, 1);

		if (id == PCI_CAP_ID_VNDR)
			read_vendor_cap(d, pos);
		else if (id == PCI_CAP_ID_MSIX)
			read_msix_cap(d, pos);
		pos = drv_pci_read(d->env, d->slot, pos + 1, 1) & ~3u;
	}
	return d->common && d->notify && d->msix_nr ? 0 : -ENODEV;
}

static void setup_msix(struct drv_dev *d)
{
	u32 i, ctrl;

	if (d->msix_nr > ARRAY_SIZE(d->msi_data))
		d->msix_nr = ARRAY_SIZE(d->msi_data);
	for (i = 0; i < d->msix_nr; i++) {
		u64 e = d->msix_table + i * PCI_MSIX_ENTRY_SIZE;

		d->msi_data[i] = d->env->next_msi_data++;
		mmio_write(d->env, e + PCI_MSIX_ENTRY_LOWER_ADDR, DRV_MSI_ADDR,
			   4);
		mmio_write(d->env, e + PCI_MSIX_ENTRY_UPPER_ADDR, 0, 4);
		mmio_write(d->env, e + PCI_MSIX_ENTRY_DATA, d->msi_data[i], 4);
		mmio_write(d->env, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	}
	ctrl = drv_pci_read(d->env, d->slot, d->msix_cap + PCI_MSIX_FLAGS, 2);
	drv_pci_write(d->env, d->slot, d->msix_cap + PCI_MSIX_FLAGS,
		      ctrl | PCI_MSIX_FLAGS_ENABLE, 2);
}

int drv_probe(struct drv_env *env, u16 virtio_id, unsigned int index,
	      struct drv_dev *d)
{
	u32 slot, cmd;
	int ret;

	memset(d, 0, sizeof(*d));
	d->env = env;
	for (slot = 0; slot < PCI_MAX_SLOTS; slot++) {
		if (drv_pci_read(env, slot, PCI_VENDOR_ID, 2) !=
			    VIRTIO_PCI_VENDOR ||
		    drv_pci_read(env, slot, PCI_DEVICE_ID, 2) !=
			    (u32)VIRTIO_PCI_DEVICE_BASE + virtio_id)
			continue;
		if (index-- == 0)
			break;
	}
	if (slot == PCI_MAX_SLOTS)
		return -ENODEV;
	d->slot = slot;
	d->virtio_id = virtio_id;
	read_bars(d);
	ret = read_caps(d);
	if (ret)
		return ret;
	cmd = drv_pci_read(env, slot, PCI_COMMAND, 2);
	drv_pci_write(env, slot, PCI_COMMAND,
		      cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	setup_msix(d);
	return 0;
}

/* --- Status and features --- */

int drv_reset(struct drv_dev *d)
{
	int i;

	drv_set_status(d, 0);
	/* The spec lets a device take time to reset; ours is synchronous. */
	for (i = 0; i < 1000; i++) {
		if (drv_status(d) == 0)
			return 0;
		usleep(100);
	}
	return -ETIMEDOUT;
}

/* A 64-bit feature word, 32 bits at a time through its select register. */
static u64 read_features(struct drv_dev *d, u32 select, u32 value)
{
	u64 f;

	drv_common_write(d, select, 0, 4);
	f = drv_common_read(d, value, 4);
	drv_common_write(d, select, 1, 4);
	f |= (u64)drv_common_read(d, value, 4) << 32;
	return f;
}

u64 drv_device_features(struct drv_dev *d)
{
	return read_features(d, VIRTIO_PCI_COMMON_DFSELECT,
			     VIRTIO_PCI_COMMON_DF);
}

void drv_write_features(struct drv_dev *d, u64 features)
{
	drv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	drv_common_write(d, VIRTIO_PCI_COMMON_GF, (u32)features, 4);
	drv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	drv_common_write(d, VIRTIO_PCI_COMMON_GF, features >> 32, 4);
}

u64 drv_driver_features(struct drv_dev *d)
{
	return read_features(d, VIRTIO_PCI_COMMON_GFSELECT,
			     VIRTIO_PCI_COMMON_GF);
}

int drv_negotiate(struct drv_dev *d, u64 want)
{
	u64 f;

	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	f = drv_device_features(d) & (want | (1ULL << VIRTIO_F_VERSION_1));
	drv_write_features(d, f);
	drv_set_status(d, drv_status(d) | VIRTIO_STATUS_FEATURES_OK);
	if (!(drv_status(d) & VIRTIO_STATUS_FEATURES_OK))
		return -EIO;
	d->features = f;
	return 0;
}

int drv_driver_ok(struct drv_dev *d)
{
	u8 s;

	drv_set_status(d, drv_status(d) | VIRTIO_STATUS_DRIVER_OK);
	s = drv_status(d);
	if (!(s & VIRTIO_STATUS_DRIVER_OK) ||
	    (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)))
		return -EIO;
	return 0;
}

int drv_start(struct drv_dev *d, u64 want, unsigned int nr_queues, u16 size)
{
	unsigned int i;
	int ret;

	ret = drv_reset(d);
	if (!ret)
		ret = drv_negotiate(d, want);
	/* Configuration changes (and NEEDS_RESET) on vector 0, as Linux. */
	if (!ret)
		drv_common_write(d, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	for (i = 0; !ret && i < nr_queues; i++)
		ret = drv_vq_setup(d, i, size);
	if (ret)
		return ret;
	d->nr_vqs = nr_queues;
	return drv_driver_ok(d);
}

/* --- Device configuration and MSI-X --- */

static int config_access(struct drv_dev *d, u32 off, void *buf, u32 len,
			 bool write)
{
	u32 i;

	if (!d->device || off > d->device_len || len > d->device_len - off)
		return -EINVAL;
	/* Natural-width accesses where possible, as Linux does. */
	if ((len == 1 || len == 2 || len == 4 || len == 8) && off % len == 0) {
		if (write)
			bus_write(&d->env->mmio, d->device + off, buf, len);
		else
			bus_read(&d->env->mmio, d->device + off, buf, len);
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (write)
			bus_write(&d->env->mmio, d->device + off + i,
				  (u8 *)buf + i, 1);
		else
			bus_read(&d->env->mmio, d->device + off + i,
				 (u8 *)buf + i, 1);
	}
	return 0;
}

int drv_config_read(struct drv_dev *d, u32 off, void *buf, u32 len)
{
	return config_access(d, off, buf, len, false);
}

int drv_config_write(struct drv_dev *d, u32 off, const void *buf, u32 len)
{
	return config_access(d, off, (void *)buf, len, true);
}

void drv_msix_mask(struct drv_dev *d, u32 vector, bool masked)
{
	mmio_write(d->env,
		   d->msix_table + vector * PCI_MSIX_ENTRY_SIZE +
			   PCI_MSIX_ENTRY_VECTOR_CTRL,
		   masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0, 4);
}

bool drv_msix_pending(struct drv_dev *d, u32 vector)
{
	u32 word = mmio_read(d->env, d->msix_pba + (vector / 32) * 4, 4);

	return word & (1u << (vector % 32));
}

int drv_wait_irq(struct drv_dev *d, u32 vector, int timeout_ms)
{
	struct pollfd p;
	u64 v;

	if (vector >= d->msix_nr)
		return -ENOENT;
	p.fd = fake_irq_msi_fd(&d->env->irq, DRV_MSI_ADDR, d->msi_data[vector]);
	p.events = POLLIN;
	if (p.fd < 0)
		return -ENOENT;
	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	return read(p.fd, &v, sizeof(v)) == sizeof(v) ? 1 : 0;
}
