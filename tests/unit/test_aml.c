// SPDX-License-Identifier: MIT
/*
 * Unit tests of the AML byte-code writer (firmware/acpi/aml.c): the encodings
 * byte by byte, and a full buffer as an error, never a write past it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "firmware/acpi/aml.h"
#include "tests/unit/lib/synth_kernel.h"

static u8 buf[8192];
static struct aml a;

static void setup(void)
{
	memset(buf, 0xee, sizeof(buf));
	aml_init(&a, buf, sizeof(buf));
}

TestSuite(aml, .init = setup);

static void expect(const u8 *want, size_t n)
{
	size_t i;

	cr_assert(aml_ok(&a));
	cr_assert_eq(a.len, n, "length %zu, want %zu", a.len, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(buf[i], want[i], "byte %zu: %02x, want %02x", i,
			     buf[i], want[i]);
}

/* Decode a PkgLength the way the AML interpreter does. */
static size_t decode_pkglength(const u8 *p, size_t *nbytes)
{
	size_t n = (p[0] >> 6) + 1, len, i;

	if (n == 1) {
		*nbytes = 1;
		return p[0] & 0x3f;
	}
	len = p[0] & 0x0f;
	for (i = 1; i < n; i++)
		len |= (size_t)p[i] << (4 + 8 * (i - 1));
	*nbytes = n;
	return len;
}

Test(aml, pkglength_boundaries)
{
	static const size_t content[] = { 0,	62,	 63,	 4093,
					  4094, 1048572, 1048573 };
	static const size_t bytes[] = { 1, 1, 2, 2, 3, 3, 4 };
	unsigned int i;
	u8 out[4];

	for (i = 0; i < ARRAY_SIZE(content); i++) {
		size_t n = aml_pkglength_encode(out, content[i]), nb;

		cr_assert_eq(n, bytes[i], "content %zu", content[i]);
		cr_assert_eq(decode_pkglength(out, &nb), content[i] + n);
		cr_assert_eq(nb, n);
	}
	cr_assert_eq(aml_pkglength_encode(out, 1 << 28), 0);
}

Test(aml, pkglength_two_byte_example)
{
	u8 out[4];

	/* 63 bytes of content + 2 = 65 = 0x41: lead 0x41, then 0x04. */
	cr_assert_eq(aml_pkglength_encode(out, 63), 2);
	cr_assert_eq(out[0], 0x41);
	cr_assert_eq(out[1], 0x04);
}

Test(aml, eisaid)
{
	cr_assert_eq(aml_eisaid_value("PNP0A03"), 0x030ad041);
	cr_assert_eq(aml_eisaid_value("PNP0A08"), 0x080ad041);
	cr_assert_eq(aml_eisaid_value("PNP0501"), 0x0105d041);
	cr_assert_eq(aml_eisaid_value("PNP0a03"), 0);
	cr_assert_eq(aml_eisaid_value("PNP0A0"), 0);
}

Test(aml, integers)
{
	static const u8 want[] = {
		0x00, 0x01, 0x0a, 0x05, 0x0b, 0x34, 0x12,
		0x0c, 0x78, 0x56, 0x34, 0x12, 0x0e, 0x08,
		0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	};

	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 5);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x0102030405060708ULL);
	expect(want, sizeof(want));
}

Test(aml, name_strings)
{
	static const u8 want[] = {
		'_', 'S',  '5', '_', 0x5c, 0x2e, '_',  'S',  'B',
		'_', 'P',  'C', 'I', '0',  0x2f, 0x03, 'A',  '_',
		'_', '_',  'B', 'C', '_',  '_',	 'D',  'E',  'F',
		'G', 0x5e, 'C', 'O', 'M',  '1',	 0x5c, 0x00,
	};

	aml_name_string(&a, "_S5");
	aml_name_string(&a, "\\_SB.PCI0");
	aml_name_string(&a, "A.BC.DEFG");
	aml_name_string(&a, "^COM1");
	aml_name_string(&a, "\\");
	expect(want, sizeof(want));
}

Test(aml, bad_names_are_errors)
{
	static const char *const bad[] = { "TOOLONG", "pci0", "1ABC", "A..B",
					   "A." };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name_string(&a, bad[i]);
		cr_assert_not(aml_ok(&a), "%s accepted", bad[i]);
	}
}

