// SPDX-License-Identifier: MIT
/*
 * virtio-pci transport registers through the buses: common configuration
 * (features, status, queues, reset), MSI-X routing and masking, doorbells
 * (ioeventfd and bus path), ISR, device configuration.
 */
#include "tests/unit/lib/vpci_fixture.h"

TestSuite(pci, .init = vpci_setup, .fini = vpci_teardown);

Test(pci, features_drop_unoffered_bits)
{
	u64 offered;

	common_wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	offered = common_rd(VIRTIO_PCI_COMMON_DF, 4);
	common_wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	offered |= (u64)common_rd(VIRTIO_PCI_COMMON_DF, 4) << 32;
	cr_assert(offered & (1ULL << VIRTIO_F_VERSION_1));
	cr_assert(offered & (1ULL << TEST_FEATURE));
	cr_assert_not(offered & (1ULL << 5));

	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 0xffffffff, 4);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), (u32)offered);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 0xffffffff, 4);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), offered >> 32);
	cr_assert_eq(VP->dev.vd.driver_features, offered);
}

Test(pci, features_ok_needs_version_1)
{
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1u << TEST_FEATURE, 4);
	common_wr(VIRTIO_PCI_COMMON_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK,
		  1);
	cr_assert_not(common_rd(VIRTIO_PCI_COMMON_STATUS, 1) &
		      VIRTIO_STATUS_FEATURES_OK);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK,
		  1);
	cr_assert(common_rd(VIRTIO_PCI_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_FEATURES_OK);
	/* Frozen now. */
	common_wr(VIRTIO_PCI_COMMON_GF, 0, 4);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), 1);
}

Test(pci, queue_size_must_be_power_of_two)
{
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 128, 2); /* > offered */
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 24, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	/* Enabling a queue with no valid size marks the device. */
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	cr_assert(common_rd(VIRTIO_PCI_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_NEEDS_RESET);
	/* Beyond num_queues: reads 0, writes dropped. */
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, NQ, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
}

static void bring_up_queue0(void)
{
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK,
		  1);
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x1000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_AVAILLO, 0x2000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_USEDLO, 0x3000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	common_wr(VIRTIO_PCI_COMMON_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK,
		  1);
}

Test(pci, driver_ok_activates_and_status_0_resets)
{
	bring_up_queue0();
	cr_assert_eq(VP->dev.activated, 1);
	cr_assert(VP->dev.vd.vq[0].ready);
	cr_assert_geq(VP->dev.vd.vq[0].call_fd, 0);
	/* A live queue's rings cannot be moved. */
	common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x5000, 4);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x1000);

	common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	cr_assert_eq(VP->dev.resets, 1);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), 0);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SELECT, 2), 0);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2),
		     VIRTIO_MSI_NO_VECTOR);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), 0);
	cr_assert_not(VP->dev.vd.vq[0].ready);
	cr_assert_eq(VP->dev.vd.vq[0].call_fd, -1);
	/* A reset of a device never started does not call ops->reset. */
	common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	cr_assert_eq(VP->dev.resets, 1);
}

/*
 * Queues are set up before DRIVER_OK (no VIRTIO_F_RING_RESET): a queue
 * enabled under the running device would race with its I/O thread.
 */
Test(pci, no_queue_enabled_after_driver_ok)
{
	bring_up_queue0();
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x4000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_AVAILLO, 0x5000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_USEDLO, 0x6000, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	cr_assert_not(VP->dev.vd.vq[1].ready);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	/* The MSI-X vector may still move. */
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
}

Test(pci, bad_vector_reads_back_no_vector)
{
	common_wr(VIRTIO_PCI_COMMON_MSIX, NQ + 1, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_MSIX, 2),
		     VIRTIO_MSI_NO_VECTOR);
	common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), 0);
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 7, 2);
	cr_assert_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2),
		     VIRTIO_MSI_NO_VECTOR);
}

