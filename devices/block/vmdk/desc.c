// SPDX-License-Identifier: MIT
/*
 * The VMDK text descriptor: "key=value" lines, extent lines
 *     ACCESS SECTORS TYPE "NAME" [OFFSET]
 * and comments. Only what decides how to read the disk is kept; the disk
 * database (ddb.*) is ignored. The text is hostile: every line is bounded,
 * every number checked, and nothing outside the buffer is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/vmdk/vmdk.h"

#define LINE_MAX_LEN 1024

static const char *const create_types[] = {
	"monolithicSparse",   "monolithicFlat",	 "twoGbMaxExtentSparse",
	"twoGbMaxExtentFlat", "streamOptimized", "vmfs",
};

struct line {
	char s[LINE_MAX_LEN + 1];
	size_t n;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* A decimal number at *@p (no sign, no overflow); advances *@p. */
static int number(const char **p, u64 *v)
{
	const char *s = *p;

	*v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*v > (~0ULL - 9) / 10)
			return -ERANGE;
		*v = *v * 10 + (*s - '0');
	}
	*p = s;
	return 0;
}

/* `"text"` at *@p into @out (@max bytes with the NUL). */
static int quoted(const char **p, char *out, size_t max)
{
	const char *s = *p, *end;

	if (*s != '"')
		return -EINVAL;
	end = strchr(s + 1, '"');
	if (!end || (size_t)(end - s - 1) >= max || end == s + 1)
		return -EINVAL;
	memcpy(out, s + 1, end - s - 1);
	out[end - s - 1] = '\0';
	*p = end + 1;
	return 0;
}

static int ext_type(const char *word, size_t n, enum vmdk_ext_type *t)
{
	if ((n == 4 && !memcmp(word, "FLAT", 4)) ||
	    (n == 4 && !memcmp(word, "VMFS", 4)))
		*t = VMDK_EXT_FLAT;
	else if (n == 6 && !memcmp(word, "SPARSE", 6))
		*t = VMDK_EXT_SPARSE;
	else if (n == 4 && !memcmp(word, "ZERO", 4))
		*t = VMDK_EXT_ZERO;
	else
		return -EINVAL;
	return 0;
}

static bool name_ok(const char *name)
{
	for (; *name; name++)
		if ((unsigned char)*name < 0x20)
			return false;
	return true;
}

static int add_extent(struct vmdk_desc *d, const struct vmdk_ext_desc *e,
		      struct err *err)
{
	struct vmdk_ext_desc *n;
	u64 total = 0;
	unsigned int i;

	if (d->nr_ext >= VMDK_MAX_EXTENTS)
		return err_input(err, -EINVAL, "vmdk: more than %d extents",
				 VMDK_MAX_EXTENTS);
	for (i = 0; i < d->nr_ext; i++)
		total += d->ext[i].sectors;
	if (!e->sectors || e->sectors > VMDK_MAX_SECTORS - total)
		return err_input(
			err, -EINVAL,
			"vmdk: extent '%s' has a bad size (%llu sectors)",
			e->name, (unsigned long long)e->sectors);
	n = realloc(d->ext, (d->nr_ext + 1) * sizeof(*n));
	if (!n)
		return err_host(err, -ENOMEM, "out of memory");
	d->ext = n;
	d->ext[d->nr_ext++] = *e;
	return 0;
}

