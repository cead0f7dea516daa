// SPDX-License-Identifier: MIT
/*
 * Domain XML, the devices: disks (format never guessed, virtio only,
 * cdroms as read-only disks, libvirt's order), interfaces (bridge and
 * ethernet, virtio only), the serial console, and the device elements
 * ignored or refused (filesystems: test_domxml_fs.c; backing chains:
 * test_domxml_backing.c).
 */
#include "domxml_fixture.h"

TestSuite(domxml_devices, .fini = fixture_fini);

#define DISK(attrs, body) \
	"<disk type='file' device='disk'" attrs ">\n" body "</disk>\n"
#define BASE(more) BASE_ARGS " " more " " BASE_TAIL

Test(domxml_devices, disk_mapping)
{
	expect_args(
		DEV(DISK(
			"",
			"<driver name='qemu' type='qcow2' cache='none' io='native'/>"
			"<source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/>")),
		BASE("--disk /i/a.qcow2,format=qcow2,cache=none"));
	expect_args(
		DEV(DISK(
			"",
			"<driver type='raw' cache='writeback'/><source file='/i/b.img'/>"
			"<target dev='vda'/><readonly/><serial>disk-0</serial>")),
		BASE("--disk /i/b.img,format=raw,readonly=on,serial=disk-0"));
	/* No <driver type>: raw by default, never guessed, as on the command line. */
	expect_args(DEV(DISK("", "<source file='/i/c'/><target dev='vda'/>")),
		    BASE("--disk /i/c"));
	expect_args(
		DEV("<disk type='block' device='disk'><source dev='/dev/sdz'/>"
		    "<target dev='vda' bus='virtio'/></disk>\n"),
		BASE("--disk /dev/sdz"));
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
}

