// SPDX-License-Identifier: MIT
/*
 * A small AML encoder into a caller's buffer: names, packages,
 * methods, devices and resource templates (see firmware/acpi/aml.h).
 */
#include <string.h>

#include "firmware/acpi/aml.h"

/* AML opcodes and prefixes (ACPI 6.x, 20.3). */
#define AML_ZERO	      0x00
#define AML_ONE		      0x01
#define AML_NAME_OP	      0x08
#define AML_BYTE_PREFIX	      0x0a
#define AML_WORD_PREFIX	      0x0b
#define AML_DWORD_PREFIX      0x0c
#define AML_QWORD_PREFIX      0x0e
#define AML_SCOPE_OP	      0x10
#define AML_BUFFER_OP	      0x11
#define AML_PACKAGE_OP	      0x12
#define AML_METHOD_OP	      0x14
#define AML_DUAL_NAME_PREFIX  0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_EXT_PREFIX	      0x5b
#define AML_DEVICE_OP	      0x82 /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR	      0x5c
#define AML_PARENT_CHAR	      0x5e
#define AML_RETURN_OP	      0xa4

/* Resource descriptors (ACPI 6.x, 6.4). */
#define RES_IRQ_NOFLAGS	    0x22 /* small, IRQ, 2 bytes */
#define RES_IO		    0x47 /* small, I/O port, 7 bytes */
#define RES_END_TAG	    0x79 /* small, end tag, 1 byte */
#define RES_DWORD_ADDR	    0x87
#define RES_WORD_ADDR	    0x88
#define RES_TYPE_MEM	    0
#define RES_TYPE_IO	    1
#define RES_TYPE_BUS	    2
#define RES_FLAGS_PRODUCER  0x0c /* _MAF | _MIF, positive decode */
#define RES_IO_ENTIRE_RANGE 0x03
#define RES_MEM_RW	    0x01 /* read-write, non-cacheable */

#define NAME_SEG_MAX 4

void aml_init(struct aml *a, void *buf, size_t cap)
{
	*a = (struct aml){ .buf = buf, .cap = cap };
}

bool aml_ok(const struct aml *a)
{
	return !a->error;
}

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->error || n > a->cap - a->len) {
		a->error = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, u8 b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, u64 v, unsigned int n)
{
	u8 b[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = v >> (8 * i);
	aml_bytes(a, b, n);
}

static void aml_insert(struct aml *a, size_t pos, const u8 *p, size_t n)
{
	if (a->error || pos > a->len || n > a->cap - a->len) {
		a->error = true;
		return;
	}
	memmove(a->buf + pos + n, a->buf + pos, a->len - pos);
	memcpy(a->buf + pos, p, n);
	a->len += n;
}

static bool lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return lead_char(c) || (c >= '0' && c <= '9');
}

/* One NameSeg from @p; returns the chars consumed or 0 if invalid. */
static size_t name_seg(const char *p, u8 seg[NAME_SEG_MAX])
{
	size_t n = 0;

	if (!lead_char(p[0]))
		return 0;
	memset(seg, '_', NAME_SEG_MAX);
	while (name_char(p[n])) {
		if (n == NAME_SEG_MAX)
			return 0;
		seg[n] = p[n];
		n++;
	}
	return n;
}

void aml_name_string(struct aml *a, const char *path)
{
	u8 segs[255][NAME_SEG_MAX];
	unsigned int nr = 0;
	size_t n;

	while (*path == '\\' || *path == '^')
		aml_byte(a, *path++ == '\\' ? AML_ROOT_CHAR : AML_PARENT_CHAR);
	while (*path) {
		n = nr < ARRAY_SIZE(segs) ? name_seg(path, segs[nr]) : 0;
		if (!n || (path[n] && path[n] != '.') ||
		    (path[n] == '.' && !path[n + 1])) {
			a->error = true;
			return;
		}
		nr++;
		path += n + (path[n] == '.');
	}
	if (nr == 0)
		aml_byte(a, AML_ZERO); /* NullName */
	else if (nr == 2)
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	else if (nr > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, nr);
	}
	aml_bytes(a, segs, (size_t)nr * NAME_SEG_MAX);
}

