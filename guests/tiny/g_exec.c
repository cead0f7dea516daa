// SPDX-License-Identifier: MIT
/*
 * exec: a tiny guest that speaks squeeze exec's protocol like its init
 * does. It finds the command spec (squeeze/spec) in the initramfs the
 * PVH start info hands it, writes to the squeeze.stdout and .stderr
 * console ports, and reports on squeeze.status. Commands:
 *
 *	exit N		a line on each of stdout and stderr, then "exit N"
 *	signal N	"signal N"
 *	status LINE	LINE, as it is (a malformed status)
 *	reset		reset the machine before any status (a "panic")
 *	poweroff	ACPI power-off before any status
 *	spin		loop for ever (for --timeout)
 *	lines N		N numbered lines on stdout, then "exit 0"
 */
#include "vcon.h"

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

static u32 hex8(const char *s)
{
	u32 v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];

		v = v << 4 | (u32)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* The file @name in a newc cpio archive, or NULL. */
static const char *cpio_find(const char *a, u64 size, const char *name,
			     u32 *len)
{
	u64 off = 0;
	u32 nsize, fsize;

	while (off + 110 <= size && !memcmp(a + off, "070701", 6)) {
		fsize = hex8(a + off + 54);
		nsize = hex8(a + off + 94);
		if (off + 110 + nsize > size)
			return NULL;
		if (!strncmp(a + off + 110, name, nsize)) {
			*len = fsize;
			return a + ALIGN_UP(off + 110 + nsize, 4);
		}
		off = ALIGN_UP(ALIGN_UP(off + 110 + nsize, 4) + fsize, 4);
	}
	return NULL;
}

/* The first two "arg" values of the spec. */
static int spec_args(const char *s, u32 len, const char **a0, const char **a1)
{
	u32 off = strlen(s) + 1;
	int n = 0;

	while (off < len && n < 2) {
		const char *key = s + off, *v = key + strlen(key) + 1;

		if (!strncmp(key, "arg", 4))
			*(n++ ? a1 : a0) = v;
		off = (u32)(v - s) + strlen(v) + 1;
	}
	return n;
}

static u32 number(const char *s)
{
	u32 v = 0;

	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (u32)(*s++ - '0');
	return v;
}

static int say(struct vcon *c, const char *port, const char *text)
{
	return vcon_write(c, vcon_port(c, port), text, strlen(text));
}

/* "prefix N\n" into @buf. */
static const char *line(char *buf, const char *prefix, u32 n)
{
	char digits[12];
	int i = 0, j;

	do {
		digits[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	j = (int)strlen(prefix);
	memcpy(buf, prefix, j);
	while (i)
		buf[j++] = digits[--i];
	buf[j++] = '\n';
	buf[j] = 0;
	return buf;
}

static void finish(struct vcon *c, const char *status)
{
	say(c, "squeeze.status", status);
	outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	halt();
}

int guest_main(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *m;
	const char *spec, *a0 = "", *a1 = NULL, *why;
	char buf[64];
	struct vcon c;
	u32 len, i;

	if (!si->nr_modules)
		return 0x20;
	m = (const struct hvm_modlist_entry *)(uintptr_t)si->modlist_paddr;
	spec = cpio_find((const char *)(uintptr_t)m->paddr, m->size,
			 "squeeze/spec", &len);
	if (!spec || !spec_args(spec, len, &a0, &a1))
		return 0x21;
	if (vcon_open(&c, 4, &why)) {
		printf("exec guest: console: %s failed\n", why);
		return 0x22;
	}
	printf("exec guest: command %s\n", a0);
	if (!strncmp(a0, "exit", 5)) {
		say(&c, "squeeze.stdout", "tiny: stdout line\n");
		say(&c, "squeeze.stderr", "tiny: stderr line\n");
		finish(&c, line(buf, "exit ", number(a1)));
	} else if (!strncmp(a0, "signal", 7)) {
		finish(&c, line(buf, "signal ", number(a1)));
	} else if (!strncmp(a0, "status", 7) && a1) {
		finish(&c, a1);
	} else if (!strncmp(a0, "lines", 6)) {
		for (i = 1; i <= number(a1); i++)
			say(&c, "squeeze.stdout", line(buf, "line ", i));
		finish(&c, "exit 0\n");
	} else if (!strncmp(a0, "reset", 6)) {
		puts("Kernel panic - not syncing: tiny guest resets");
		outb(PORT_I8042_CMD, 0xfe);
	} else if (!strncmp(a0, "poweroff", 9)) {
		outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	} else if (!strncmp(a0, "spin", 5)) {
		for (;;)
			cpu_relax();
	}
	finish(&c, "exit 127\n");
	return 0;
}
