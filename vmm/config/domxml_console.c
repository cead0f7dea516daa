// SPDX-License-Identifier: MIT
/*
 * <serial> and <console> as --console: squeeze has one serial port, COM1,
 * and its host side is stdio, a file, a new pty (whose path squeeze
 * prints) or nothing. libvirt describes COM1 twice in a live domain, as
 * <serial> and as the <console> that points at it; both must agree.
 */
#include <errno.h>
#include <string.h>

#include "vmm/config/domxml_int.h"

/* <target>: COM1 is port 0 of an ISA serial; a <console>'s must be it. */
static int map_target(struct dx *d, xmlNode *t, bool console)
{
	const char *type = dx_attr(d, t, "type");
	const char *port = dx_attr(d, t, "port");
	xmlNode *m;

	if (console && type && !strcmp(type, "virtio"))
		return dx_refuse(
			d, t,
			"squeeze has no virtio console: use the serial console (<target type='serial'/>)");
	if (type && strcmp(type, console ? "serial" : "isa-serial"))
		return dx_refuse(
			d, t, "squeeze's console is COM1, an ISA serial port");
	if (port && strcmp(port, "0"))
		return dx_refuse(
			d, t,
			"port %s: squeeze has one serial port, COM1 (port 0)",
			port);
	for (m = t->children; m; m = m->next) {
		const char *name =
			dx_is(m, "model") ? dx_attr(d, m, "name") : NULL;

		if (m->type != XML_ELEMENT_NODE)
			continue;
		if (!name || strcmp(name, "isa-serial"))
			return dx_refuse(
				d, m,
				"squeeze's console is COM1, an ISA serial port");
	}
	return 0;
}

/* The --console value for a pty, stdio, file or null character device. */
static const char *console_value(struct dx *d, xmlNode *n, xmlNode *source)
{
	const char *type = dx_attr(d, n, "type");
	const char *path, *append;

	if (!type || !strcmp(type, "pty"))
		return "pty"; /* a live domain's <source path> is libvirt's */
	if (!strcmp(type, "stdio"))
		return "stdio";
	if (!strcmp(type, "null"))
		return "none";
	if (strcmp(type, "file")) {
		dx_refuse(d, n,
			  "squeeze's console is stdio, a file, a pty or null");
		return NULL;
	}
	path = source ? dx_attr(d, source, "path") : NULL;
	append = source ? dx_attr(d, source, "append") : NULL;
	if (!path || !*path) {
		dx_refuse(d, n, "needs <source path='FILE'/>");
		return NULL;
	}
	if (append && strcmp(append, "off")) {
		dx_refuse(d, source,
			  "append='%s': squeeze starts the console file afresh",
			  append);
		return NULL;
	}
	return dx_printf(d, "file=%s", path);
}

int dx_map_chardev(struct dx *d, xmlNode *n)
{
	bool console = dx_is(n, "console");
	xmlNode *c, *source = NULL;
	const char *value;
	int ret;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || dx_is(c, "alias") ||
		    dx_is(c, "address"))
			continue;
		if (dx_is(c, "source")) {
			source = c;
			continue;
		}
		if (!dx_is(c, "target"))
			return dx_refuse(d, c, "not supported by squeeze");
		ret = map_target(d, c, console);
		if (ret)
			return ret;
	}
	value = console_value(d, n, source);
	if (!value)
		return err_is_set(d->err) ? -EINVAL :
					    dx_refuse(d, n, "out of memory");
	if (d->console && strcmp(d->console, value))
		return dx_refuse(
			d, n,
			"COM1 is already '%s' (line %ld): squeeze has one serial port",
			d->console, dx_line(d, d->console_node));
	if (d->console)
		return 0; /* <console> naming the <serial> above */
	d->console = value;
	d->console_node = n;
	return dx_check_option(d, n, "--console", value);
}
