// SPDX-License-Identifier: MIT
/*
 * The <domain> level of a libvirt domain: the machine (name, memory,
 * vCPUs, <cpu>), the boot (<os>), the lifecycle actions, and what is
 * ignored or refused there. The devices are in domxml_devices.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/base/size.h"
#include "vmm/config/domxml_int.h"

#define MiB_MASK ((1ULL << 20) - 1)

static int map_name(struct dx *d, xmlNode *n)
{
	d->name = dx_text(d, n);
	return dx_check_option(d, n, "--name", d->name);
}

/* libvirt's QEMU driver rounds guest RAM up to whole MiB: so do we. */
static int map_memory(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "unit", "dumpCore", NULL };
	char size[32];
	u64 bytes;
	int ret;

	ret = dx_check_attrs(d, n, attrs);
	if (!ret)
		ret = dx_scaled(d, n, &bytes);
	if (ret)
		return ret;
	if (bytes > UINT64_MAX - MiB_MASK)
		return dx_refuse(d, n, "does not fit in 64 bits of bytes");
	d->memory = (bytes + MiB_MASK) & ~MiB_MASK;
	format_size(d->memory, size, sizeof(size));
	return dx_check_option(d, n, "--memory", size);
}

/* Without a balloon the guest has all of <memory>; say so if less is asked. */
static int map_current_memory(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "unit", NULL };
	u64 bytes;
	int ret;

	ret = dx_check_attrs(d, n, attrs);
	if (!ret)
		ret = dx_scaled(d, n, &bytes);
	if (ret)
		return ret;
	d->current_memory = bytes;
	d->current_node = n;
	return 0;
}

static int map_vcpu(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "placement", "current", "cpuset",
					     NULL };
	const char *current = dx_attr(d, n, "current");
	u64 cpus, cur;
	int ret;

	ret = dx_check_attrs(d, n, attrs);
	if (ret)
		return ret;
	if (dx_attr(d, n, "cpuset"))
		return dx_refuse(
			d, n,
			"cpuset: squeeze does not pin vCPUs to host CPUs");
	d->cpus = dx_text(d, n);
	ret = dx_number(d, n, d->cpus, &cpus);
	if (ret)
		return ret;
	if (current && (dx_number(d, n, current, &cur) || cur != cpus))
		return dx_refuse(
			d, n,
			"current='%s': squeeze starts every vCPU (no vCPU hotplug)",
			current);
	d->cpus = dx_printf(d, "%llu", (unsigned long long)cpus);
	return d->cpus ? dx_check_option(d, n, "--cpus", d->cpus) :
			 dx_refuse(d, n, "out of memory");
}

static int map_action(struct dx *d, xmlNode *n)
{
	const char *v = dx_text(d, n);
	enum vm_action a;

	if (!strcmp(v, "destroy"))
		a = VM_ACTION_DESTROY;
	else if (!strcmp(v, "restart"))
		a = VM_ACTION_RESTART;
	else
		return dx_refuse(d, n, "'%s': squeeze can destroy or restart",
				 v);
	if (dx_is(n, "on_poweroff"))
		d->on_poweroff = a;
	else if (dx_is(n, "on_reboot"))
		d->on_reboot = a;
	else
		d->on_crash = a;
	return 0;
}

/* <type arch='x86_64' machine='...'>hvm</type> */
static int map_os_type(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { "arch", "machine", NULL };
	const char *arch = dx_attr(d, n, "arch");
	const char *machine = dx_attr(d, n, "machine");
	int ret = dx_check_attrs(d, n, attrs);

	if (ret)
		return ret;
	if (strcmp(dx_text(d, n), "hvm"))
		return dx_refuse(
			d, n, "'%s': squeeze runs full virtual machines (hvm)",
			dx_text(d, n));
	if (arch && !strcmp(arch, "i686"))
		dx_warn(d, n, "arch",
			"arch='i686' runs on x86_64 vCPUs (they run 32-bit code too)");
	else if (arch && strcmp(arch, "x86_64"))
		return dx_refuse(d, n, "arch='%s': squeeze runs x86_64 guests",
				 arch);
	if (machine)
		dx_warn(d, n, "machine",
			"machine='%s' ignored: squeeze's machine is its own (ACPI, one PCI host bridge, virtio-pci)",
			machine);
	return 0;
}

static int map_os_path(struct dx *d, xmlNode *n)
{
	const char *v = dx_text(d, n);

	if (dx_is(n, "cmdline")) {
		d->cmdline = v;
		return 0;
	}
	if (!*v)
		return dx_refuse(d, n, "needs a path");
	if (dx_is(n, "kernel"))
		d->kernel = v;
	else
		d->initrd = v;
	return 0;
}

/* <boot dev='hd'/>: remembered for the message when there is no <kernel>. */
static int map_os_boot(struct dx *d, xmlNode *n)
{
	const char *dev = dx_attr(d, n, "dev");

	if (dev)
		d->boot_devs = d->boot_devs ? dx_printf(d, "%s, %s",
							d->boot_devs, dev) :
					      dev;
	return 0;
}

