// SPDX-License-Identifier: MIT
/*
 * Helpers of the domain XML mapping: walking children by rule, refusals
 * and warnings that name the element and its line, attribute and text
 * access, numbers and libvirt's memory units.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/domxml_int.h"

/* Keep @s (malloc'd) until the mapping ends; NULL if out of memory. */
static char *keep(struct dx *d, char *s)
{
	unsigned int cap = d->cap_pool ? 2 * d->cap_pool : 64;
	char **grown;

	if (!s) {
		d->oom = true;
		return NULL;
	}
	if (d->nr_pool == d->cap_pool) {
		grown = realloc(d->pool, cap * sizeof(*grown));
		if (!grown) {
			free(s);
			d->oom = true;
			return NULL;
		}
		d->pool = grown;
		d->cap_pool = cap;
	}
	d->pool[d->nr_pool++] = s;
	return s;
}

char *dx_printf(struct dx *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return keep(d, s);
}

/* libxml2 allocates with its own allocator: copy into ours. */
static const char *keep_xml(struct dx *d, xmlChar *x)
{
	char *s;

	if (!x)
		return NULL;
	s = strdup((const char *)x);
	d->x->Free(x);
	return keep(d, s);
}

long dx_line(struct dx *d, const xmlNode *n)
{
	return d->x->GetLineNo(n);
}

bool dx_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns &&
	       !strcmp((const char *)n->name, name);
}

const char *dx_attr(struct dx *d, xmlNode *n, const char *name)
{
	return keep_xml(d, d->x->GetNoNsProp(n, (const xmlChar *)name));
}

const char *dx_text(struct dx *d, xmlNode *n)
{
	const char *t = keep_xml(d, d->x->NodeGetContent(n));
	char *s, *end;

	if (!t)
		return "";
	s = (char *)t + strspn(t, " \t\r\n");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	return s;
}

/* " NAME='VALUE'" when @n has attribute NAME, else "". */
static void describe_attr(struct dx *d, const xmlNode *n, const char *name,
			  char *buf, size_t len)
{
	xmlChar *v = d->x->GetNoNsProp(n, (const xmlChar *)name);

	snprintf(buf, len, v ? " %s='%.32s'" : "", name, (const char *)v);
	if (v)
		d->x->Free(v);
}

/* "<name type='t' device='d'>" (prefixed when namespaced) for messages. */
static void describe(struct dx *d, const xmlNode *n, char *buf, size_t len)
{
	const char *pfx =
		n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "";
	char type[48], device[48];

	describe_attr(d, n, "type", type, sizeof(type));
	describe_attr(d, n, "device", device, sizeof(device));
	snprintf(buf, len, "<%s%s%s%s%s>", pfx, *pfx ? ":" : "",
		 (const char *)n->name, type, device);
}

int dx_refuse(struct dx *d, xmlNode *n, const char *fmt, ...)
{
	char what[128], msg[ERR_LEN];
	va_list ap;

	if (d->oom)
		return err_host(d->err, -ENOMEM, "out of memory");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	describe(d, n, what, sizeof(what));
	return err_input(d->err, -EINVAL, "%s:%ld: %s: %s", d->file,
			 dx_line(d, n), what, msg);
}

static bool warned_before(struct dx *d, const char *key)
{
	char **grown;
	unsigned int i;

	for (i = 0; i < d->nr_warned; i++)
		if (!strcmp(d->warned[i], key))
			return true;
	grown = realloc(d->warned, (d->nr_warned + 1) * sizeof(*grown));
	if (!grown || !(grown[d->nr_warned] = strdup(key))) {
		d->warned = grown ? grown : d->warned;
		d->oom = true;
		return true;
	}
	d->warned = grown;
	d->nr_warned++;
	return false;
}

void dx_warn(struct dx *d, xmlNode *n, const char *key, const char *fmt, ...)
{
	struct domxml *out = d->out;
	char what[128], msg[ERR_LEN], **grown;
	long *lines;
	va_list ap;

	if (warned_before(d, key ? key : (const char *)n->name))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	describe(d, n, what, sizeof(what));
	grown = realloc(out->warn, (out->nr_warn + 1) * sizeof(*grown));
	if (grown)
		out->warn = grown;
	lines = realloc(d->warn_line, (out->nr_warn + 1) * sizeof(*lines));
	if (lines)
		d->warn_line = lines;
	if (!grown || !lines ||
	    asprintf(&out->warn[out->nr_warn], "%s:%ld: %s %s", d->file,
		     dx_line(d, n), what, msg) < 0) {
		d->oom = true;
		return;
	}
	d->warn_line[out->nr_warn++] = dx_line(d, n);
}

