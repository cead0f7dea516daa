// SPDX-License-Identifier: MIT
/*
 * Domain XML, the <domain> level: name, memory and its units, vCPUs,
 * <os>, <cpu>, lifecycle actions, what is ignored with one warning and
 * what is refused with the element and its line.
 */
#include "domxml_fixture.h"

TestSuite(domxml_machine, .fini = fixture_fini);

Test(domxml_machine, minimal_domain)
{
	expect_args(DOM(""), BASE_ARGS " " BASE_TAIL);
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
	cr_assert_str_eq(dx.no_kernel, "");
	cr_assert_str_eq(dx.command_line,
			 "squeeze run " BASE_ARGS " " BASE_TAIL);
}

/* libvirt's units, any case; the default is KiB; RAM is whole MiB. */
Test(domxml_machine, memory_units)
{
	static const struct {
		const char *unit, *value, *want;
	} t[] = {
		{ NULL, "1048576", "1G" },	{ "b", "1073741824", "1G" },
		{ "bytes", "67108864", "64M" }, { "k", "65536", "64M" },
		{ "KiB", "65536", "64M" },	{ "KB", "1000000", "954M" },
		{ "MB", "1000", "954M" },	{ "M", "64", "64M" },
		{ "MiB", "100", "100M" },	{ "mib", "100", "100M" },
		{ "GB", "1", "954M" },		{ "G", "2", "2G" },
		{ "GiB", "2", "2G" },		{ "T", "1", "1T" },
		{ "TiB", "1", "1T" },		{ "KiB", "65537", "65M" },
	};
	char xml[512], want[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		snprintf(
			xml, sizeof(xml),
			"<domain type='kvm'><name>t</name><memory%s%s%s>%s</memory>"
			"<os><type>hvm</type><kernel>/k</kernel></os></domain>",
			t[i].unit ? " unit='" : "", t[i].unit ? t[i].unit : "",
			t[i].unit ? "'" : "", t[i].value);
		snprintf(want, sizeof(want),
			 "--name t --memory %s --kernel /k " BASE_TAIL,
			 t[i].want);
		expect_args(xml, want);
	}
}

Test(domxml_machine, memory_refusals)
{
	expect_refused(
		"<domain type='kvm'>\n<name>t</name>\n<memory unit='EiB'>99</memory></domain>",
		"t.xml:3: <memory>: 99 EiB does not fit in 64 bits");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory>99999999999999999999999</memory></domain>",
		"<memory>: 99999999999999999999999 does not fit in 64 bits");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory unit='PiB'>1</memory></domain>",
		"<memory>: --memory 1024T is more than the maximum of 1T");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory unit='MiB'>8</memory></domain>",
		"less than the minimum of 16M");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory unit='kilo'>8</memory></domain>",
		"<memory>: unit 'kilo' is not one of libvirt's");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory>-1</memory></domain>",
		"<memory>: '-1' is not a number");
	expect_refused(
		"<domain type='kvm'><name>t</name><memory>1 G</memory></domain>",
		"'1 G' is not a number");
	expect_refused("<domain type='kvm'><name>t</name></domain>",
		       "<domain type='kvm'>: has no <memory>");
	expect_refused("<domain type='kvm'><memory>65536</memory></domain>",
		       "<domain type='kvm'>: has no <name>");
	expect_refused(DOM("<maxMemory slots='4' unit='GiB'>4</maxMemory>\n"),
		       "t.xml:5: <maxMemory>: memory hotplug is not supported");
}

Test(domxml_machine, current_memory)
{
	expect_args(DOM("<currentMemory unit='MiB'>64</currentMemory>\n"),
		    BASE_ARGS " " BASE_TAIL);
	cr_assert_eq(dx.nr_warn, 0);
	expect_args(DOM("<currentMemory unit='MiB'>32</currentMemory>\n"),
		    BASE_ARGS " " BASE_TAIL);
	expect_warned("t.xml:5: <currentMemory> ignored: without a balloon");
}

