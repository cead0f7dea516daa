// SPDX-License-Identifier: MIT
/*
 * smp: wakes every application processor the MADT lists, the way an OS
 * does it (local APIC: INIT, then two STARTUP IPIs to the real-mode
 * trampoline of smp_tramp.S, copied below 1 MiB), and exits with the
 * number of CPUs that came up, the BSP included: status (N << 1) | 1.
 * Each AP increments a counter with a locked add and halts.
 *
 * The BSP waits until the count reaches the number of enabled local
 * APICs in the MADT, or "cpus=N" from the command line when given (a
 * test can ask for more CPUs than exist and see the real count), or
 * until about half a second of TSC time has passed. Without an MADT it
 * exits with 0 (no count of CPUs is 0).
 */
#include "smp.h"

#define TRAMP_BASE 0x10000 /* free low RAM in squeeze's layout */

#define COUNT_WAIT_US 500000
#define TSC_PER_US    3000ULL /* as smp.c counts */

#define MAX_CPUS	   127 /* (127 << 1) | 1 still fits a status */
#define MADT_TYPE_LAPIC	   0
#define MADT_LAPIC_ENABLED 1

struct acpi_rsdp {
	char sig[8]; /* "RSD PTR " */
	u8 checksum;
	char oem[6];
	u8 revision; /* >= 2: xsdt is valid */
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum;
	u8 reserved[3];
} __packed;

struct acpi_hdr {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem[6];
	char oem_table[8];
	u32 oem_revision;
	u32 creator;
	u32 creator_revision;
} __packed;

#define MADT_ENTRIES 44 /* header, LAPIC address, flags */

/* The trampoline and its counter, from smp_tramp.S. */
extern const u8 smp_tramp[], smp_tramp_count[], smp_tramp_end[];

/* A table at @pa of at least @min_len bytes, all of it below 4 GiB. */
static const struct acpi_hdr *acpi_table(u64 pa, u32 min_len)
{
	const struct acpi_hdr *h;

	if (!pa || pa >= (4ULL << 30) - sizeof(*h))
		return NULL;
	h = (const void *)(uintptr_t)pa;
	if (h->length < min_len || h->length > (4ULL << 30) - pa)
		return NULL;
	return h;
}

/* Through the XSDT (or, before ACPI 2.0, the RSDT) to "APIC". */
static const struct acpi_hdr *find_madt(const struct hvm_start_info *si)
{
	const struct acpi_rsdp *rsdp = (const void *)(uintptr_t)si->rsdp_paddr;
	const struct acpi_hdr *root, *t;
	u32 esize = 8, i, n;
	u64 pa;

	if (!rsdp || si->rsdp_paddr >= (4ULL << 30) - sizeof(*rsdp) ||
	    memcmp(rsdp->sig, "RSD PTR ", 8))
		return NULL;
	if (rsdp->revision >= 2 && rsdp->xsdt) {
		root = acpi_table(rsdp->xsdt, sizeof(*root));
	} else {
		root = acpi_table(rsdp->rsdt, sizeof(*root));
		esize = 4;
	}
	if (!root)
		return NULL;
	n = (root->length - sizeof(*root)) / esize;
	for (i = 0; i < n; i++) {
		pa = 0;
		memcpy(&pa, (const u8 *)(root + 1) + i * esize, esize);
		t = acpi_table(pa, MADT_ENTRIES);
		if (t && !memcmp(t->sig, "APIC", 4))
			return t;
	}
	return NULL;
}

/* The APIC IDs of the enabled processors, at most @max of them. */
static u32 madt_apic_ids(const struct acpi_hdr *madt, u8 *ids, u32 max)
{
	const u8 *p = (const u8 *)madt + MADT_ENTRIES;
	const u8 *end = (const u8 *)madt + madt->length;
	u32 n = 0;

	/* p[0] type, p[1] length; a local APIC: p[3] ID, p[4] flags. */
	while (end - p >= 2 && p[1] >= 2 && p[1] <= end - p) {
		if (p[0] == MADT_TYPE_LAPIC && p[1] >= 8 &&
		    (p[4] & MADT_LAPIC_ENABLED) && n < max)
			ids[n++] = p[3];
		p += p[1];
	}
	return n;
}

int guest_main(const struct hvm_start_info *si)
{
	volatile u16 *count =
		(volatile u16 *)(uintptr_t)(TRAMP_BASE +
					    (smp_tramp_count - smp_tramp));
	const struct acpi_hdr *madt = find_madt(si);
	u32 nr, expect, self, i;
	u8 ids[MAX_CPUS];
	u64 end;

	if (!madt) {
		puts("smp guest: no MADT");
		return 0;
	}
	nr = madt_apic_ids(madt, ids, MAX_CPUS);
	if (!cmdline_get_uint(cmdline(si), "cpus", &expect))
		expect = nr;
	memcpy((void *)TRAMP_BASE, smp_tramp, smp_tramp_end - smp_tramp);
	*count = 1; /* the BSP */
	/* x86 keeps stores in order: the APs see the code and count. */
	barrier();
	smp_lapic_write(SMP_LAPIC_SVR, SMP_SVR_ENABLE | SMP_SVR_SPURIOUS);
	self = smp_lapic_read(SMP_LAPIC_ID) >> 24;
	for (i = 0; i < nr; i++)
		if (ids[i] != self)
			smp_wake_ap(ids[i], TRAMP_BASE);
	end = rdtsc() + COUNT_WAIT_US * TSC_PER_US;
	while (*count < expect && rdtsc() < end)
		cpu_relax();
	printf("smp guest: %u of %u CPUs up\n", *count, nr);
	return MIN(*count, MAX_CPUS);
}
