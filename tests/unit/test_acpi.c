// SPDX-License-Identifier: MIT
/*
 * The tables are read back the way an OS does: from the RSDP, with the
 * field offsets of the ACPI specification, checking every checksum.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/acpi/acpi.h"
#include "vmm/core/layout.h"
#include "tests/unit/lib/synth_kernel.h"

#define RAM_SIZE (1ULL << 20)

static struct guest_mem mem;
static u8 *ram;
static struct err err;

struct tables {
	const u8 *xsdt, *fadt, *madt, *mcfg, *dsdt, *facs;
};

static void setup(void)
{
	memset(&mem, 0, sizeof(mem));
	ram = calloc(1, RAM_SIZE);
	cr_assert_eq(guest_mem_add(&mem, 0, RAM_SIZE, ram), 0);
}

static void teardown(void)
{
	free(ram);
}

TestSuite(acpi, .init = setup, .fini = teardown);

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

static bool in_area(u64 gpa, u64 len)
{
	return gpa >= LAYOUT_ACPI_START &&
	       gpa + len <= LAYOUT_ACPI_START + LAYOUT_ACPI_SIZE;
}

/* A table with a standard header: inside the area, length, checksum. */
static const u8 *table_at(u64 gpa, const char *sig)
{
	const u8 *t;
	u32 len;

	cr_assert(in_area(gpa, 36), "%s at 0x%llx outside the ACPI area", sig,
		  (unsigned long long)gpa);
	cr_assert_eq(gpa % 8, 0, "%s not 8-byte aligned", sig);
	t = ram + gpa;
	len = get32(t, 4);
	cr_assert_geq(len, 36);
	cr_assert(in_area(gpa, len), "%s runs out of the area", sig);
	cr_assert_eq(sum(t, len), 0, "%.4s checksum", (const char *)t);
	if (sig)
		cr_assert_eq(memcmp(t, sig, 4), 0, "want %s, found %.4s", sig,
			     (const char *)t);
	return t;
}

static void walk(u64 rsdp, struct tables *t)
{
	const u8 *r = ram + rsdp;
	u32 i, n;

	memset(t, 0, sizeof(*t));
	cr_assert_neq(rsdp, 0, "%s", err.msg);
	cr_assert_eq(rsdp % 16, 0);
	cr_assert(rsdp >= 0xe0000 && rsdp + 36 <= 0x100000);
	cr_assert_eq(memcmp(r, "RSD PTR ", 8), 0);
	cr_assert_eq(sum(r, 20), 0, "RSDP checksum");
	cr_assert_eq(sum(r, 36), 0, "RSDP extended checksum");
	cr_assert_eq(r[15], 2, "revision");
	cr_assert_eq(get32(r, 20), 36);

	t->xsdt = table_at(get64(r, 24), "XSDT");
	n = (get32(t->xsdt, 4) - 36) / 8;
	cr_assert_eq(get32(t->xsdt, 4), 36 + n * 8);
	for (i = 0; i < n; i++) {
		u64 gpa = get64(t->xsdt, 36 + i * 8);
		const u8 *tab = table_at(gpa, NULL);
		const u8 **slot = !memcmp(tab, "FACP", 4) ? &t->fadt :
				  !memcmp(tab, "APIC", 4) ? &t->madt :
				  !memcmp(tab, "MCFG", 4) ? &t->mcfg :
							    NULL;

		cr_assert_not_null(slot, "unexpected %.4s", (const char *)tab);
		cr_assert_null(*slot, "%.4s listed twice", (const char *)tab);
		*slot = tab;
	}
	cr_assert_not_null(t->fadt);
	cr_assert_not_null(t->madt);

	/* FADT -> DSDT (32- and 64-bit pointers agreeing) and FACS. */
	cr_assert_eq(get32(t->fadt, 40), get64(t->fadt, 140));
	t->dsdt = table_at(get64(t->fadt, 140), "DSDT");
	cr_assert_eq(get64(t->fadt, 132), 0, "X_FIRMWARE_CTRL");
	cr_assert(in_area(get32(t->fadt, 36), 64));
	cr_assert_eq(get32(t->fadt, 36) % 64, 0, "FACS alignment");
	t->facs = ram + get32(t->fadt, 36);
	cr_assert_eq(memcmp(t->facs, "FACS", 4), 0);
	cr_assert_eq(get32(t->facs, 4), 64);
}