void aml_integer(struct aml *a, u64 v)
{
	if (v <= 1) {
		aml_byte(a, v ? AML_ONE : AML_ZERO);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Three 5-bit letters and four hex digits, stored big-endian. */
u32 aml_eisaid_value(const char *id)
{
	u32 v = 0;
	int i, d;

	if (strlen(id) != 7)
		return 0;
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
		v = v << 5 | (u32)(id[i] - '@');
	}
	for (i = 3; i < 7; i++) {
		d = hex_digit(id[i]);
		if (d < 0)
			return 0;
		v = v << 4 | (u32)d;
	}
	return __builtin_bswap32(v);
}

void aml_eisaid(struct aml *a, const char *id)
{
	u32 v = aml_eisaid_value(id);

	if (!v)
		a->error = true;
	aml_byte(a, AML_DWORD_PREFIX);
	aml_le(a, v, 4);
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
}

void aml_return(struct aml *a)
{
	aml_byte(a, AML_RETURN_OP);
}

size_t aml_pkglength_encode(u8 out[4], size_t content)
{
	size_t nb, total, i;

	if (content + 1 < 0x40) {
		out[0] = content + 1;
		return 1;
	}
	/* Lead byte: count of following bytes, then the low nibble. */
	for (nb = 2; nb <= 4; nb++) {
		total = content + nb;
		if (total >= (1ULL << (4 + 8 * (nb - 1))))
			continue;
		out[0] = (nb - 1) << 6 | (total & 0xf);
		for (i = 1; i < nb; i++)
			out[i] = total >> (4 + 8 * (i - 1));
		return nb;
	}
	return 0;
}

void aml_end(struct aml *a, size_t mark)
{
	u8 pkg[4];
	size_t n;

	if (a->error || mark > a->len) {
		a->error = true;
		return;
	}
	n = aml_pkglength_encode(pkg, a->len - mark);
	if (!n)
		a->error = true;
	aml_insert(a, mark, pkg, n);
}

size_t aml_scope(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, AML_SCOPE_OP);
	mark = a->len;
	aml_name_string(a, path);
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	size_t mark;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	mark = a->len;
	aml_name_string(a, name);
	return mark;
}

size_t aml_method(struct aml *a, const char *name, u8 nargs, bool serialized)
{
	size_t mark;

	if (nargs > 7)
		a->error = true;
	aml_byte(a, AML_METHOD_OP);
	mark = a->len;
	aml_name_string(a, name);
	aml_byte(a, (nargs & 7) | (serialized ? 0x08 : 0));
	return mark;
}

size_t aml_package(struct aml *a, u8 nr_elements)
{
	size_t mark;

	aml_byte(a, AML_PACKAGE_OP);
	mark = a->len;
	aml_byte(a, nr_elements);
	return mark;
}

static size_t aml_buffer(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	return a->len;
}

/* BufferOp PkgLength BufferSize ByteList: the size goes in first. */
static void aml_buffer_end(struct aml *a, size_t mark)
{
	struct aml size;
	u8 enc[9];

	if (a->error || mark > a->len) {
		a->error = true;
		return;
	}
	aml_init(&size, enc, sizeof(enc));
	aml_integer(&size, a->len - mark);
	aml_insert(a, mark, enc, size.len);
	aml_end(a, mark);
}

size_t aml_restemplate(struct aml *a)
{
	return aml_buffer(a);
}

void aml_restemplate_end(struct aml *a, size_t mark)
{
	aml_byte(a, RES_END_TAG);
	aml_byte(a, 0); /* checksum 0: treated as valid */
	aml_buffer_end(a, mark);
}

void aml_res_io(struct aml *a, u16 base, u8 len)
{
	aml_byte(a, RES_IO);
	aml_byte(a, 0x01);  /* decodes 16 address bits */
	aml_le(a, base, 2); /* minimum */
	aml_le(a, base, 2); /* maximum */
	aml_byte(a, 1);	    /* alignment */
	aml_byte(a, len);
}

void aml_res_irq_noflags(struct aml *a, u8 irq)
{
	if (irq > 15)
		a->error = true;
	aml_byte(a, RES_IRQ_NOFLAGS);
	aml_le(a, 1u << (irq & 15), 2);
}

/*
 * A Word (@width 2) or DWord (@width 4) Address Space Descriptor: the
 * same layout, the address fields only differ in width.
 */
static void addr_space(struct aml *a, u8 tag, unsigned int width, u8 type,
		       u8 type_flags, u32 min, u32 max)
{
	if (max < min)
		a->error = true;
	aml_byte(a, tag);
	aml_le(a, 3 + 5 * width, 2); /* length of what follows */
	aml_byte(a, type);
	aml_byte(a, RES_FLAGS_PRODUCER);
	aml_byte(a, type_flags);
	aml_le(a, 0, width); /* granularity */
	aml_le(a, min, width);
	aml_le(a, max, width);
	aml_le(a, 0, width); /* translation offset */
	aml_le(a, (u64)max - min + 1, width);
}

void aml_res_word_bus(struct aml *a, u16 min, u16 max)
{
	addr_space(a, RES_WORD_ADDR, 2, RES_TYPE_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *a, u16 min, u16 max)
{
	addr_space(a, RES_WORD_ADDR, 2, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, min,
		   max);
}

void aml_res_dword_mem(struct aml *a, u32 min, u32 max)
{
	addr_space(a, RES_DWORD_ADDR, 4, RES_TYPE_MEM, RES_MEM_RW, min, max);
}
