// SPDX-License-Identifier: MIT
/*
 * Domain XML, <filesystem>: virtio-fs shares become --fs DIR,tag=TAG
 * (readonly=on with <readonly/>), the shared memory libvirt makes such a
 * domain declare is accepted, and every other kind of filesystem, access
 * mode, source or virtiofsd option is refused with one line.
 */
#include "domxml_fixture.h"

TestSuite(domxml_fs, .fini = fixture_fini);

#define FS(attrs, body) \
	"<filesystem type='mount'" attrs ">\n" body "</filesystem>\n"
#define VIRTIOFS   "<driver type='virtiofs'/>"
#define BASE(more) BASE_ARGS " " more " " BASE_TAIL

Test(domxml_fs, mapping)
{
	expect_args(DEV(FS("", VIRTIOFS "<source dir='/srv/data'/>"
					"<target dir='data'/>")),
		    BASE("--fs /srv/data,tag=data"));
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
	/* libvirt's own example: accessmode, an address; and <readonly/>. */
	expect_args(
		DEV(FS(" accessmode='passthrough'",
		       "<driver type='virtiofs'/><source dir='/path'/>"
		       "<target dir='mount_tag'/><readonly/><alias name='fs0'/>"
		       "<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>")),
		BASE("--fs /path,tag=mount_tag,readonly=on"));
	expect_warned(
		"t.xml:7: <address type='pci'> ignored: squeeze places its devices on PCI bus 0");
	/* No type= is libvirt's default, 'mount'. */
	expect_args(
		DEV("<filesystem><driver type='virtiofs'/><source dir='/a'/>"
		    "<target dir='a'/></filesystem>\n"),
		BASE("--fs /a,tag=a"));
}

/* Shares come after the disks and interfaces, in document order. */
Test(domxml_fs, order_with_other_devices)
{
	expect_args(
		DEV(FS("", VIRTIOFS
		       "<source dir='/b'/><target dir='second'/>") "<disk type='file'><source file='/d'/><target dev='vda'/></disk>\n"
								   "<interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>\n" FS(
									   "",
									   VIRTIOFS
									   "<source dir='/a'/><target dir='first'/>")),
		BASE("--disk /d --net bridge=br0 --fs /b,tag=second --fs /a,tag=first"));
}

/* virtiofsd's own knobs: a path alone and queue= are ignored, with a word. */
Test(domxml_fs, warnings)
{
	expect_args(DEV(FS("", "<driver type='virtiofs' queue='1024'/>"
			       "<binary path='/usr/libexec/virtiofsd'/>"
			       "<source dir='/s'/><target dir='s'/>")),
		    BASE("--fs /s,tag=s"));
	expect_warned(
		"t.xml:7: <driver type='virtiofs'> queue= ignored: squeeze sizes virtio-fs queues itself");
	expect_warned(
		"t.xml:7: <binary> ignored: squeeze starts virtiofsd itself (SQUEEZE_VIRTIOFSD=PATH picks the program)");
	cr_assert_eq(dx.nr_warn, 2);
}