static u64 build(u32 cpus, bool pci)
{
	struct acpi_config c = { .nr_cpus = cpus, .pci = pci };

	return acpi_build(&mem, &c, &err);
}

Test(acpi, all_tables_valid_with_pci)
{
	struct tables t;

	walk(build(4, true), &t);
	cr_assert_not_null(t.mcfg);
	cr_assert_eq(get32(t.fadt, 4), 276, "FADT revision 6 length");
	cr_assert_eq(t.fadt[8], 6);
}

Test(acpi, no_pci_no_mcfg)
{
	struct tables t;
	u32 len;

	walk(build(1, false), &t);
	cr_assert_null(t.mcfg);
	len = get32(t.dsdt, 4);
	cr_assert_null(memmem(t.dsdt, len, "PCI0", 4));
	cr_assert_not_null(memmem(t.dsdt, len, "_S5_", 4));
	cr_assert_not_null(memmem(t.dsdt, len, "COM1", 4));
}

Test(acpi, fadt_fields)
{
	struct tables t;
	const u8 *f;

	walk(build(2, true), &t);
	f = t.fadt;
	cr_assert_eq(get16(f, 46), IRQ_SCI, "SCI_INT");
	cr_assert_eq(get32(f, 48), 0, "SMI_CMD: ACPI always enabled");
	cr_assert_eq(get32(f, 56), PORT_PM1A_EVT);
	cr_assert_eq(get32(f, 64), PORT_PM1A_CNT);
	cr_assert_eq(get32(f, 76), PORT_PM_TMR);
	cr_assert_eq(f[88], 4, "PM1_EVT_LEN");
	cr_assert_eq(f[89], 2, "PM1_CNT_LEN");
	cr_assert_eq(f[91], 4, "PM_TMR_LEN");
	/* No keyboard controller to probe: only its reset line exists. */
	cr_assert_not(get16(f, 109) & 2, "IAPC_BOOT_ARCH 8042");
	cr_assert(get16(f, 109) & 1, "IAPC_BOOT_ARCH LEGACY_DEVICES");
	cr_assert(get32(f, 112) & (1u << 10), "RESET_REG_SUP");
	cr_assert_not(get32(f, 112) & (1u << 20), "HW_REDUCED_ACPI");
	/* RESET_REG: SystemIO, 8 bits at PORT_ACPI_RESET. */
	cr_assert_eq(f[116], 1);
	cr_assert_eq(f[117], 8);
	cr_assert_eq(get64(f, 120), PORT_ACPI_RESET);
	cr_assert_eq(f[128], ACPI_RESET_VALUE);
	/* X_PM1a_EVT_BLK, X_PM1a_CNT_BLK, X_PM_TMR_BLK */
	cr_assert_eq(f[148], 1);
	cr_assert_eq(f[149], 32);
	cr_assert_eq(get64(f, 152), PORT_PM1A_EVT);
	cr_assert_eq(f[173], 16);
	cr_assert_eq(get64(f, 176), PORT_PM1A_CNT);
	cr_assert_eq(f[209], 32);
	cr_assert_eq(get64(f, 212), PORT_PM_TMR);
}