Test(domxml_machine, vcpu)
{
	expect_args(DOM("<vcpu placement='static'>4</vcpu>\n"),
		    "--name t --memory 64M --cpus 4 --kernel /k " BASE_TAIL);
	expect_args(DOM("<vcpu current='2'> 2 </vcpu>\n"),
		    "--name t --memory 64M --cpus 2 --kernel /k " BASE_TAIL);
	expect_refused(DOM("<vcpu>0</vcpu>\n"), "t.xml:5: <vcpu>: --cpus 0");
	expect_refused(DOM("<vcpu>300</vcpu>\n"),
		       "more than the maximum of 254");
	expect_refused(DOM("<vcpu current='1'>2</vcpu>\n"),
		       "<vcpu>: current='1': squeeze starts every vCPU");
	expect_refused(DOM("<vcpu cpuset='1-3'>2</vcpu>\n"),
		       "<vcpu>: cpuset: squeeze does not pin vCPUs");
	expect_refused(DOM("<vcpu>99999999999999999999</vcpu>\n"),
		       "does not fit in 64 bits");
	expect_refused(DOM("<vcpus><vcpu id='0'/></vcpus>\n"),
		       "<vcpus>: vCPU hotplug is not supported");
}

Test(domxml_machine, name)
{
	expect_refused(
		"<domain type='kvm'><name>a/b</name></domain>",
		"<name>: --name: '/' and control characters are not allowed");
	expect_refused("<domain type='kvm'><name></name></domain>",
		       "<name>: --name needs a non-empty value");
}

Test(domxml_machine, os_direct_boot)
{
	expect_args(
		"<domain type='kvm'><name>t</name><memory>65536</memory>"
		"<os><type>hvm</type><kernel> /boot/vmlinuz </kernel>"
		"<initrd>/boot/initrd.img</initrd>"
		"<cmdline>console=ttyS0 root=/dev/vda</cmdline></os></domain>",
		"--name t --memory 64M --kernel /boot/vmlinuz --initrd /boot/initrd.img "
		"--cmdline console=ttyS0 root=/dev/vda " BASE_TAIL);
	cr_assert_str_eq(
		dx.command_line,
		"squeeze run --name t --memory 64M --kernel /boot/vmlinuz "
		"--initrd /boot/initrd.img --cmdline 'console=ttyS0 root=/dev/vda' " BASE_TAIL);
}

/* Booting from a disk is refused, but only once no --kernel comes along. */
Test(domxml_machine, os_without_kernel)
{
	expect_args(
		"<domain type='kvm'><name>t</name><memory>65536</memory>\n"
		"<os><type>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>"
		"</domain>",
		"--name t --memory 64M " BASE_TAIL);
	cr_assert_str_eq(
		dx.no_kernel,
		"t.xml:2: <os> boots from hd, cdrom: squeeze boots kernels directly; "
		"add <kernel>PATH</kernel> to <os>");
	cr_assert_eq(
		load("<domain type='kvm'><name>t</name><memory>65536</memory>"
		     "<os><type>hvm</type></os></domain>"),
		0);
	cr_assert(strstr(dx.no_kernel, "<os> boots from hd (the default)"));
	cr_assert_eq(
		load("<domain type='kvm'><name>t</name><memory>65536</memory></domain>"),
		0);
	cr_assert(strstr(dx.no_kernel, "t.xml:1: <domain> has no <os>"));
	/* With <kernel>, <boot> means nothing and is not mentioned. */
	expect_args(DOM(""), BASE_ARGS " " BASE_TAIL);
	cr_assert_eq(
		load("<domain type='kvm'><name>t</name><memory>65536</memory>"
		     "<os><boot dev='network'/><type>hvm</type><kernel>/k</kernel>"
		     "<bootmenu enable='yes'/></os></domain>"),
		0);
	cr_assert_eq(dx.nr_warn, 0);
}