Test(aml, name_package)
{
	/* Name (_S5, Package (4) { 5, 0, 0, 0 }) */
	static const u8 want[] = {
		0x08, '_',  'S',  '5',	'_',  0x12, 0x07,
		0x04, 0x0a, 0x05, 0x00, 0x00, 0x00,
	};
	size_t pkg;

	aml_name(&a, "_S5");
	pkg = aml_package(&a, 4);
	aml_integer(&a, 5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a, pkg);
	expect(want, sizeof(want));
}

Test(aml, method_return)
{
	/* Method (_STA, 0, NotSerialized) { Return (0x0F) } */
	static const u8 want[] = {
		0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f,
	};
	size_t m = aml_method(&a, "_STA", 0, false);

	aml_return(&a);
	aml_integer(&a, 0x0f);
	aml_end(&a, m);
	expect(want, sizeof(want));
}

Test(aml, resource_template)
{
	/*
	 * ResourceTemplate () {
	 *	IO (Decode16, 0x3f8, 0x3f8, 1, 8) IRQNoFlags () {4}
	 * }
	 */
	static const u8 want[] = {
		0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8, 0x03, 0xf8,
		0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00,
	};
	size_t r = aml_restemplate(&a);

	aml_res_io(&a, 0x3f8, 8);
	aml_res_irq_noflags(&a, 4);
	aml_restemplate_end(&a, r);
	expect(want, sizeof(want));
}

Test(aml, address_space_descriptors)
{
	size_t r = aml_restemplate(&a);
	const u8 *d;

	aml_res_word_bus(&a, 0, 0);
	aml_res_word_io(&a, 0x1000, 0xffff);
	aml_res_dword_mem(&a, 0xc0000000, 0xdfffffff);
	aml_restemplate_end(&a, r);
	cr_assert(aml_ok(&a));
	/* BufferOp, 1-byte PkgLength, BytePrefix size: 16 + 16 + 26 + 2 */
	cr_assert_eq(buf[0], 0x11);
	cr_assert_eq(buf[2], 0x0a);
	cr_assert_eq(buf[3], 60);
	d = buf + 4;
	cr_assert_eq(d[0], 0x88);
	cr_assert_eq(d[1] | d[2] << 8, 13);
	cr_assert_eq(d[3], 2, "bus number range");
	cr_assert_eq(d[14] | d[15] << 8, 1, "one bus");
	d += 16;
	cr_assert_eq(d[3], 1, "I/O range");
	cr_assert_eq(d[8] | d[9] << 8, 0x1000);
	cr_assert_eq(d[10] | d[11] << 8, 0xffff);
	cr_assert_eq(d[14] | d[15] << 8, 0xf000);
	d += 16;
	cr_assert_eq(d[0], 0x87);
	cr_assert_eq(d[1] | d[2] << 8, 23);
	cr_assert_eq(d[3], 0, "memory range");
	cr_assert_eq(get32(d, 10), 0xc0000000);
	cr_assert_eq(get32(d, 14), 0xdfffffff);
	cr_assert_eq(get32(d, 22), 0x20000000);
	d += 26;
	cr_assert_eq(d[0], 0x79);
}

Test(aml, nested_device_long_pkglength)
{
	size_t scope, dev, nb, len, i;
	const u8 *p;

	scope = aml_scope(&a, "\\_SB");
	dev = aml_device(&a, "DEV0");
	for (i = 0; i < 40; i++) {
		aml_name(&a, "_UID");
		aml_integer(&a, 0x1234); /* 8 bytes each: 320 in all */
	}
	aml_end(&a, dev);
	aml_end(&a, scope);
	cr_assert(aml_ok(&a));
	cr_assert_eq(buf[0], 0x10);
	len = decode_pkglength(buf + 1, &nb);
	cr_assert_eq(nb, 2);
	cr_assert_eq(1 + len, a.len, "scope covers the rest");
	p = buf + 1 + nb + 5; /* past ScopeOp, PkgLength, "\_SB_" */
	cr_assert_eq(p[0], 0x5b);
	cr_assert_eq(p[1], 0x82);
	len = decode_pkglength(p + 2, &nb);
	cr_assert_eq(nb, 2);
	cr_assert_eq(len, nb + 4 + 40 * 8);
	cr_assert_eq(memcmp(p + 2 + nb, "DEV0", 4), 0);
}

Test(aml, overflow_is_an_error_not_a_write)
{
	u8 small[8];

	memset(buf, 0xee, sizeof(buf));
	aml_init(&a, small, sizeof(small));
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501"); /* 5 + 5 bytes > 8 */
	cr_assert_not(aml_ok(&a));
	cr_assert_leq(a.len, sizeof(small));
}
