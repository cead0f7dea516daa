// SPDX-License-Identifier: MIT
/* A PCI host with one virtio-pci function around a dummy device. See vpci_fixture.h. */
#include "tests/unit/lib/vpci_fixture.h"

int rec_set_line(void *o, u32 gsi, int level)
{
	(void)o;
	(void)gsi;
	(void)level;
	return 0;
}

int rec_msi_alloc(void *o)
{
	struct rec_irq *r = o;

	return r->next_gsi++;
}

int rec_msi_route(void *o, u32 gsi, u64 addr, u32 data)
{
	struct rec_irq *r = o;

	r->addr[gsi - 24] = addr;
	r->data[gsi - 24] = data;
	return 0;
}

int rec_irqfd(void *o, int efd, u32 gsi, bool assign)
{
	struct rec_irq *r = o;

	r->irqfd[gsi - 24] = assign ? efd : -1;
	return 0;
}

int rec_ioeventfd(void *o, u64 addr, u32 len, int efd, bool mmio, bool assign)
{
	struct rec_irq *r = o;
	unsigned int i;

	(void)len;
	(void)mmio;
	r->ioev_calls += assign;
	if (assign && r->fail_ioev)
		return -ENOTTY;
	if (assign) {
		r->ioev_addr[r->nr_ioev] = addr;
		r->ioev_fd[r->nr_ioev++] = efd;
		return 0;
	}
	for (i = 0; i < r->nr_ioev; i++) {
		if (r->ioev_addr[i] == addr) {
			r->ioev_addr[i] = r->ioev_addr[--r->nr_ioev];
			r->ioev_fd[i] = r->ioev_fd[r->nr_ioev];
			return 0;
		}
	}
	return -ENOENT;
}

const struct irq_ops rec_ops = {
	rec_set_line, rec_msi_alloc, rec_msi_route, rec_irqfd, rec_ioeventfd,
};

void dummy_read_config(struct virtio_dev *vd, u32 off, void *data, u32 len)
{
	memcpy(data, container_of(vd, struct dummy, vd)->config + off, len);
}

int dummy_activate(struct virtio_dev *vd)
{
	container_of(vd, struct dummy, vd)->activated++;
	return 0;
}

void dummy_reset(struct virtio_dev *vd)
{
	container_of(vd, struct dummy, vd)->resets++;
}

const struct virtio_dev_ops dummy_ops = {
	.device_id = TEST_ID,
	.nr_queues = NQ,
	.queue_size = 64,
	.features = 1ULL << TEST_FEATURE,
	.config_size = 8,
	.read_config = dummy_read_config,
	.activate = dummy_activate,
	.reset = dummy_reset,
};

struct t *VP;

void vpci_setup(void)
{
	struct err err;
	unsigned int i;

	VP = calloc(1, sizeof(*VP));
	VP->ram = calloc(1, 1 * MiB);
	cr_assert_eq(guest_mem_add(&VP->mem, 0, 1 * MiB, VP->ram), 0);
	bus_init(&VP->pio, "pio");
	bus_init(&VP->mmio, "mmio");
	VP->rec.next_gsi = 24;
	for (i = 0; i < ARRAY_SIZE(VP->rec.irqfd); i++)
		VP->rec.irqfd[i] = -1;
	VP->irq = (struct irq_ctl){ &rec_ops, &VP->rec };
	cr_assert_eq(pci_host_init(&VP->host, &VP->pio, &VP->mmio, &err), 0,
		     "%s", err.msg);
	virtio_dev_init(&VP->dev.vd, &dummy_ops, &VP->mem);
	memcpy(VP->dev.config, "squeeze!", 8);
	VP->vp = virtio_pci_add(&VP->host, &VP->dev.vd, &VP->irq, &err);
	cr_assert_not_null(VP->vp, "%s", err.msg);
	VP->bar = pci_bar_addr(virtio_pci_dev(VP->vp), 0);
}

void vpci_teardown(void)
{
	virtio_pci_destroy(VP->vp);
	pci_host_destroy(&VP->host);
	bus_destroy(&VP->pio);
	bus_destroy(&VP->mmio);
	free(VP->ram);
	free(VP);
}

u32 cfg_read(u32 slot, u32 fn, u32 off, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | fn << 8 | (off & 0xfc), v = 0;

	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_read(&VP->pio, PORT_PCI_CONFIG_DATA + (off & 3), &v, len);
	return v;
}

void cfg_write(u32 slot, u32 off, u32 val, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | (off & 0xfc);

	bus_write(&VP->pio, PORT_PCI_CONFIG_ADDR, &a, 4);
	bus_write(&VP->pio, PORT_PCI_CONFIG_DATA + (off & 3), &val, len);
}

u32 bar_rd(u64 off, u32 len)
{
	u32 v = 0;

	cr_assert(bus_read(&VP->mmio, VP->bar + off, &v, len));
	return v;
}

void bar_wr(u64 off, u32 val, u32 len)
{
	cr_assert(bus_write(&VP->mmio, VP->bar + off, &val, len));
}

u32 common_rd(u32 off, u32 len)
{
	return bar_rd(VIRTIO_PCI_COMMON_OFF + off, len);
}

void common_wr(u32 off, u32 val, u32 len)
{
	bar_wr(VIRTIO_PCI_COMMON_OFF + off, val, len);
}

bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}
