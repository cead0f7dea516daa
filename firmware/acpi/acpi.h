/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_ACPI_H
#define SQUEEZE_ACPI_H

#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

/*
 * ACPI tables describing a squeeze VM: RSDP, XSDT, FADT (PM1a event and
 * control blocks, PM timer, reset register, SCI), FACS, DSDT (\_S5, the
 * COM1 device, the PCI root bridge PCI0 with its _CRS windows), MADT (one
 * enabled local APIC per vCPU, the IOAPIC, interrupt overrides) and MCFG
 * for the ECAM window. All placed inside [LAYOUT_ACPI_START,
 * LAYOUT_ACPI_START + LAYOUT_ACPI_SIZE), RSDP first, checksums set.
 */
/*
 * One xAPIC MADT entry per vCPU, APIC ids 0..nr_cpus-1, and the IOAPIC's id
 * after them: 254 keeps every id below the broadcast id 0xff.
 */
#define ACPI_MAX_CPUS 254

struct acpi_config {
	u32 nr_cpus; /* 1..ACPI_MAX_CPUS */
	bool pci;    /* describe PCI0 and MCFG */
};

/* Returns the RSDP's guest-physical address, or 0 with @err set. */
u64 acpi_build(const struct guest_mem *mem, const struct acpi_config *c,
	       struct err *err);

#endif
