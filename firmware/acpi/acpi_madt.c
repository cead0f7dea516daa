// SPDX-License-Identifier: MIT
/*
 * MADT: one enabled local APIC per vCPU (ACPI processor UID = APIC id =
 * vCPU index), the VMM's IOAPIC with GSIs from 0, and LINT1 as NMI on every
 * CPU. No PCAT_COMPAT flag: there is no 8259 PIC (and no 8254 PIT). ISA
 * IRQs map to the same GSI, edge and active high, except the one override
 * Linux needs: the SCI is level-triggered, active high. MCFG: the ECAM
 * window for bus 0.
 */
#include <string.h>

#include "firmware/acpi/acpi_tables.h"
#include "vmm/core/layout.h"

#define MADT_REVISION	   5
#define MCFG_REVISION	   1
#define NMI_ALL_PROCESSORS 0xff
#define NMI_LINT	   1

static u32 madt_length(u32 nr_cpus)
{
	return sizeof(struct acpi_madt) + nr_cpus * sizeof(struct madt_lapic) +
	       sizeof(struct madt_ioapic) + sizeof(struct madt_iso) +
	       sizeof(struct madt_lapic_nmi);
}

/* Entries are packed back to back at any byte offset: copy bytes. */
static u8 *put(u8 *p, const void *entry, size_t len)
{
	memcpy(p, entry, len);
	return p + len;
}

static u8 *put_iso(u8 *p, u8 irq, u32 gsi, u16 flags)
{
	struct madt_iso iso = {
		MADT_TYPE_ISO, sizeof(iso), 0, irq, gsi, flags
	};

	return put(p, &iso, sizeof(iso));
}

u64 acpi_build_madt(struct acpi_area *area, const struct acpi_config *c)
{
	u32 len = madt_length(c->nr_cpus);
	struct madt_ioapic ioapic = {
		MADT_TYPE_IOAPIC, sizeof(ioapic),
		.id = c->nr_cpus, /* after the last local APIC id */
		.address = LAYOUT_IOAPIC, .gsi_base = 0
	};
	struct madt_lapic_nmi nmi = { MADT_TYPE_LAPIC_NMI, sizeof(nmi),
				      NMI_ALL_PROCESSORS,
				      MPS_ACTIVE_HIGH | MPS_EDGE, NMI_LINT };
	struct acpi_madt *m;
	u8 *p;
	u32 i;
	u64 gpa;

	m = acpi_alloc(area, len, 8, &gpa);
	if (!m)
		return 0;
	acpi_header_init(&m->hdr, "APIC", len, MADT_REVISION);
	m->lapic_address = LAYOUT_LAPIC;
	m->flags = 0;
	p = (u8 *)(m + 1);
	for (i = 0; i < c->nr_cpus; i++) {
		struct madt_lapic l = { MADT_TYPE_LAPIC, sizeof(l), i, i,
					MADT_LAPIC_ENABLED };

		p = put(p, &l, sizeof(l));
	}
	p = put(p, &ioapic, sizeof(ioapic));
	p = put_iso(p, IRQ_SCI, IRQ_SCI, MPS_ACTIVE_HIGH | MPS_LEVEL);
	put(p, &nmi, sizeof(nmi));
	acpi_header_finish(&m->hdr);
	return gpa;
}

u64 acpi_build_mcfg(struct acpi_area *area)
{
	u32 len = sizeof(struct acpi_mcfg) + sizeof(struct mcfg_allocation);
	struct mcfg_allocation alloc = {
		.base = LAYOUT_PCI_ECAM_START,
		.segment = 0,
		.start_bus = 0,
		/* ECAM takes 1 MiB per bus. */
		.end_bus = LAYOUT_PCI_ECAM_SIZE / MiB - 1,
	};
	struct acpi_mcfg *m;
	u64 gpa;

	m = acpi_alloc(area, len, 8, &gpa);
	if (!m)
		return 0;
	acpi_header_init(&m->hdr, "MCFG", len, MCFG_REVISION);
	memcpy(m + 1, &alloc, sizeof(alloc));
	acpi_header_finish(&m->hdr);
	return gpa;
}