/* libvirt keeps disks in the order of their names; cdroms come last. */
Test(domxml_devices, disk_order_and_cdrom)
{
	expect_args(
		DEV(DISK(
			"",
			"<source file='/b'/><target dev='vdb'/>") "<disk type='file' device='cdrom'><driver type='raw'/>"
								  "<source file='/d.iso'/><target dev='sda' bus='sata'/><readonly/></disk>\n" DISK(
									  "",
									  "<source file='/a'/><target dev='vda'/>")),
		BASE("--disk /a --disk /b --disk /d.iso,format=raw,readonly=on"));
	expect_warned(
		"t.xml:8: <disk type='file' device='cdrom'> sda appears as vdc, a read-only virtio disk");
	cr_assert_eq(dx.nr_warn, 1);
	/* A gap in the names: the guest still sees vda, vdb. */
	expect_args(DEV(DISK("", "<source file='/c'/><target dev='vdc'/>")),
		    BASE("--disk /c"));
	expect_warned(
		"t.xml:6: <disk type='file' device='disk'> vdc appears as vda: squeeze names disks in order");
	/* An empty cdrom drive is no disk. */
	expect_args(
		DEV("<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_warned(
		"t.xml:6: <disk type='file' device='cdrom'> hdc without a medium ignored");
	expect_refused(
		DEV(DISK("", "<source file='/a'/><target dev='vda'/>")
			    DISK("", "<source file='/b'/><target dev='vda'/>")),
		"t.xml:8: <disk type='file' device='disk'>: target dev='vda' is used twice (also at line 6)");
}

Test(domxml_devices, disk_refusals)
{
	static const char *const refused[][2] = {
		{ DISK("", "<source file='/a'/><target dev='sda' bus='sata'/>"),
		  "bus 'sata': virtio is squeeze's only disk bus" },
		{ DISK("", "<source file='/a'/><target dev='hda' bus='ide'/>"),
		  "bus 'ide'" },
		{ DISK("", "<source file='/a'/><target dev='sda' bus='scsi'/>"),
		  "bus 'scsi'" },
		{ DISK("", "<source file='/a'/><target dev='sda' bus='usb'/>"),
		  "bus 'usb'" },
		{ DISK("", "<source file='/a'/><target dev='sda'/>"),
		  "bus 'scsi'" },
		{ "<disk type='network' device='disk'><source protocol='nbd' name='x'/>"
		  "<target dev='vda'/></disk>",
		  "<disk type='network' device='disk'>: squeeze opens local files" },
		{ "<disk type='volume'><source pool='p' volume='v'/><target dev='vda'/></disk>",
		  "<disk type='volume'>" },
		{ "<disk type='file' device='floppy'><source file='/f'/><target dev='fda'/></disk>",
		  "device='floppy'" },
		{ "<disk type='file' device='lun'><source file='/f'/><target dev='sda'/></disk>",
		  "device='lun'" },
		{ DISK("",
		       "<driver type='vmdk'/><source file='/a'/><target dev='vda'/>"),
		  "<driver type='vmdk'>: type='vmdk': squeeze reads raw and qcow2 images" },
		{ DISK("",
		       "<driver type='raw' cache='writethrough'/><source file='/a'/><target dev='vda'/>"),
		  "cache='writethrough'" },
		{ DISK("",
		       "<driver type='raw' cache='directsync'/><source file='/a'/><target dev='vda'/>"),
		  "cache='directsync'" },
		{ DISK("",
		       "<driver type='raw' error_policy='stop'/><source file='/a'/><target dev='vda'/>"),
		  "error_policy='stop': squeeze supports error_policy='report' only" },
		{ DISK("",
		       "<driver type='raw' frob='1'/><source file='/a'/><target dev='vda'/>"),
		  "attribute 'frob' is not supported" },
		{ DISK("", "<source file='/a,b'/><target dev='vda'/>"),
		  "<source>: the path '/a,b' has a comma" },
		{ DISK("",
		       "<source file='/a'/><target dev='vda'/><serial>a,b</serial>"),
		  "<serial>: the serial 'a,b' has a comma" },
		{ DISK("",
		       "<source file='/a'/><target dev='vda'/><serial>123456789012345678901</serial>"),
		  "longer than 20 bytes" },
		{ DISK("",
		       "<source file='/a'/><target dev='vda'/><iotune><total_iops_sec>5</total_iops_sec></iotune>"),
		  "<iotune>: not supported by squeeze" },
		{ DISK("",
		       "<source file='/a'/><target dev='vda'/><shareable/>"),
		  "<shareable>" },
		{ DISK("",
		       "<source file='/a'/><target dev='vda'/><encryption format='luks'/>"),
		  "<encryption" },
		{ DISK("", "<source file='/a'/>"),
		  "has no <target dev='vdX'/>" },
		{ DISK("", "<target dev='vda'/>"), "has no <source file=...>" },
		{ DISK("", "<source file='/a'/><target dev='vd1'/>"),
		  "target dev='vd1' is not a disk name like vda" },
	};
	char xml[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DEV("%s"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
		cr_assert(strstr(err.msg, "t.xml:"), "%s", err.msg);
	}
}

Test(domxml_devices, disk_limits_and_warnings)
{
	char xml[8192] = DOM("<devices>\n"), *p;
	int i;

	expect_args(
		DEV(DISK(
			"",
			"<driver type='raw' cache='unsafe'/><source file='/a' index='1'/>"
			"<backingStore/><target dev='vda'/><alias name='virtio-disk0'/>"
			"<address type='pci' domain='0' bus='4' slot='0' function='0'/>")
			    DISK("",
				 "<source file='/b'/><target dev='vdb'/>"
				 "<address type='pci' domain='0' bus='5' slot='0' function='0'/>")),
		BASE("--disk /a,format=raw --disk /b"));
	expect_warned("t.xml:7: <driver type='raw'> cache='unsafe' ignored");
	expect_warned(
		"t.xml:7: <address type='pci'> ignored: squeeze places its devices on PCI bus 0");
	cr_assert_eq(dx.nr_warn, 2);
	p = strstr(xml, "</domain>");
	for (i = 0; i < 17; i++)
		p += sprintf(
			p,
			"<disk><source file='/d%d'/><target dev='vd%c'/></disk>\n",
			i, 'a' + i);
	strcpy(p, "</devices></domain>\n");
	expect_refused(xml, "t.xml:22: <disk>: squeeze takes at most 16 disks");
}

Test(domxml_devices, interfaces)
{
	expect_args(
		DEV("<interface type='bridge'><source bridge='br0'/>"
		    "<mac address='52:54:00:12:34:56'/><target dev='web-0'/>"
		    "<model type='virtio'/><link state='up'/><driver name='vhost' queues='1'/>"
		    "<alias name='net0'/><rom bar='off'/></interface>\n"),
		BASE("--net bridge=br0,tap=web-0,mac=52:54:00:12:34:56"));
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
	expect_args(
		DEV("<interface type='ethernet'><target dev='tap7' managed='no'/>"
		    "<model type='virtio'/></interface>\n"),
		BASE("--net tap=tap7"));
	expect_args(
		DEV("<interface type='bridge'><source bridge='ovsbr0'/>"
		    "<virtualport type='openvswitch'><parameters interfaceid='09b11c53'/>"
		    "</virtualport><model type='virtio'/></interface>\n"),
		BASE("--net bridge=ovsbr0"));
	expect_warned("<parameters> interfaceid ignored");
	/* A live domain's vnetN is libvirt's name, not the user's. */
	expect_args(
		DEV("<interface type='bridge'><source bridge='br0'/><target dev='vnet3'/>"
		    "<model type='virtio'/></interface>\n"),
		BASE("--net bridge=br0"));
	expect_warned("t.xml:6: <target> dev='vnet3' ignored");
	expect_args(
		DEV("<interface type='bridge'><source bridge='br0'/></interface>\n"),
		BASE("--net bridge=br0"));
	expect_warned(
		"t.xml:6: <interface type='bridge'> has no <model type='virtio'/>");
}

Test(domxml_devices, interface_refusals)
{
	static const char *const refused[][2] = {
		{ "<interface type='network'><source network='default'/></interface>",
		  "<interface type='network'>: libvirt's networks need libvirtd; name the network's bridge instead" },
		{ "<interface type='direct'><source dev='eth0' mode='vepa'/></interface>",
		  "<interface type='direct'>: squeeze connects taps" },
		{ "<interface type='user'/>", "<interface type='user'>" },
		{ "<interface type='bridge'><source bridge='br0'/><model type='e1000'/></interface>",
		  "<model type='e1000'>: model 'e1000': squeeze's network device is virtio-net" },
		{ "<interface type='bridge'><model type='virtio'/></interface>",
		  "has no <source bridge='NAME'/>" },
		{ "<interface type='ethernet'><model type='virtio'/></interface>",
		  "has no <target dev='TAP'/>" },
		{ "<interface type='bridge'><source bridge='br0'/><mac address='01:00:5e:00:00:01'/></interface>",
		  "<interface type='bridge'>: --net: mac=01:00:5e:00:00:01 is a multicast address" },
		{ "<interface type='bridge'><source bridge='br0'/><mac address='nope'/></interface>",
		  "expected a MAC" },
		{ "<interface type='bridge'><source bridge='br0'/><link state='down'/></interface>",
		  "<link>: state='down'" },
		{ "<interface type='bridge'><source bridge='br0'/><driver queues='4'/></interface>",
		  "queues='4'" },
		{ "<interface type='bridge'><source bridge='br0'/><filterref filter='clean-traffic'/></interface>",
		  "<filterref>: not supported by squeeze" },
		{ "<interface type='bridge'><source bridge='br0'/><vlan><tag id='42'/></vlan></interface>",
		  "<vlan>" },
		{ "<interface type='bridge'><source bridge='br0'/><bandwidth/></interface>",
		  "<bandwidth>" },
		{ "<interface type='bridge'><source bridge='br0'/><virtualport type='802.1Qbh'/></interface>",
		  "<virtualport type='802.1Qbh'>" },
		{ "<interface type='bridge'><source bridge='br0'/><target dev='a-very-long-tap-name'/></interface>",
		  "interface names have at most 15 characters" },
	};
	char xml[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DEV("%s\n"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
		cr_assert(strstr(err.msg, "t.xml:6: "), "%s", err.msg);
	}
}

Test(domxml_devices, console)
{
	/* A live domain: COM1 as <serial>, and the <console> that names it. */
	expect_args(
		DEV("<serial type='pty'><source path='/dev/pts/3'/>"
		    "<target type='isa-serial' port='0'><model name='isa-serial'/></target>"
		    "<alias name='serial0'/></serial>\n"
		    "<console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/>"
		    "<target type='serial' port='0'/></console>\n"),
		BASE("--console pty"));
	expect_args(DEV("<console type='pty'/>\n"), BASE("--console pty"));
	expect_args(
		DEV("<serial type='file'><source path='/var/log/t.log'/></serial>\n"),
		BASE("--console file=/var/log/t.log"));
	expect_args(DEV("<serial type='stdio'/>\n"), BASE("--console stdio"));
	expect_args(DEV("<serial type='null'/>\n"), BASE("--console none"));
	cr_assert_eq(dx.nr_warn, 0);
	/* No serial at all: COM1 exists anyway and stays on stdio. */
	expect_args(DEV(""), BASE_ARGS " " BASE_TAIL);
}

Test(domxml_devices, console_refusals)
{
	static const char *const refused[][2] = {
		{ "<serial type='tcp'><source mode='bind' host='::' service='4555'/></serial>",
		  "<serial type='tcp'>: squeeze's console is stdio, a file, a pty or null" },
		{ "<serial type='file'/>", "needs <source path='FILE'/>" },
		{ "<serial type='file'><source path='/l' append='on'/></serial>",
		  "<source>: append='on': squeeze starts the console file afresh" },
		{ "<serial type='pty'><target port='1'/></serial>",
		  "<target>: port 1: squeeze has one serial port, COM1" },
		{ "<serial type='pty'><target type='usb-serial'/></serial>",
		  "<target type='usb-serial'>: squeeze's console is COM1" },
		{ "<console type='pty'><target type='virtio'/></console>",
		  "<target type='virtio'>: squeeze has no virtio console" },
		{ "<serial type='pty'><log file='/l'/></serial>",
		  "<log>: not supported" },
		{ "<serial type='pty'/><console type='stdio'/>",
		  "<console type='stdio'>: COM1 is already 'pty' (line 6)" },
	};
	char xml[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DEV("%s\n"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
	}
}

Test(domxml_devices, ignored_devices)
{
	expect_args(
		DEV("<emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
		    "<graphics type='vnc' port='-1'/>\n<graphics type='spice'/>\n"
		    "<video><model type='qxl'/></video>\n<input type='tablet' bus='usb'/>\n"
		    "<sound model='ich9'/>\n<audio id='1' type='spice'/>\n"
		    "<memballoon model='virtio'/>\n<channel type='unix'/>\n"
		    "<controller type='usb' model='qemu-xhci'/>\n<controller type='usb' index='1'/>\n"
		    "<controller type='pci' model='pcie-root'/>\n<controller type='sata'/>\n"
		    "<redirdev bus='usb' type='spicevmc'/>\n<hub type='usb'/>\n"
		    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_warned("t.xml:6: <emulator> ignored");
	expect_warned(
		"t.xml:7: <graphics type='vnc'> ignored: squeeze is headless");
	/* two <graphics>, one warning */
	expect_warned("<graphics");
	expect_warned("t.xml:9: <video> ignored");
	expect_warned("t.xml:10: <input type='tablet'> ignored");
	expect_warned("t.xml:11: <sound> ignored");
	expect_warned("t.xml:12: <audio type='spice'> ignored");
	expect_warned("t.xml:13: <memballoon> ignored");
	expect_warned("t.xml:14: <channel type='unix'> ignored");
	expect_warned(
		"t.xml:15: <controller type='usb'> ignored: squeeze has no USB");
	expect_warned("t.xml:17: <controller type='pci'> ignored");
	expect_warned("t.xml:18: <controller type='sata'> ignored");
	expect_warned("t.xml:19: <redirdev type='spicevmc'> ignored");
	expect_warned("t.xml:20: <hub type='usb'> ignored");
	expect_warned("t.xml:21: <rng> ignored");
	cr_assert_eq(dx.nr_warn, 14);
}

Test(domxml_devices, refused_devices)
{
	static const char *const refused[] = {
		"<hostdev mode='subsystem' type='pci'/>",
		"<watchdog model='i6300esb'/>",
		"<panic model='isa'/>",
		"<tpm model='tpm-crb'/>",
		"<iommu model='intel'/>",
		"<vsock model='virtio'/>",
		"<shmem name='x'/>",
		"<parallel type='pty'/>",
		"<smartcard mode='host'/>",
		"<memory model='dimm'/>",
		"<lease/>",
		"<controller type='xenbus'/>",
	};
	char xml[1024], elem[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DEV("%s\n"), refused[i]);
		snprintf(elem, sizeof(elem), "t.xml:6: %.*s",
			 (int)strcspn(refused[i], " />"), refused[i]);
		expect_refused(xml, elem);
	}
}