/* Insertion sort, stable: a handful of lines. */
void dx_sort_warnings(struct dx *d)
{
	struct domxml *out = d->out;
	unsigned int i, j;

	for (i = 1; i < out->nr_warn; i++) {
		for (j = i; j > 0 && d->warn_line[j - 1] > d->warn_line[j];
		     j--) {
			long l = d->warn_line[j];
			char *w = out->warn[j];

			d->warn_line[j] = d->warn_line[j - 1];
			out->warn[j] = out->warn[j - 1];
			d->warn_line[j - 1] = l;
			out->warn[j - 1] = w;
		}
	}
}

int dx_ignore_address(struct dx *d, xmlNode *n)
{
	dx_warn(d, n, "address",
		"ignored: squeeze places its devices on PCI bus 0 in order, disks first");
	return 0;
}

static const struct dx_rule *find_rule(const xmlNode *n,
				       const struct dx_rule *rules, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (dx_is(n, rules[i].name))
			return &rules[i];
	return NULL;
}

int dx_walk(struct dx *d, xmlNode *parent, const struct dx_rule *rules,
	    size_t nr_rules)
{
	const struct dx_rule *r;
	xmlNode *n;
	int ret;

	for (n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue; /* text, comments */
		r = find_rule(n, rules, nr_rules);
		if (!r)
			return dx_refuse(d, n, "not supported by squeeze");
		switch (r->kind) {
		case DX_MAP:
			ret = r->map(d, n);
			if (ret)
				return ret;
			break;
		case DX_IGNORE:
			dx_warn(d, n, NULL, "ignored: %s", r->why);
			break;
		case DX_SILENT:
			break;
		case DX_REFUSE:
			return dx_refuse(d, n, "%s", r->why);
		}
	}
	return d->oom ? dx_refuse(d, parent, "out of memory") : 0;
}

int dx_check_attrs(struct dx *d, xmlNode *n, const char *const *known)
{
	const char *const *k;
	xmlAttr *a;

	for (a = n->properties; a; a = a->next) {
		for (k = known; *k; k++)
			if (!a->ns && !strcmp((const char *)a->name, *k))
				break;
		if (!*k)
			return dx_refuse(d, n,
					 "attribute '%s' is not supported",
					 (const char *)a->name);
	}
	return 0;
}

int dx_check_option(struct dx *d, xmlNode *n, const char *opt,
		    const char *value)
{
	struct err e = { 0 };

	if (!config_check_option(opt, value, &e))
		return 0;
	return dx_refuse(d, n, "%s", e.msg);
}

int dx_no_comma(struct dx *d, xmlNode *n, const char *what, const char *value)
{
	if (!strchr(value, ','))
		return 0;
	return dx_refuse(
		d, n,
		"%s '%s' has a comma, which squeeze's options cannot carry",
		what, value);
}

int dx_number(struct dx *d, xmlNode *n, const char *text, u64 *out)
{
	const char *s = text + strspn(text, " \t\r\n");
	u64 v = 0;

	if (*s < '0' || *s > '9')
		return dx_refuse(d, n, "'%s' is not a number", text);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return dx_refuse(d, n, "%s does not fit in 64 bits",
					 text);
		v = v * 10 + (*s - '0');
	}
	if (s[strspn(s, " \t\r\n")])
		return dx_refuse(d, n, "'%s' is not a number", text);
	*out = v;
	return 0;
}

/*
 * The bytes in one @unit (libvirt's grammar, any case): b, byte, bytes;
 * a letter of kmgtpe alone or with "iB" (powers of 1024), or with "B"
 * (powers of 1000). 0 if @unit is none of these.
 */
static u64 unit_scale(const char *unit)
{
	static const char letters[] = "kmgtpe";
	const char *l;
	u64 base, scale = 1;
	int i;

	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") ||
	    !strcasecmp(unit, "bytes"))
		return 1;
	l = unit[0] ? strchr(letters, unit[0] | 0x20) : NULL;
	if (!l)
		return 0;
	if (!unit[1] || !strcasecmp(unit + 1, "ib"))
		base = 1024;
	else if (!strcasecmp(unit + 1, "b"))
		base = 1000;
	else
		return 0;
	for (i = 0; i <= l - letters; i++)
		scale *= base; /* at most 1024^6: no overflow */
	return scale;
}

int dx_scaled(struct dx *d, xmlNode *n, u64 *bytes)
{
	const char *unit = dx_attr(d, n, "unit");
	const char *text = dx_text(d, n);
	u64 v, scale = unit ? unit_scale(unit) : 1024;
	int ret;

	if (!scale)
		return dx_refuse(
			d, n,
			"unit '%s' is not one of libvirt's (b, KiB, KB, MiB, MB, GiB, GB, TiB, TB, PiB, PB, EiB, EB)",
			unit);
	ret = dx_number(d, n, text, &v);
	if (ret)
		return ret;
	if (__builtin_mul_overflow(v, scale, bytes))
		return dx_refuse(d, n, "%s %s does not fit in 64 bits of bytes",
				 text, unit ? unit : "KiB");
	return 0;
}