Test(domxml_machine, os_refusals)
{
	static const char *const refused[][2] = {
		{ "<type arch='aarch64'>hvm</type>",
		  "arch='aarch64': squeeze runs x86_64 guests" },
		{ "<type>xen</type>",
		  "<type>: 'xen': squeeze runs full virtual machines" },
		{ "<type>hvm</type><loader readonly='yes' type='pflash'>/OVMF.fd</loader>",
		  "<loader type='pflash'>: squeeze has no firmware" },
		{ "<type>hvm</type><nvram>/x</nvram>",
		  "<nvram>: squeeze has no firmware" },
		{ "<type>hvm</type><smbios mode='sysinfo'/>",
		  "<smbios>: squeeze has no SMBIOS" },
		{ "<type>hvm</type><dtb>/x</dtb>",
		  "<dtb>: not supported by squeeze" },
		{ "<type>hvm</type><kernel></kernel>",
		  "<kernel>: needs a path" },
	};
	char xml[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(
			xml, sizeof(xml),
			"<domain type='kvm'><name>t</name><memory>65536</memory>\n"
			"<os>%s</os></domain>",
			refused[i][0]);
		expect_refused(xml, refused[i][1]);
		cr_assert(!strncmp(err.msg, "t.xml:2: ", 9), "%s", err.msg);
	}
	expect_refused("<domain type='kvm'><name>t</name><memory>65536</memory>"
		       "<os firmware='efi'><type>hvm</type></os></domain>",
		       "<os>: firmware='efi': squeeze has no firmware");
}

Test(domxml_machine, os_warnings)
{
	expect_args("<domain type='test'><name>t</name><memory>65536</memory>\n"
		    "<os><type arch='i686' machine='pc-q35-7.2'>hvm</type>"
		    "<kernel>/k</kernel></os></domain>",
		    BASE_ARGS " " BASE_TAIL);
	expect_warned("t.xml:1: <domain type='test'> runs on KVM");
	expect_warned("t.xml:2: <type> arch='i686' runs on x86_64 vCPUs");
	expect_warned("machine='pc-q35-7.2' ignored");
	cr_assert_eq(dx.nr_warn, 3);
	expect_refused(
		"<domain type='xen'><name>t</name></domain>",
		"t.xml:1: <domain type='xen'>: type='xen': squeeze is a KVM monitor");
}