static const struct dx_rule os_rules[] = {
	{ "type", DX_MAP, map_os_type, NULL },
	{ "kernel", DX_MAP, map_os_path, NULL },
	{ "initrd", DX_MAP, map_os_path, NULL },
	{ "cmdline", DX_MAP, map_os_path, NULL },
	{ "boot", DX_MAP, map_os_boot, NULL },
	/* The boot order and menu mean nothing when <kernel> is entered. */
	{ "bootmenu", DX_SILENT, NULL, NULL },
	{ "bios", DX_SILENT, NULL, NULL },
	{ "loader", DX_REFUSE, NULL,
	  "squeeze has no firmware (BIOS or UEFI): it boots <kernel> directly" },
	{ "nvram", DX_REFUSE, NULL,
	  "squeeze has no firmware (BIOS or UEFI): it boots <kernel> directly" },
	{ "smbios", DX_REFUSE, NULL, "squeeze has no SMBIOS tables" },
	{ "acpi", DX_REFUSE, NULL, "squeeze builds its own ACPI tables" },
};

static int map_os(struct dx *d, xmlNode *n)
{
	static const char *const attrs[] = { NULL };
	int ret;

	if (dx_attr(d, n, "firmware"))
		return dx_refuse(
			d, n,
			"firmware='%s': squeeze has no firmware: it boots <kernel> directly",
			dx_attr(d, n, "firmware"));
	ret = dx_check_attrs(d, n, attrs);
	if (!ret)
		ret = dx_walk(d, n, os_rules, ARRAY_SIZE(os_rules));
	if (ret)
		return ret;
	d->out->no_kernel[0] = '\0';
	if (d->kernel)
		return 0;
	snprintf(
		d->out->no_kernel, sizeof(d->out->no_kernel),
		"%s:%ld: <os> boots from %s: squeeze boots kernels directly; add <kernel>PATH</kernel> to <os>",
		d->file, dx_line(d, n),
		d->boot_devs ? d->boot_devs : "hd (the default)");
	return 0;
}

/* What squeeze's CPUID says: one socket of single-thread cores. */
static int check_topology(struct dx *d)
{
	static const char *const one[] = { "sockets", "dies", "clusters",
					   "threads", NULL };
	xmlNode *t = d->topology;
	const char *const *k;
	const char *v;

	for (k = one; *k; k++) {
		v = dx_attr(d, t, *k);
		if (v && strcmp(v, "1"))
			goto refuse;
	}
	v = dx_attr(d, t, "cores");
	if (v && strcmp(v, d->cpus ? d->cpus : "1"))
		goto refuse;
	return 0;
refuse:
	return dx_refuse(
		d, t,
		"squeeze presents one socket of %s single-thread cores (as many as <vcpu>)",
		d->cpus ? d->cpus : "1");
}

static int map_cpu_child(struct dx *d, xmlNode *n)
{
	const char *mode = dx_attr(d, n->parent, "mode");

	if (dx_is(n, "topology")) {
		d->topology = n;
		return 0;
	}
	/* host-model's <model fallback='allow'/> names no model. */
	if (dx_is(n, "model") && mode && !strcmp(mode, "host-model"))
		return 0;
	return dx_refuse(
		d, n,
		"squeeze gives the guest the host's CPU (host-passthrough) as it is");
}

static const struct dx_rule cpu_rules[] = {
	{ "topology", DX_MAP, map_cpu_child, NULL },
	{ "model", DX_MAP, map_cpu_child, NULL },
	{ "feature", DX_MAP, map_cpu_child, NULL },
	{ "vendor", DX_MAP, map_cpu_child, NULL },
	{ "cache", DX_MAP, map_cpu_child, NULL },
	{ "numa", DX_REFUSE, NULL, "NUMA topology is not supported" },
};

static int map_cpu(struct dx *d, xmlNode *n)
{
	const char *mode = dx_attr(d, n, "mode");

	if (mode && !strcmp(mode, "host-model"))
		dx_warn(d, n, NULL,
			"host-model becomes host-passthrough: the guest sees the host's CPU as it is");
	else if (mode && strcmp(mode, "host-passthrough") &&
		 strcmp(mode, "maximum"))
		return dx_refuse(
			d, n,
			"mode='%s': squeeze gives the guest the host's CPU (host-passthrough)",
			mode);
	return dx_walk(d, n, cpu_rules, ARRAY_SIZE(cpu_rules));
}

/*
 * Ignored with one warning, but only when they ask for something squeeze
 * does not do: ACPI, an APIC and PAE it always has; its RTC is UTC; it
 * has no sleep states.
 */
static int map_features(struct dx *d, xmlNode *n)
{
	const char *state;
	xmlNode *f;

	for (f = n->children; f; f = f->next) {
		if (f->type != XML_ELEMENT_NODE || dx_is(f, "acpi") ||
		    dx_is(f, "apic") || dx_is(f, "pae"))
			continue;
		state = dx_attr(d, f, "state");
		if (dx_is(f, "vmport") && state && !strcmp(state, "off"))
			continue;
		dx_warn(d, n, NULL,
			"ignored: squeeze's machine has ACPI and an APIC, and <%s> cannot be set",
			(const char *)f->name);
		break;
	}
	return 0;
}

