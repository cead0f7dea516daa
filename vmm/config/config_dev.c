// SPDX-License-Identifier: MIT
/* --disk and --net SPEC syntax: "key=value" options separated by commas. */
#include <errno.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/config/config_opt.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

static int disk_opt(struct blk_options *d, const struct opt *o, struct err *err)
{
	bool backing = true;
	int ret;

	if (key_is(o, "format")) {
		if (val_is(o, "raw"))
			d->disk.format = DISK_FMT_RAW;
		else if (val_is(o, "qcow2"))
			d->disk.format = DISK_FMT_QCOW2;
		else if (val_is(o, "vmdk"))
			d->disk.format = DISK_FMT_VMDK;
		else
			return bad_value(o, "--disk", "raw, qcow2 or vmdk",
					 err);
	} else if (key_is(o, "readonly")) {
		return parse_on_off(o, &d->disk.readonly, "--disk", err);
	} else if (key_is(o, "serial")) {
		if (o->vlen > BLK_ID_LEN)
			return err_input(
				err, -EINVAL,
				"--disk: serial '%.*s' is longer than %d bytes",
				(int)o->vlen, o->val, BLK_ID_LEN);
		memcpy(d->serial, o->val, o->vlen);
		d->serial[o->vlen] = '\0';
	} else if (key_is(o, "cache")) {
		if (val_is(o, "writeback"))
			d->disk.cache = DISK_CACHE_WRITEBACK;
		else if (val_is(o, "none"))
			d->disk.cache = DISK_CACHE_NONE;
		else
			return bad_value(o, "--disk", "writeback or none", err);
	} else if (key_is(o, "backing-dir")) {
		if (!o->vlen)
			return err_input(
				err, -EINVAL,
				"--disk: backing-dir= needs a directory");
		d->disk.backing_dir = o->val; /* NUL-terminated in place */
	} else if (key_is(o, "backing")) {
		ret = parse_on_off(o, &backing, "--disk", err);
		if (ret)
			return ret;
		d->disk.backing_off = !backing;
	} else {
		return err_input(err, -EINVAL, "--disk: unknown option '%.*s'",
				 (int)o->klen, o->key);
	}
	return 0;
}

/* A vhost-user-blk back-end decides format, caching and identity. */
static int vhost_disk_opt(struct blk_options *d, const struct opt *o,
			  struct err *err)
{
	if (key_is(o, "readonly"))
		return parse_on_off(o, &d->disk.readonly, "--disk", err);
	return err_input(
		err, -EINVAL,
		"--disk vhost-user=: option '%.*s' does not apply (the back-end decides it)",
		(int)o->klen, o->key);
}

/*
 * Cut the item at @s off at the first single comma, in place, turning
 * each ",," into a literal ',' (QEMU's rule, so a path may hold commas).
 * Returns the next item, or NULL after the last one.
 */
static char *split_item(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r == ',' && r[1] == ',') {
			*w++ = ',';
			r += 2;
		} else if (*r == ',') {
			*w = '\0';
			return r + 1;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return NULL;
}

int config_parse_disk(struct blk_options *d, char *spec, struct err *err)
{
	char *item, *next = split_item(spec);
	struct opt o;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!*spec)
		return err_input(err, -EINVAL,
				 "--disk: missing PATH before the options");
	if (!strncmp(spec, "vhost-user=", 11)) {
		d->vhost_user = spec + 11;
		if (!*d->vhost_user)
			return err_input(
				err, -EINVAL,
				"--disk vhost-user= needs the back-end's socket PATH");
	} else {
		d->disk.path = spec;
	}
	while ((item = next)) {
		const char *p = item;

		next = split_item(item);
		/* The item holds no comma now: one next_opt() takes it all. */
		next_opt(&p, &o);
		if (!o.has_val)
			return err_input(
				err, -EINVAL,
				"--disk: option '%.*s' needs a value (key=value)",
				(int)o.klen, o.key);
		ret = d->vhost_user ? vhost_disk_opt(d, &o, err) :
				      disk_opt(d, &o, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "aa:bb:cc:dd:ee:ff", unicast and not all zero (what Linux accepts). */
static int parse_mac(const struct opt *o, u8 mac[6], struct err *err)
{
	static const u8 zero[6];
	unsigned int i;

	if (o->vlen != 17)
		goto malformed;
	for (i = 0; i < 6; i++) {
		int hi = hex_digit(o->val[3 * i]);
		int lo = hex_digit(o->val[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && o->val[3 * i + 2] != ':'))
			goto malformed;
		mac[i] = hi << 4 | lo;
	}
	if (mac[0] & 1)
		return err_input(err, -EINVAL,
				 "--net: mac=%.17s is a multicast address",
				 o->val);
	if (!memcmp(mac, zero, 6))
		return err_input(err, -EINVAL, "--net: mac=%.17s is all zero",
				 o->val);
	return 0;
malformed:
	return bad_value(o, "--net", "a MAC like 52:54:00:12:34:56", err);
}

/* Linux's rules for an interface name (dev_valid_name()). */
static int parse_ifname(const struct opt *o, char name[IFNAMSIZ],
			struct err *err)
{
	size_t i;

	if (o->vlen == 0)
		return err_input(err, -EINVAL,
				 "--net: %.*s= needs an interface name",
				 (int)o->klen, o->key);
	if (o->vlen > IFNAMSIZ - 1)
		return err_input(
			err, -EINVAL,
			"--net: %.*s=%.*s: interface names have at most %d characters",
			(int)o->klen, o->key, (int)o->vlen, o->val,
			IFNAMSIZ - 1);
	/*
	 * Linux refuses '/', ':' and white space (dev_valid_name()); '%'
	 * would make the kernel pick a name from a pattern, and control
	 * characters have no business in one either.
	 */
	for (i = 0; i < o->vlen; i++) {
		unsigned char c = o->val[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':' || c == '%')
			goto invalid;
	}
	if (val_is(o, ".") || val_is(o, ".."))
		goto invalid;
	memcpy(name, o->val, o->vlen);
	name[o->vlen] = '\0';
	return 0;
invalid:
	return err_input(
		err, -EINVAL,
		"--net: %.*s=: invalid name (interface names have no white space, control characters, '/', ':' or '%%')",
		(int)o->klen, o->key);
}

static int net_opt(struct virtio_net_options *n, const struct opt *o,
		   struct err *err)
{
	int ret;

	if (key_is(o, "bridge"))
		return parse_ifname(o, n->bridge, err);
	if (key_is(o, "tap"))
		return parse_ifname(o, n->tap, err);
	if (key_is(o, "mac")) {
		ret = parse_mac(o, n->mac, err);
		n->has_mac = ret == 0;
		return ret;
	}
	return err_input(err, -EINVAL, "--net: unknown option '%.*s'",
			 (int)o->klen, o->key);
}

int config_parse_net(struct virtio_net_options *n, const char *spec,
		     struct err *err)
{
	const char *p = spec;
	struct opt o;
	int ret;

	memset(n, 0, sizeof(*n));
	while (next_opt(&p, &o)) {
		if (!o.has_val)
			return err_input(
				err, -EINVAL,
				"--net: option '%.*s' needs a value (key=value)",
				(int)o.klen, o.key);
		ret = net_opt(n, &o, err);
		if (ret)
			return ret;
	}
	if (!n->bridge[0] && !n->tap[0])
		return err_input(err, -EINVAL,
				 "--net: needs bridge=BR or tap=NAME");
	return 0;
}
