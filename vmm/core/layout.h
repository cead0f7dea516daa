/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_LAYOUT_H
#define SQUEEZE_LAYOUT_H

/*
 * The guest-physical and port map of a squeeze VM. Every device and table
 * builder takes its addresses from here so that the ACPI tables, the e820
 * map and the bus registrations cannot disagree.
 */

/* --- Low memory used by the boot path (all below 1 MiB) --- */
#define LAYOUT_GDT	      0x00000500ULL /* boot GDT, 4 entries */
#define LAYOUT_PVH_START_INFO 0x00006000ULL /* hvm_start_info + memmap */
#define LAYOUT_ZERO_PAGE      0x00007000ULL /* struct boot_params */
/* Identity map of the low 4 GiB in 2 MiB pages: PML4, PDPT, 4 PDs. */
#define LAYOUT_PML4	   0x00009000ULL
#define LAYOUT_PDPT	   0x0000a000ULL
#define LAYOUT_PD	   0x0000b000ULL /* 4 pages: 0xb000..0xefff */
#define LAYOUT_CMDLINE	   0x00020000ULL
#define LAYOUT_CMDLINE_MAX 0x00010000ULL /* 64 KiB including NUL */
#define LAYOUT_EBDA_START  0x0009fc00ULL /* reserved up to 1 MiB */
#define LAYOUT_ACPI_START  0x000e0000ULL /* RSDP is scanned for here */
#define LAYOUT_ACPI_SIZE   0x00020000ULL
#define LAYOUT_HIMEM_START 0x00100000ULL /* 1 MiB: where bzImages load */

/* --- RAM and the 32-bit hole --- */
#define LAYOUT_PCI_HOLE_START 0xc0000000ULL  /* low RAM ends here at most */
#define LAYOUT_HIGH_RAM_START 0x100000000ULL /* the rest, from 4 GiB */

/* --- MMIO inside the hole --- */
#define LAYOUT_PCI_MMIO_START 0xc0000000ULL /* 32-bit BAR window */
#define LAYOUT_PCI_MMIO_SIZE  0x20000000ULL /* 512 MiB */
#define LAYOUT_PCI_ECAM_START 0xe0000000ULL /* MCFG, bus 0 only */
#define LAYOUT_PCI_ECAM_SIZE  0x00100000ULL /* 1 MiB = 1 bus */
#define LAYOUT_IOAPIC	      0xfec00000ULL
#define LAYOUT_LAPIC	      0xfee00000ULL

/* --- Port I/O --- */
#define PORT_DEBUG_EXIT	     0x00f4 /* isa-debug-exit */
#define PORT_I8042_DATA	     0x0060
#define PORT_I8042_CMD	     0x0064
#define PORT_RTC_INDEX	     0x0070
#define PORT_RTC_DATA	     0x0071
#define PORT_COM1	     0x03f8 /* 8 ports */
#define PORT_PM1A_EVT	     0x0600 /* PM1a_EVT_BLK, 4 bytes */
#define PORT_PM1A_CNT	     0x0604 /* PM1a_CNT_BLK, 2 bytes */
#define PORT_PM_TMR	     0x0608 /* PM_TMR_BLK, 4 bytes */
#define PORT_ACPI_RESET	     0x060c /* FADT RESET_REG, 1 byte */
#define PORT_PCI_CONFIG_ADDR 0x0cf8 /* type 1 config mechanism */
#define PORT_PCI_CONFIG_DATA 0x0cfc

#define ACPI_RESET_VALUE 0x0e /* written to RESET_REG */
#define ACPI_S5_SLP_TYP	 5    /* \_S5 package value */

/* --- Interrupts: GSIs = pins of the VMM's IOAPIC (no PIC, no PIT) --- */
#define IRQ_COM1	4
#define IRQ_SCI		9  /* level, active high (MADT) */
#define IRQ_IOAPIC_PINS 24 /* MSI routes: GSIs from here */

#endif