/* virt-install --memorybacking source.type=memfd,access.mode=shared. */
Test(domxml_fs, shared_memory)
{
	expect_args(
		DOM("<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>\n"
		    "<devices>" FS(
			    "", VIRTIOFS
			    "<source dir='/s'/><target dir='s'/>") "</devices>\n"),
		BASE("--fs /s,tag=s"));
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
	expect_args(
		DOM("<memoryBacking><source type='anonymous'/><access mode='private'/></memoryBacking>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_args(DOM("<memoryBacking/>\n"), BASE_ARGS " " BASE_TAIL);
}

Test(domxml_fs, memory_backing_refusals)
{
	static const char *const refused[][2] = {
		{ "<memoryBacking><hugepages/></memoryBacking>",
		  "t.xml:5: <hugepages>: squeeze backs guest RAM with anonymous memory, or a memfd it shares" },
		{ "<memoryBacking><locked/></memoryBacking>", "<locked>" },
		{ "<memoryBacking><nosharepages/></memoryBacking>",
		  "<nosharepages>" },
		{ "<memoryBacking><source type='file'/></memoryBacking>",
		  "<source type='file'>" },
		{ "<memoryBacking><source/></memoryBacking>", "<source>" },
		{ "<memoryBacking><access mode='weird'/></memoryBacking>",
		  "<access>" },
		{ "<memoryBacking><allocation mode='immediate'/></memoryBacking>",
		  "<allocation>" },
	};
	char xml[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DOM("%s\n"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
	}
}

Test(domxml_fs, refusals)
{
	static const char *const refused[][2] = {
		/* Not virtio-fs: 9p (libvirt's default), loop, nbd, ... */
		{ FS("", "<source dir='/s'/><target dir='s'/>"),
		  "t.xml:6: <filesystem type='mount'>: has no <driver type='virtiofs'/>: squeeze shares directories over virtio-fs only" },
		{ FS("",
		     "<driver type='path'/><source dir='/s'/><target dir='s'/>"),
		  "t.xml:7: <driver type='path'>: squeeze shares directories over virtio-fs only" },
		{ FS("", "<driver/><source dir='/s'/><target dir='s'/>"),
		  "<driver>: squeeze shares directories over virtio-fs only" },
		{ "<filesystem type='file'><driver type='loop' format='raw'/>"
		  "<source file='/i.img'/><target dir='/m'/></filesystem>",
		  "<filesystem type='file'>: squeeze shares host directories (type='mount') over virtio-fs only" },
		{ "<filesystem type='block'><source dev='/dev/sdb'/><target dir='/m'/></filesystem>",
		  "<filesystem type='block'>" },
		{ "<filesystem type='ram'><source usage='1024'/><target dir='/m'/></filesystem>",
		  "<filesystem type='ram'>" },
		/* Access modes other than virtiofsd's passthrough. */
		{ FS(" accessmode='mapped'",
		     VIRTIOFS "<source dir='/s'/><target dir='s'/>"),
		  "accessmode='mapped': virtiofsd runs in passthrough mode only" },
		{ FS(" accessmode='squash'",
		     VIRTIOFS "<source dir='/s'/><target dir='s'/>"),
		  "accessmode='squash'" },
		{ FS(" model='virtio-non-transitional'",
		     VIRTIOFS "<source dir='/s'/><target dir='s'/>"),
		  "attribute 'model' is not supported" },
		/* A virtiofsd someone else started. */
		{ FS("", VIRTIOFS
		     "<source socket='/run/vfs.sock'/><target dir='s'/>"),
		  "<source>: squeeze starts virtiofsd itself from <source dir=...>; for a back-end you started, give squeeze run --fs socket=PATH,tag=TAG" },
		{ FS("",
		     VIRTIOFS "<source><socket>/run/vfs.sock</socket></source>"
			      "<target dir='s'/>"),
		  "--fs socket=PATH,tag=TAG" },
		/* Missing or unusable parts. */
		{ FS("", VIRTIOFS "<target dir='s'/>"),
		  "has no <source dir='DIR'/>" },
		{ FS("", VIRTIOFS "<source dir=''/><target dir='s'/>"),
		  "<source>: needs dir='DIR'" },
		{ FS("", VIRTIOFS "<source dir='/s'/>"),
		  "has no <target dir='TAG'/>" },
		{ FS("", VIRTIOFS "<source dir='/s'/><target/>"),
		  "<target>: needs dir='TAG'" },
		{ FS("", VIRTIOFS "<source dir='/a,b'/><target dir='s'/>"),
		  "the directory '/a,b' has a comma" },
		{ FS("", VIRTIOFS "<source dir='/s'/><target dir='a,b'/>"),
		  "the tag 'a,b' has a comma" },
		{ FS("", VIRTIOFS
		     "<source dir='/s'/>"
		     "<target dir='0123456789012345678901234567890123456'/>"),
		  "longer than 36 bytes" },
		/* virtiofsd options squeeze does not pass on. */
		{ FS("", VIRTIOFS "<binary path='/v' xattr='on'/>"
				  "<source dir='/s'/><target dir='s'/>"),
		  "<binary>: xattr=: squeeze runs virtiofsd with its own options" },
		{ FS("", VIRTIOFS "<binary><cache mode='always'/></binary>"
				  "<source dir='/s'/><target dir='s'/>"),
		  "<cache>: squeeze runs virtiofsd with its own options" },
		{ FS("",
		     "<driver type='virtiofs' iommu='on'/><source dir='/s'/><target dir='s'/>"),
		  "attribute 'iommu' is not supported" },
		{ FS("", VIRTIOFS
		     "<source dir='/s'/><target dir='s'/>"
		     "<idmap><uid start='0' target='1000' count='1'/></idmap>"),
		  "<idmap>: not supported by squeeze" },
	};
	char xml[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DEV("%s\n"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
	}
}

Test(domxml_fs, at_most_eight)
{
	char xml[4096] = DOM("<devices>\n"), *p;
	int i;

	p = strstr(xml, "</domain>");
	for (i = 0; i < 9; i++)
		p += sprintf(
			p,
			"<filesystem><driver type='virtiofs'/>"
			"<source dir='/s%d'/><target dir='t%d'/></filesystem>\n",
			i, i);
	strcpy(p, "</devices></domain>\n");
	expect_refused(
		xml,
		"t.xml:14: <filesystem>: squeeze shares at most 8 directories");
}