/* RW 204800 SPARSE "name.vmdk" [offset] */
static int extent_line(struct vmdk_desc *d, const char *p, struct err *err)
{
	struct vmdk_ext_desc e = { 0 };
	const char *word;

	if (!strncmp(p, "NOACCESS", 8))
		return err_input(err, -EINVAL,
				 "vmdk: NOACCESS extents are not supported");
	p += strncmp(p, "RW", 2) ? 6 : 2; /* RW or RDONLY */
	p = skip_space(p);
	if (number(&p, &e.sectors))
		return err_input(err, -EINVAL, "vmdk: bad extent size");
	p = skip_space(p);
	word = p;
	while (*p >= 'A' && *p <= 'Z')
		p++;
	if (ext_type(word, p - word, &e.type))
		return err_input(
			err, -EINVAL,
			"vmdk: extent type '%.*s' not supported (FLAT, SPARSE, ZERO)",
			(int)MIN((size_t)(p - word + 1), (size_t)16), word);
	p = skip_space(p);
	if (e.type != VMDK_EXT_ZERO &&
	    (quoted(&p, e.name, sizeof(e.name)) || !name_ok(e.name)))
		return err_input(err, -EINVAL, "vmdk: bad extent file name");
	p = skip_space(p);
	if (e.type == VMDK_EXT_FLAT && *p && number(&p, &e.offset))
		return err_input(err, -EINVAL, "vmdk: bad flat extent offset");
	if (e.offset > VMDK_MAX_SECTORS)
		return err_input(err, -EINVAL,
				 "vmdk: flat extent offset too large");
	if (*skip_space(p))
		return err_input(err, -EINVAL,
				 "vmdk: junk after the extent '%s'", e.name);
	return add_extent(d, &e, err);
}

static int key_line(struct vmdk_desc *d, const char *key, size_t klen,
		    const char *val, struct err *err)
{
	unsigned int i;

	if (klen == 10 && !memcmp(key, "createType", 10)) {
		if (quoted(&val, d->create_type, sizeof(d->create_type)))
			return err_input(err, -EINVAL, "vmdk: bad createType");
		for (i = 0; i < ARRAY_SIZE(create_types); i++)
			if (!strcmp(d->create_type, create_types[i]))
				return 0;
		return err_input(err, -EINVAL,
				 "vmdk: createType '%s' not supported",
				 d->create_type);
	}
	if ((klen == 9 && !memcmp(key, "parentCID", 9) &&
	     strncmp(val, "ffffffff", 8)) ||
	    (klen == 18 && !memcmp(key, "parentFileNameHint", 18)))
		return err_input(
			err, -ENOTSUP,
			"vmdk: images with a parent (snapshot chains) are not supported");
	return 0;
}

static int parse_line(struct vmdk_desc *d, const char *p, struct err *err)
{
	const char *eq, *k;

	p = skip_space(p);
	if (!*p || *p == '#')
		return 0;
	if (!strncmp(p, "RW ", 3) || !strncmp(p, "RDONLY ", 7) ||
	    !strncmp(p, "NOACCESS ", 9))
		return extent_line(d, p, err);
	eq = strchr(p, '=');
	if (!eq)
		return err_input(err, -EINVAL,
				 "vmdk: descriptor line '%.40s' not understood",
				 p);
	k = eq;
	while (k > p && is_space(k[-1]))
		k--;
	return key_line(d, p, k - p, skip_space(eq + 1), err);
}

static int parse_all(const char *text, size_t len, struct vmdk_desc *d,
		     struct err *err)
{
	struct line l;
	size_t i = 0;
	int ret;

	memset(d, 0, sizeof(*d));
	if (len > VMDK_MAX_DESC)
		return err_input(err, -EINVAL, "vmdk: descriptor too large");
	while (i < len && text[i]) {
		l.n = 0;
		while (i < len && text[i] && text[i] != '\n') {
			if (l.n == LINE_MAX_LEN)
				return err_input(
					err, -EINVAL,
					"vmdk: descriptor line too long");
			l.s[l.n++] = text[i++];
		}
		l.s[l.n] = '\0';
		i++;
		ret = parse_line(d, l.s, err);
		if (ret)
			return ret;
	}
	if (!d->create_type[0])
		return err_input(err, -EINVAL,
				 "vmdk: descriptor has no createType");
	if (!d->nr_ext)
		return err_input(err, -EINVAL,
				 "vmdk: descriptor names no extent");
	return 0;
}

int vmdk_parse_desc(const char *text, size_t len, struct vmdk_desc *d,
		    struct err *err)
{
	int ret = parse_all(text, len, d, err);

	if (ret)
		vmdk_desc_free(d);
	return ret;
}

void vmdk_desc_free(struct vmdk_desc *d)
{
	free(d->ext);
	d->ext = NULL;
	d->nr_ext = 0;
}
