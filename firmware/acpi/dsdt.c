// SPDX-License-Identifier: MIT
/*
 * The DSDT, in the AML an ASL compiler would produce for:
 *
 *   Name (\_S5, Package (4) { ACPI_S5_SLP_TYP, 0, 0, 0 })
 *   Scope (\_SB) {
 *     Device (COM1) { _HID PNP0501, _UID 0, _STA 0xf, _CRS IO 0x3f8/8 IRQ 4 }
 *     Device (PCI0) {			// only with PCI
 *       _HID PNP0A08, _CID PNP0A03, _SEG 0, _BBN 0, _UID 0,
 *       _CRS { bus 0, IO 0xcf8/8, IO 0x1000-0xffff, the 32-bit BAR window }
 *     }
 *   }
 *
 * PCI0 has no _PRT: squeeze's PCI devices interrupt through MSI-X only,
 * so there is no INTx routing to describe.
 */
#include <string.h>

#include "firmware/acpi/acpi_tables.h"
#include "firmware/acpi/aml.h"
#include "vmm/core/layout.h"

#define DSDT_REVISION		     2 /* 64-bit integers */
#define DSDT_AML_MAX		     4096
#define PCI_IO_WINDOW_START	     0x1000
#define PCI_IO_WINDOW_END	     0xffff
#define STA_PRESENT_ENABLED_SHOWN_OK 0x0f

static void build_s5(struct aml *a)
{
	size_t pkg;

	aml_name(a, "\\_S5");
	pkg = aml_package(a, 4);
	aml_integer(a, ACPI_S5_SLP_TYP);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a, pkg);
}

static void build_com1(struct aml *a)
{
	size_t dev, sta, crs;

	dev = aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	sta = aml_method(a, "_STA", 0, false);
	aml_return(a);
	aml_integer(a, STA_PRESENT_ENABLED_SHOWN_OK);
	aml_end(a, sta);
	aml_name(a, "_CRS");
	crs = aml_restemplate(a);
	aml_res_io(a, PORT_COM1, 8);
	aml_res_irq_noflags(a, IRQ_COM1);
	aml_restemplate_end(a, crs);
	aml_end(a, dev);
}

static void build_pci0(struct aml *a)
{
	size_t dev, crs;

	dev = aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08"); /* PCI Express root bridge */
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03"); /* PCI root bridge */
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_restemplate(a);
	aml_res_word_bus(a, 0, LAYOUT_PCI_ECAM_SIZE / MiB - 1);
	aml_res_io(a, PORT_PCI_CONFIG_ADDR, 8);
	aml_res_word_io(a, PCI_IO_WINDOW_START, PCI_IO_WINDOW_END);
	aml_res_dword_mem(a, LAYOUT_PCI_MMIO_START,
			  LAYOUT_PCI_MMIO_START + LAYOUT_PCI_MMIO_SIZE - 1);
	aml_restemplate_end(a, crs);
	aml_end(a, dev);
}

static void build_aml(struct aml *a, const struct acpi_config *c)
{
	size_t sb;

	build_s5(a);
	sb = aml_scope(a, "\\_SB");
	build_com1(a);
	if (c->pci)
		build_pci0(a);
	aml_end(a, sb);
}

u64 acpi_build_dsdt(struct acpi_area *area, const struct acpi_config *c)
{
	u8 buf[DSDT_AML_MAX];
	struct acpi_header *h;
	struct aml a;
	u32 len;
	u64 gpa;

	aml_init(&a, buf, sizeof(buf));
	build_aml(&a, c);
	if (!aml_ok(&a))
		return 0;
	len = sizeof(*h) + a.len;
	h = acpi_alloc(area, len, 16, &gpa);
	if (!h)
		return 0;
	acpi_header_init(h, "DSDT", len, DSDT_REVISION);
	memcpy(h + 1, buf, a.len);
	acpi_header_finish(h);
	return gpa;
}
