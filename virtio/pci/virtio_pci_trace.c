// SPDX-License-Identifier: MIT
/*
 * BAR 0 of a virtio-pci function in words, for --trace: which structure an
 * access falls in (the layout in virtio_pci.h) and the register there,
 * named by the file that handles it: the common configuration
 * (virtio_pci_common.c), the MSI-X table and PBA (virtio_pci_msix.c), the
 * ISR, the device's own configuration (its ops->config_names), and the
 * doorbells.
 */
#include "virtio/pci/virtio_pci_int.h"

static const char *vp_name(void *opaque)
{
	struct virtio_pci *vp = opaque;

	return vp->vd->name;
}

static void describe_device_cfg(struct virtio_pci *vp,
				const struct io_access *a, u64 rel,
				struct trace_note *n)
{
	const struct virtio_dev_ops *ops = vp->vd->ops;
	const struct reg_name *r =
		ops->config_names ? reg_name_find(ops->config_names,
						  ops->nr_config_names, rel) :
				    NULL;

	note_printf(n, "%s.config.%s", vp->vd->name, r ? r->name : "?");
	if (r && rel != r->off)
		note_printf(n, "+%llu", (unsigned long long)(rel - r->off));
	note_printf(n, " %s 0x%llx", a->write ? "<-" : "->",
		    (unsigned long long)a->val);
}

static void vp_describe(void *opaque, const struct io_access *a,
			struct trace_note *n)
{
	struct virtio_pci *vp = opaque;
	u64 rel = a->off % VIRTIO_PCI_REGION_SIZE;
	const char *name = vp->vd->name;

	switch (a->off - rel) {
	case VIRTIO_PCI_COMMON_OFF:
		n->file = "virtio/pci/virtio_pci_common.c";
		vp_common_describe(vp, rel, a->write, a->val, n);
		break;
	case VIRTIO_PCI_ISR_OFF:
		note_printf(n, "%s.isr %s 0x%llx%s", name,
			    a->write ? "<-" : "->", (unsigned long long)a->val,
			    a->write ? "" : " (reading acknowledges it)");
		break;
	case VIRTIO_PCI_DEVICE_OFF:
		describe_device_cfg(vp, a, rel, n);
		break;
	case VIRTIO_PCI_NOTIFY_OFF:
		note_printf(n,
			    "%s.notify[%llu] %s 0x%llx (a doorbell that "
			    "exited: no ioeventfd took it)",
			    name,
			    (unsigned long long)(rel / VIRTIO_PCI_NOTIFY_MULT),
			    a->write ? "<-" : "->", (unsigned long long)a->val);
		break;
	case VIRTIO_PCI_MSIX_OFF:
	case VIRTIO_PCI_PBA_OFF:
		vp_msix_describe(vp, rel, a->off - rel == VIRTIO_PCI_PBA_OFF,
				 a->write, a->val, n);
		break;
	default:
		note_printf(n, "%s.bar0+0x%llx %s 0x%llx (nothing there)", name,
			    (unsigned long long)a->off, a->write ? "<-" : "->",
			    (unsigned long long)a->val);
		break;
	}
}

const struct io_desc vp_bar_desc = {
	.file = "virtio/pci/virtio_pci.c",
	.trace_class = TRACE_VIRTIO,
	.name_of = vp_name,
	.describe = vp_describe,
};