static void check_madt(u32 cpus)
{
	struct tables t;
	const u8 *m, *e, *end;
	u32 enabled = 0, ioapics = 0, nmis = 0;
	bool seen[256] = { false }, irq0 = false, irq9 = false;
	u8 ioapic_id = 0;

	walk(build(cpus, true), &t);
	m = t.madt;
	cr_assert_eq(get32(m, 36), LAYOUT_LAPIC);
	/* No PCAT_COMPAT: there is no 8259 PIC to disable. */
	cr_assert_eq(get32(m, 40) & 1, 0, "PCAT_COMPAT");
	end = m + get32(m, 4);
	for (e = m + 44; e < end; e += e[1]) {
		cr_assert_geq(e[1], 2);
		cr_assert_leq(e + e[1], end, "entry runs past the table");
		switch (e[0]) {
		case 0:
			cr_assert_eq(e[1], 8);
			cr_assert_eq(e[2], e[3], "processor uid = apic id");
			cr_assert_not(seen[e[3]], "apic id %u twice", e[3]);
			seen[e[3]] = true;
			enabled += get32(e, 4) & 1;
			break;
		case 1:
			cr_assert_eq(e[1], 12);
			cr_assert_eq(get32(e, 4), LAYOUT_IOAPIC);
			cr_assert_eq(get32(e, 8), 0, "GSI base");
			ioapic_id = e[2];
			ioapics++;
			break;
		case 2:
			cr_assert_eq(e[1], 10);
			cr_assert_eq(e[2], 0, "ISA bus");
			if (e[3] == 0) {
				irq0 = true;
			} else if (e[3] == IRQ_SCI) {
				irq9 = true;
				cr_assert_eq(get32(e, 4), IRQ_SCI);
				cr_assert_eq(get16(e, 8), 0xd,
					     "level, active high");
			}
			break;
		case 4:
			cr_assert_eq(e[1], 6);
			cr_assert_eq(e[2], 0xff);
			cr_assert_eq(e[5], 1, "LINT1");
			nmis++;
			break;
		default:
			cr_assert_fail("unexpected MADT entry type %u", e[0]);
		}
	}
	cr_assert_eq(e, end);
	cr_assert_eq(enabled, cpus);
	cr_assert_eq(ioapics, 1);
	cr_assert_not(seen[ioapic_id], "IOAPIC id collides with a LAPIC");
	/* No PIT, so no IRQ 0 -> GSI 2 override either. */
	cr_assert_not(irq0);
	cr_assert(irq9);
	cr_assert_eq(nmis, 1);
}

Test(acpi, madt_1_cpu)
{
	check_madt(1);
}

Test(acpi, madt_4_cpus)
{
	check_madt(4);
}

Test(acpi, madt_64_cpus)
{
	check_madt(64);
}

Test(acpi, madt_254_cpus)
{
	check_madt(ACPI_MAX_CPUS);
}

Test(acpi, cpu_count_out_of_range)
{
	cr_assert_eq(build(0, true), 0);
	cr_assert_not_null(strstr(err.msg, "vCPUs"), "%s", err.msg);
	cr_assert_eq(build(ACPI_MAX_CPUS + 1, true), 0);
	cr_assert_not_null(strstr(err.msg, "vCPUs"), "%s", err.msg);
}

Test(acpi, dsdt_s5_and_pci0)
{
	static const u8 s5[] = { 0x08, 0x5c, '_', 'S', '5', '_', 0x12 };
	static const u8 pnp0a08[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	struct tables t;
	const u8 *p;
	u32 len;

	walk(build(2, true), &t);
	len = get32(t.dsdt, 4);
	p = memmem(t.dsdt, len, s5, sizeof(s5));
	cr_assert_not_null(p, "Name (\\_S5, Package ...) missing");
	/* PkgLength, NumElements 4, then SLP_TYP as the first element. */
	cr_assert_eq(p[8], 4);
	if (ACPI_S5_SLP_TYP > 1) {
		cr_assert_eq(p[9], 0x0a);
		cr_assert_eq(p[10], ACPI_S5_SLP_TYP);
	}
	cr_assert_not_null(memmem(t.dsdt, len, "PCI0", 4));
	cr_assert_not_null(memmem(t.dsdt, len, pnp0a08, sizeof(pnp0a08)));
	cr_assert_not_null(memmem(t.dsdt, len, "_CRS", 4));
}

Test(acpi, mcfg_base)
{
	struct tables t;

	walk(build(2, true), &t);
	cr_assert_eq(get32(t.mcfg, 4), 60);
	cr_assert_eq(get64(t.mcfg, 44), LAYOUT_PCI_ECAM_START);
	cr_assert_eq(get16(t.mcfg, 52), 0, "segment");
	cr_assert_eq(t.mcfg[54], 0, "start bus");
	cr_assert_eq(t.mcfg[55], 0, "end bus");
}

Test(acpi, no_ram_under_the_tables)
{
	struct guest_mem high = { 0 };
	struct acpi_config c = { .nr_cpus = 1, .pci = true };

	cr_assert_eq(guest_mem_add(&high, 0x100000, RAM_SIZE, ram), 0);
	cr_assert_eq(acpi_build(&high, &c, &err), 0);
	cr_assert_not_null(strstr(err.msg, "does not cover"), "%s", err.msg);
}