Test(domxml_machine, lifecycle)
{
	expect_args(DOM("<on_reboot>destroy</on_reboot>\n"), BASE_ARGS);
	expect_args(
		DOM("<on_poweroff>restart</on_poweroff>\n<on_reboot>restart</on_reboot>\n"
		    "<on_crash>restart</on_crash>\n"),
		BASE_ARGS
		" --on-poweroff restart --on-reboot restart --on-crash restart");
	expect_args(
		DOM("<on_poweroff>destroy</on_poweroff><on_crash>destroy</on_crash>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_refused(
		DOM("<on_crash>coredump-destroy</on_crash>\n"),
		"t.xml:5: <on_crash>: 'coredump-destroy': squeeze can destroy or restart");
	expect_refused(DOM("<on_poweroff>preserve</on_poweroff>\n"),
		       "'preserve'");
	expect_refused(DOM("<on_lockfailure>poweroff</on_lockfailure>\n"),
		       "<on_lockfailure>: squeeze has no lock manager");
}

Test(domxml_machine, cpu)
{
	expect_args(
		DOM("<vcpu>2</vcpu><cpu mode='host-passthrough' check='none' migratable='on'>"
		    "<topology sockets='1' dies='1' cores='2' threads='1'/></cpu>\n"),
		"--name t --memory 64M --cpus 2 --kernel /k " BASE_TAIL);
	cr_assert_eq(dx.nr_warn, 0);
	expect_args(
		DOM("<cpu mode='host-model'><model fallback='allow'/></cpu>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_warned("t.xml:5: <cpu> host-model becomes host-passthrough");
	expect_refused(
		DOM("<vcpu>4</vcpu>\n<cpu><topology sockets='2' cores='2' threads='1'/></cpu>\n"),
		"t.xml:6: <topology>: squeeze presents one socket of 4 single-thread cores");
	expect_refused(DOM("<cpu mode='custom'><model>Skylake</model></cpu>\n"),
		       "<cpu>: mode='custom'");
	expect_refused(DOM("<cpu><model>Skylake</model></cpu>\n"),
		       "<model>: squeeze gives the guest the host's CPU");
	expect_refused(
		DOM("<cpu mode='host-passthrough'><feature policy='require' name='vmx'/></cpu>\n"),
		"<feature>: squeeze gives the guest the host's CPU");
	expect_refused(
		DOM("<cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>\n"),
		"t.xml:5: <numa>: NUMA topology is not supported");
}

/* Changes nothing the guest computes on a headless VM: one warning each. */
Test(domxml_machine, ignored_with_one_warning)
{
	expect_args(
		DOM("<uuid>85a1846b-2ed7-4568-af5d-ff02d058b5b0</uuid>\n"
		    "<title>x</title>\n<description>y</description>\n"
		    "<metadata><a xmlns='urn:x'/></metadata>\n"
		    "<features><acpi/><apic/><hyperv><relaxed state='on'/></hyperv></features>\n"
		    "<clock offset='localtime'/>\n"
		    "<pm><suspend-to-mem enabled='yes'/></pm>\n"
		    "<seclabel type='dynamic' model='apparmor'/>\n"
		    "<resource><partition>/machine</partition></resource>\n"
		    "<iothreads>2</iothreads>\n"),
		BASE_ARGS " " BASE_TAIL);
	expect_warned("t.xml:5: <uuid> ignored");
	expect_warned("t.xml:6: <title> ignored");
	expect_warned("t.xml:7: <description> ignored");
	expect_warned("t.xml:8: <metadata> ignored");
	expect_warned(
		"t.xml:9: <features> ignored: squeeze's machine has ACPI and an APIC, and <hyperv>");
	expect_warned("t.xml:10: <clock> ignored");
	expect_warned("t.xml:11: <pm> ignored: squeeze has no sleep states");
	expect_warned("t.xml:12: <seclabel type='dynamic'> ignored");
	expect_warned("t.xml:13: <resource> ignored");
	expect_warned("t.xml:14: <iothreads> ignored");
	cr_assert_eq(dx.nr_warn, 10);
}

/* What squeeze does anyway is no reason to warn. */
Test(domxml_machine, honoured_silently)
{
	expect_args(
		DOM("<features><acpi/><apic/><pae/><vmport state='off'/></features>\n"
		    "<clock offset='utc'/>\n"
		    "<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>\n"
		    "<!-- a comment --><devices><memballoon model='none'/></devices>\n"),
		BASE_ARGS " " BASE_TAIL);
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
}

Test(domxml_machine, refused_with_element_and_line)
{
	static const char *const refused[][2] = {
		{ "<cputune><shares>2048</shares></cputune>",
		  "<cputune>: CPU tuning is not supported" },
		{ "<numatune><memory mode='strict' nodeset='0'/></numatune>",
		  "<numatune>" },
		{ "<memtune><hard_limit>1</hard_limit></memtune>",
		  "<memtune>" },
		{ "<blkiotune><weight>800</weight></blkiotune>",
		  "<blkiotune>" },
		{ "<memoryBacking><hugepages/></memoryBacking>",
		  "<hugepages>: squeeze backs guest RAM with anonymous memory, or a memfd" },
		{ "<sysinfo type='smbios'/>",
		  "<sysinfo type='smbios'>: squeeze has no SMBIOS" },
		{ "<frobnicate/>", "<frobnicate>: not supported by squeeze" },
		{ "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'/>",
		  "<qemu:commandline>: not supported by squeeze" },
		{ "<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='/etc/passwd'/>",
		  "<xi:include>: not supported by squeeze" },
	};
	char xml[512], where[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(xml, sizeof(xml), DOM("%s\n"), refused[i][0]);
		expect_refused(xml, refused[i][1]);
		snprintf(where, sizeof(where), "t.xml:5: %s", refused[i][1]);
		cr_assert(strstr(err.msg, where), "'%s' lacks '%s'", err.msg,
			  where);
	}
}
