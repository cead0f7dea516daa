// SPDX-License-Identifier: MIT
/*
 * <devices>: which device elements become squeeze devices (disks,
 * interfaces, shared directories, the serial console), which are ignored
 * with a warning because a headless VM does without them, and which are
 * refused.
 */
#include <string.h>

#include "vmm/config/domxml_int.h"

/*
 * Controllers only matter through the devices on them: disks on IDE,
 * SATA or SCSI are refused on their own, and squeeze puts its devices on
 * PCI bus 0 itself.
 */
static int map_controller(struct dx *d, xmlNode *n)
{
	static const char *const quiet_types[] = {
		"pci",		 "ide",	 "sata", "scsi", "fdc",
		"virtio-serial", "ccid", "isa",	 NULL,
	};
	const char *type = dx_attr(d, n, "type");
	const char *const *t;
	char *key;

	if (type && !strcmp(type, "usb")) {
		dx_warn(d, n, "controller:usb", "ignored: squeeze has no USB");
		return 0;
	}
	for (t = quiet_types; type && *t; t++)
		if (!strcmp(type, *t))
			break;
	if (!type || !*t)
		return dx_refuse(d, n, "not supported by squeeze");
	key = dx_printf(d, "controller:%s", type);
	dx_warn(d, n, key,
		"ignored: squeeze has no such controller; its devices are virtio-pci functions on PCI bus 0");
	return 0;
}

/* model='none' is what squeeze has: no balloon. */
static int map_memballoon(struct dx *d, xmlNode *n)
{
	const char *model = dx_attr(d, n, "model");

	if (!model || strcmp(model, "none"))
		dx_warn(d, n, "memballoon",
			"ignored: squeeze has no balloon; the guest keeps all its memory");
	return 0;
}

static const struct dx_rule device_rules[] = {
	{ "disk", DX_MAP, dx_map_disk, NULL },
	{ "interface", DX_MAP, dx_map_interface, NULL },
	{ "serial", DX_MAP, dx_map_chardev, NULL },
	{ "console", DX_MAP, dx_map_chardev, NULL },
	{ "filesystem", DX_MAP, dx_map_filesystem, NULL },
	{ "controller", DX_MAP, map_controller, NULL },
	{ "memballoon", DX_MAP, map_memballoon, NULL },
	{ "emulator", DX_IGNORE, NULL, "squeeze is the emulator" },
	{ "graphics", DX_IGNORE, NULL,
	  "squeeze is headless; the serial console is its display" },
	{ "video", DX_IGNORE, NULL, "squeeze is headless" },
	{ "input", DX_IGNORE, NULL,
	  "no keyboard, mouse or tablet; the serial console is the input" },
	{ "sound", DX_IGNORE, NULL, "squeeze has no sound device" },
	{ "audio", DX_IGNORE, NULL, "squeeze has no sound device" },
	{ "channel", DX_IGNORE, NULL,
	  "no virtio-serial channels (guest agent, SPICE)" },
	{ "redirdev", DX_IGNORE, NULL, "squeeze has no USB" },
	{ "redirfilter", DX_IGNORE, NULL, "squeeze has no USB" },
	{ "hub", DX_IGNORE, NULL, "squeeze has no USB" },
	{ "rng", DX_IGNORE, NULL,
	  "no virtio-rng; the guest uses its own entropy sources" },
	{ "hostdev", DX_REFUSE, NULL,
	  "squeeze cannot pass host devices through" },
	{ "smartcard", DX_REFUSE, NULL, "not supported by squeeze" },
	{ "watchdog", DX_REFUSE, NULL, "squeeze has no watchdog device" },
	{ "panic", DX_REFUSE, NULL, "squeeze has no panic device" },
	{ "tpm", DX_REFUSE, NULL, "squeeze has no TPM" },
	{ "iommu", DX_REFUSE, NULL, "squeeze has no IOMMU" },
	{ "vsock", DX_REFUSE, NULL, "squeeze has no vsock device" },
	{ "shmem", DX_REFUSE, NULL, "squeeze has no shared-memory device" },
	{ "parallel", DX_REFUSE, NULL, "squeeze has no parallel port" },
	{ "memory", DX_REFUSE, NULL, "memory hotplug is not supported" },
};

int dx_map_devices(struct dx *d, xmlNode *n)
{
	return dx_walk(d, n, device_rules, ARRAY_SIZE(device_rules));
}