Test(pci, msix_route_mask_and_pending)
{
	struct virtio_pci *vp = VP->vp;
	u32 e = VIRTIO_PCI_MSIX_OFF + PCI_MSIX_ENTRY_SIZE; /* vector 1 */
	u32 ctrl_off = vp->msix_cap + PCI_MSIX_FLAGS;
	int gsi = vp->vec[1].gsi, efd = vp->vec[1].efd;
	u64 one = 1;

	cr_assert_eq(bar_rd(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1, "masked");
	bar_wr(e + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
	bar_wr(e + PCI_MSIX_ENTRY_DATA, 0x41, 4);
	bar_wr(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	cr_assert_eq(VP->rec.irqfd[gsi - 24], -1, "MSI-X not enabled yet");
	cfg_write(1, ctrl_off, PCI_MSIX_FLAGS_ENABLE, 2);
	cr_assert_eq(VP->rec.irqfd[gsi - 24], efd);
	cr_assert_eq(VP->rec.addr[gsi - 24], 0xfee00000);
	cr_assert_eq(VP->rec.data[gsi - 24], 0x41);

	/* Masked: the irqfd is detached and a signal shows up in the PBA. */
	bar_wr(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 1, 4);
	cr_assert_eq(VP->rec.irqfd[gsi - 24], -1);
	cr_assert_eq(bar_rd(VIRTIO_PCI_PBA_OFF, 4) & 2, 0);
	cr_assert_eq(write(efd, &one, 8), 8);
	cr_assert_eq(bar_rd(VIRTIO_PCI_PBA_OFF, 4) & 2, 2);
	/* Unmasked: attached again, the message still pending in the fd. */
	bar_wr(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	cr_assert_eq(VP->rec.irqfd[gsi - 24], efd);
	cr_assert(readable(efd));
	/* Function mask detaches every vector. */
	cfg_write(1, ctrl_off, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
		  2);
	cr_assert_eq(VP->rec.irqfd[gsi - 24], -1);
}

Test(pci, doorbells_ioeventfd_and_bus_path)
{
	int fd1 = VP->dev.vd.vq[1].kick_fd;
	unsigned int i;
	bool found = false;

	for (i = 0; i < VP->rec.nr_ioev; i++)
		if (VP->rec.ioev_addr[i] == VP->bar + VIRTIO_PCI_NOTIFY_OFF + 4)
			found = VP->rec.ioev_fd[i] == fd1;
	cr_assert(found, "queue 1's doorbell has an ioeventfd");
	cr_assert_not(readable(fd1));
	bar_wr(VIRTIO_PCI_NOTIFY_OFF + 4, 1, 2);
	cr_assert(readable(fd1), "a doorbell that exits is forwarded");
	cr_assert_not(readable(VP->dev.vd.vq[0].kick_fd));
}

Test(pci, needs_reset_signals_config_vector)
{
	int efd = VP->vp->vec[0].efd;

	common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	virtio_dev_needs_reset(&VP->dev.vd, "unit test");
	cr_assert(common_rd(VIRTIO_PCI_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_NEEDS_RESET);
	cr_assert(readable(efd));
	cr_assert_eq(bar_rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
	cr_assert_eq(bar_rd(VIRTIO_PCI_ISR_OFF, 1), 0, "read clears");
}

Test(pci, device_config_window)
{
	cr_assert_eq(bar_rd(VIRTIO_PCI_DEVICE_OFF, 4), 0x65757173); /* "sque" */
	cr_assert_eq(bar_rd(VIRTIO_PCI_DEVICE_OFF + 6, 2), 0x2165); /* "e!" */
	cr_assert_eq(bar_rd(VIRTIO_PCI_DEVICE_OFF + 8, 4), 0, "past the end");
	cr_assert_eq(bar_rd(VIRTIO_PCI_DEVICE_OFF + 6, 4), 0, "straddles it");
}

/* A second function, created but not attached, as vm_virtio_setup() does. */
static struct virtio_pci *create_detached(struct dummy *d, u64 *bar)
{
	struct err err;
	struct virtio_pci *vp;

	virtio_dev_init(&d->vd, &dummy_ops, &VP->mem);
	vp = virtio_pci_create(&VP->host, &d->vd, &VP->irq, &err);
	cr_assert_not_null(vp, "%s", err.msg);
	*bar = pci_bar_addr(virtio_pci_dev(vp), 0);
	cr_assert_neq(*bar, 0, "the BAR is mapped before the VM exists");
	return vp;
}

static bool has_ioev(u64 addr, int fd)
{
	unsigned int i;

	for (i = 0; i < VP->rec.nr_ioev; i++)
		if (VP->rec.ioev_addr[i] == addr)
			return VP->rec.ioev_fd[i] == fd;
	return false;
}

Test(pci, ioeventfds_wait_for_attach)
{
	struct dummy d = { 0 };
	unsigned int calls = VP->rec.ioev_calls, nr = VP->rec.nr_ioev;
	struct virtio_pci *vp;
	struct err err;
	u64 bar, one = 1;
	u16 q = 1;

	vp = create_detached(&d, &bar);
	cr_assert_eq(VP->rec.ioev_calls, calls, "no ioeventfd before attach");
	cr_assert_eq(VP->rec.nr_ioev, nr);
	/* Unattached, a doorbell still reaches the queue through the bus. */
	cr_assert(bus_write(&VP->mmio, bar + VIRTIO_PCI_NOTIFY_OFF + 4, &q, 2));
	cr_assert(readable(d.vd.vq[1].kick_fd));
	cr_assert_eq(read(d.vd.vq[1].kick_fd, &one, 8), 8);

	cr_assert_eq(virtio_pci_attach(vp, &err), 0, "%s", err.msg);
	cr_assert_eq(VP->rec.ioev_calls, calls + NQ, "one call per queue");
	cr_assert_eq(VP->rec.nr_ioev, nr + NQ);
	cr_assert(has_ioev(bar + VIRTIO_PCI_NOTIFY_OFF, d.vd.vq[0].kick_fd));
	cr_assert(
		has_ioev(bar + VIRTIO_PCI_NOTIFY_OFF + 4, d.vd.vq[1].kick_fd));
	virtio_pci_destroy(vp);
	cr_assert_eq(VP->rec.nr_ioev, nr, "destroy drops them");
}

Test(pci, failed_attach_is_reported_and_bus_doorbells_work)
{
	struct dummy d = { 0 };
	struct virtio_pci *vp;
	struct err err;
	u64 bar;
	u16 q = 0;

	vp = create_detached(&d, &bar);
	VP->rec.fail_ioev = true;
	cr_assert_eq(virtio_pci_attach(vp, &err), -ENOTTY);
	cr_assert(strstr(err.msg, "ioeventfd"), "err names it: '%s'", err.msg);
	cr_assert_not(
		has_ioev(bar + VIRTIO_PCI_NOTIFY_OFF, d.vd.vq[0].kick_fd));
	cr_assert(bus_write(&VP->mmio, bar + VIRTIO_PCI_NOTIFY_OFF, &q, 2));
	cr_assert(readable(d.vd.vq[0].kick_fd), "forwarded although refused");
	virtio_pci_destroy(vp);
}

Test(pci, refused_ioeventfd_on_remap_falls_back_to_bus)
{
	int fd0 = VP->dev.vd.vq[0].kick_fd;

	/* Remap the BAR while registration fails. */
	VP->rec.fail_ioev = true;
	cfg_write(1, PCI_COMMAND, 0, 2);
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	cr_assert_eq(VP->rec.nr_ioev, 0);
	bar_wr(VIRTIO_PCI_NOTIFY_OFF, 0, 2);
	cr_assert(readable(fd0), "forwarded although KVM refused");
	/* The next remap KVM accepts registers every queue again. */
	VP->rec.fail_ioev = false;
	cfg_write(1, PCI_COMMAND, 0, 2);
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	cr_assert_eq(VP->rec.nr_ioev, NQ);
	cr_assert(has_ioev(VP->bar + VIRTIO_PCI_NOTIFY_OFF, fd0));
	cr_assert(has_ioev(VP->bar + VIRTIO_PCI_NOTIFY_OFF + 4,
			   VP->dev.vd.vq[1].kick_fd));
}
