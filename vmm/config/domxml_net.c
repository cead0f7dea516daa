// SPDX-License-Identifier: MIT
/*
 * <interface> as --net: a tap on a Linux or Open vSwitch bridge
 * (type='bridge'), or a tap of its own (type='ethernet'), always with a
 * virtio-net model.
 */
#include <string.h>

#include "vmm/config/domxml_int.h"

struct iface {
	const char *bridge, *tap, *mac;
	bool has_model;
};

/*
 * Tap names libvirt (and Xen) keep for the names they make up: a live
 * domain's `virsh dumpxml` shows them, but they are not the user's.
 */
static bool reserved_tap(const char *name)
{
	static const char *const reserved[] = { "vnet", "vif", "macvtap",
						"macvlan" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reserved); i++)
		if (!strncmp(name, reserved[i], strlen(reserved[i])))
			return true;
	return false;
}

static int map_target(struct dx *d, xmlNode *n, struct iface *f)
{
	static const char *const attrs[] = { "dev", "managed", NULL };
	const char *dev = dx_attr(d, n, "dev");
	int ret = dx_check_attrs(d, n, attrs);

	if (ret || !dev)
		return ret;
	if (reserved_tap(dev)) {
		dx_warn(d, n, dev,
			"dev='%s' ignored: libvirt keeps vnet*, vif* and macvtap* for names it makes up",
			dev);
		return 0;
	}
	f->tap = dev;
	return dx_no_comma(d, n, "the tap name", dev);
}

static int map_model(struct dx *d, xmlNode *n, struct iface *f)
{
	const char *type = dx_attr(d, n, "type");

	f->has_model = true;
	if (type &&
	    (!strcmp(type, "virtio") || !strcmp(type, "virtio-transitional") ||
	     !strcmp(type, "virtio-non-transitional")))
		return 0;
	return dx_refuse(d, n,
			 "model '%s': squeeze's network device is virtio-net",
			 type ? type : "");
}

/* Open vSwitch: squeeze finds out itself that the bridge is one. */
static int map_virtualport(struct dx *d, xmlNode *n)
{
	const char *type = dx_attr(d, n, "type");
	xmlNode *p;

	if (!type || strcmp(type, "openvswitch"))
		return dx_refuse(
			d, n,
			"squeeze attaches to Linux and Open vSwitch bridges only");
	for (p = n->children; p; p = p->next) {
		if (p->type != XML_ELEMENT_NODE)
			continue;
		if (!dx_is(p, "parameters"))
			return dx_refuse(d, p, "not supported by squeeze");
		if (dx_attr(d, p, "profileid"))
			return dx_refuse(
				d, p,
				"profileid: port profiles are not supported");
		if (dx_attr(d, p, "interfaceid"))
			dx_warn(d, p, "interfaceid",
				"interfaceid ignored: squeeze sets no external-ids on the OVS port");
	}
	return 0;
}

static int map_simple(struct dx *d, xmlNode *n, const char *attr,
		      const char *ok, const char *why)
{
	const char *v = dx_attr(d, n, attr);

	if (v && strcmp(v, ok))
		return dx_refuse(d, n, "%s='%s': %s", attr, v, why);
	return 0;
}

static int map_iface_child(struct dx *d, xmlNode *c, struct iface *f,
			   bool bridge)
{
	if (dx_is(c, "source") && bridge) {
		f->bridge = dx_attr(d, c, "bridge");
		if (!f->bridge || !*f->bridge)
			return dx_refuse(d, c, "needs bridge='NAME'");
		return dx_no_comma(d, c, "the bridge name", f->bridge);
	}
	if (dx_is(c, "mac")) {
		f->mac = dx_attr(d, c, "address");
		return f->mac ? dx_no_comma(d, c, "the address", f->mac) :
				dx_refuse(d, c, "needs address='MAC'");
	}
	if (dx_is(c, "target"))
		return map_target(d, c, f);
	if (dx_is(c, "model"))
		return map_model(d, c, f);
	if (dx_is(c, "virtualport") && bridge)
		return map_virtualport(d, c);
	if (dx_is(c, "link"))
		return map_simple(
			d, c, "state", "up",
			"the link of squeeze's virtio-net is always up");
	if (dx_is(c, "driver"))
		return map_simple(d, c, "queues", "1",
				  "squeeze's virtio-net has one queue pair");
	if (dx_is(c, "address"))
		return dx_ignore_address(d, c);
	/* No option ROM or boot order: <kernel> is entered directly. */
	if (dx_is(c, "alias") || dx_is(c, "boot") || dx_is(c, "rom"))
		return 0;
	return dx_refuse(d, c, "not supported by squeeze");
}

static char *net_spec(struct dx *d, const struct iface *f)
{
	return dx_printf(d, "%s%s%s%s%s%s", f->bridge ? "bridge=" : "",
			 f->bridge ? f->bridge : "",
			 f->tap ? (f->bridge ? ",tap=" : "tap=") : "",
			 f->tap ? f->tap : "", f->mac ? ",mac=" : "",
			 f->mac ? f->mac : "");
}

int dx_map_interface(struct dx *d, xmlNode *n)
{
	const char *type = dx_attr(d, n, "type");
	struct iface f = { 0 };
	bool bridge;
	xmlNode *c;
	char *spec;
	int ret;

	if (type && !strcmp(type, "network"))
		return dx_refuse(
			d, n,
			"libvirt's networks need libvirtd; name the network's bridge instead: <interface type='bridge'><source bridge='virbr0'/>");
	if (!type || (strcmp(type, "bridge") && strcmp(type, "ethernet")))
		return dx_refuse(
			d, n,
			"squeeze connects taps: type='bridge' or type='ethernet'");
	bridge = !strcmp(type, "bridge");
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ret = map_iface_child(d, c, &f, bridge);
		if (ret)
			return ret;
	}
	if (bridge && !f.bridge)
		return dx_refuse(d, n, "has no <source bridge='NAME'/>");
	if (!bridge && !f.tap)
		return dx_refuse(
			d, n,
			"has no <target dev='TAP'/> (a name of its own, not vnet*)");
	if (!f.has_model)
		dx_warn(d, n, "model",
			"has no <model type='virtio'/>: libvirt would give the guest an emulated NIC, squeeze gives virtio-net");
	if (d->nr_nets == CONFIG_MAX_NETS)
		return dx_refuse(d, n, "squeeze takes at most %d interfaces",
				 CONFIG_MAX_NETS);
	spec = net_spec(d, &f);
	ret = spec ? dx_check_option(d, n, "--net", spec) :
		     dx_refuse(d, n, "out of memory");
	if (!ret)
		d->net[d->nr_nets++] = (struct dx_net){ spec, n };
	return ret;
}