static int map_clock(struct dx *d, xmlNode *n)
{
	const char *offset = dx_attr(d, n, "offset");
	xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			break;
	if ((offset && strcmp(offset, "utc")) || c)
		dx_warn(d, n, NULL,
			"ignored: the guest's RTC runs on the host's UTC time, with KVM's timers");
	return 0;
}

static int map_pm(struct dx *d, xmlNode *n)
{
	const char *on;
	xmlNode *c;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		on = dx_attr(d, c, "enabled");
		if (!on || strcmp(on, "no")) {
			dx_warn(d, n, NULL,
				"ignored: squeeze has no sleep states");
			break;
		}
	}
	return 0;
}

static const struct dx_rule domain_rules[] = {
	{ "name", DX_MAP, map_name, NULL },
	{ "memory", DX_MAP, map_memory, NULL },
	{ "currentMemory", DX_MAP, map_current_memory, NULL },
	{ "vcpu", DX_MAP, map_vcpu, NULL },
	{ "os", DX_MAP, map_os, NULL },
	{ "cpu", DX_MAP, map_cpu, NULL },
	{ "on_poweroff", DX_MAP, map_action, NULL },
	{ "on_reboot", DX_MAP, map_action, NULL },
	{ "on_crash", DX_MAP, map_action, NULL },
	{ "devices", DX_MAP, dx_map_devices, NULL },
	{ "memoryBacking", DX_MAP, dx_map_memory_backing, NULL },
	{ "features", DX_MAP, map_features, NULL },
	{ "clock", DX_MAP, map_clock, NULL },
	{ "pm", DX_MAP, map_pm, NULL },
	{ "uuid", DX_IGNORE, NULL, "squeeze has no SMBIOS tables to show it" },
	{ "title", DX_IGNORE, NULL, "nothing the guest sees" },
	{ "description", DX_IGNORE, NULL, "nothing the guest sees" },
	{ "metadata", DX_IGNORE, NULL, "nothing the guest sees" },
	{ "seclabel", DX_IGNORE, NULL,
	  "squeeze applies no SELinux/AppArmor/DAC labels of libvirt's" },
	{ "resource", DX_IGNORE, NULL, "no cgroup placement" },
	{ "iothreads", DX_IGNORE, NULL,
	  "each squeeze device has its own I/O thread" },
	{ "perf", DX_IGNORE, NULL, "no perf events are collected" },
	{ "maxMemory", DX_REFUSE, NULL, "memory hotplug is not supported" },
	{ "vcpus", DX_REFUSE, NULL, "vCPU hotplug is not supported" },
	{ "cputune", DX_REFUSE, NULL, "CPU tuning is not supported" },
	{ "numatune", DX_REFUSE, NULL, "NUMA tuning is not supported" },
	{ "memtune", DX_REFUSE, NULL, "memory tuning is not supported" },
	{ "blkiotune", DX_REFUSE, NULL, "block I/O tuning is not supported" },
	{ "sysinfo", DX_REFUSE, NULL, "squeeze has no SMBIOS tables" },
	{ "on_lockfailure", DX_REFUSE, NULL, "squeeze has no lock manager" },
};

int dx_map_domain(struct dx *d, xmlNode *root)
{
	const char *type;
	int ret;

	if (!root || !dx_is(root, "domain"))
		return root ? dx_refuse(
				      d, root,
				      "not a libvirt domain: the root element must be <domain>") :
			      err_input(d->err, -EINVAL, "%s: no root element",
					d->file);
	type = dx_attr(d, root, "type");
	if (type && (!strcmp(type, "qemu") || !strcmp(type, "test")))
		dx_warn(d, root, "type",
			"runs on KVM: squeeze is a KVM monitor");
	else if (!type || strcmp(type, "kvm"))
		return dx_refuse(
			d, root,
			"type='%s': squeeze is a KVM monitor (kvm, qemu or test)",
			type ? type : "");
	snprintf(
		d->out->no_kernel, sizeof(d->out->no_kernel),
		"%s:%ld: <domain> has no <os>: squeeze boots kernels directly; add <os><type>hvm</type><kernel>PATH</kernel></os>",
		d->file, dx_line(d, root));
	ret = dx_walk(d, root, domain_rules, ARRAY_SIZE(domain_rules));
	if (!ret && !d->name)
		ret = dx_refuse(d, root, "has no <name>");
	if (!ret && !d->memory)
		ret = dx_refuse(d, root, "has no <memory>");
	if (!ret && d->topology)
		ret = check_topology(d);
	if (!ret && d->current_node && d->current_memory < d->memory)
		dx_warn(d, d->current_node, NULL,
			"ignored: without a balloon the guest has all of <memory>");
	if (!ret)
		ret = dx_disks_finish(d);
	return ret;
}
