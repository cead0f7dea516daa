// SPDX-License-Identifier: MIT
/* Exercise 3, a solution: RSDP -> XSDT -> MADT, enabled CPUs counted. */
#include "lib.h"

#define SDT_HEADER   36
#define MADT_ENTRIES 44
#define MADT_LAPIC   0
#define MADT_X2APIC  9
#define CPU_ENABLED  1

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* The table with signature @sig among the XSDT's, or NULL. */
static const u8 *find_table(const u8 *xsdt, const char *sig)
{
	u32 len = get32(xsdt + 4), off;
	const u8 *t;

	for (off = SDT_HEADER; off + 8 <= len; off += 8) {
		t = (const u8 *)(uintptr_t)get64(xsdt + off);
		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static int count_cpus(const u8 *madt)
{
	u32 len = get32(madt + 4), off = MADT_ENTRIES;
	int n = 0;

	while (off + 2 <= len && madt[off + 1] >= 2) {
		const u8 *e = madt + off;

		if (e[0] == MADT_LAPIC && (get32(e + 4) & CPU_ENABLED))
			n++;
		else if (e[0] == MADT_X2APIC && (get32(e + 8) & CPU_ENABLED))
			n++;
		off += e[1];
	}
	return n;
}

int guest_main(const struct hvm_start_info *si)
{
	const u8 *rsdp = (const u8 *)(uintptr_t)si->rsdp_paddr;
	const u8 *madt;
	int n;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8)) {
		puts("exercise 3: no RSDP");
		return 0x7c;
	}
	madt = find_table((const u8 *)(uintptr_t)get64(rsdp + 24), "APIC");
	if (!madt) {
		puts("exercise 3: no MADT");
		return 0x7c;
	}
	n = count_cpus(madt);
	printf("exercise 3: %d CPUs\n", n);
	return n;
}
