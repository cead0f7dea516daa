// SPDX-License-Identifier: MIT
/*
 * RSDP -> XSDT -> FADT (-> DSDT, FACS), MADT, MCFG. The RSDP comes first
 * at LAYOUT_ACPI_START so that a kernel scanning 0xe0000..0xfffff on a
 * 16-byte boundary finds it even without the boot_params or PVH pointer.
 */
#include <errno.h>
#include <string.h>

#include "firmware/acpi/acpi.h"
#include "firmware/acpi/acpi_tables.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/log.h"

#define ACPI_OEM_ID	  "SQUEEZ"
#define ACPI_OEM_TABLE_ID "SQUEEZE "
#define ACPI_CREATOR_ID	  "SQZE"
#define XSDT_MAX_ENTRIES  4

_Static_assert(LAYOUT_ACPI_START >= 0xe0000 &&
		       LAYOUT_ACPI_START + LAYOUT_ACPI_SIZE <= 0x100000 &&
		       LAYOUT_ACPI_START % 16 == 0,
	       "the RSDP must be in the BIOS area Linux scans");

static u8 acpi_checksum(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

void *acpi_alloc(struct acpi_area *area, u64 len, u64 align, u64 *gpa)
{
	u64 at = ALIGN_UP(area->next, align);
	void *p;

	if (at < area->next || at > area->end || len > area->end - at)
		return NULL;
	p = guest_mem_ptr(area->mem, at, len);
	if (!p)
		return NULL;
	memset(p, 0, len);
	area->next = at + len;
	*gpa = at;
	return p;
}

void acpi_header_init(struct acpi_header *h, const char *sig, u32 len, u8 rev)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
}

void acpi_header_finish(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = -acpi_checksum(h, h->length);
}

static u64 build_xsdt(struct acpi_area *area, const u64 *tables, unsigned int n)
{
	u32 len = sizeof(struct acpi_header) + n * sizeof(u64);
	struct acpi_header *h;
	u64 gpa;

	h = acpi_alloc(area, len, 8, &gpa);
	if (!h)
		return 0;
	acpi_header_init(h, "XSDT", len, 1);
	/* Entries follow the header unaligned (offset 36): copy bytes. */
	memcpy(h + 1, tables, n * sizeof(u64));
	acpi_header_finish(h);
	return gpa;
}

static void fill_rsdp(struct acpi_rsdp *r, u64 xsdt)
{
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, ACPI_OEM_ID, sizeof(r->oem_id));
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = -acpi_checksum(r, 20);
	r->ext_checksum = -acpi_checksum(r, sizeof(*r));
}

static unsigned int build_tables(struct acpi_area *area,
				 const struct acpi_config *c, u64 *tables)
{
	u64 dsdt = acpi_build_dsdt(area, c);
	u64 facs = acpi_build_facs(area);
	unsigned int i, n = 0;

	if (!dsdt || !facs)
		return 0;
	tables[n++] = acpi_build_fadt(area, dsdt, facs);
	tables[n++] = acpi_build_madt(area, c);
	if (c->pci)
		tables[n++] = acpi_build_mcfg(area);
	for (i = 0; i < n; i++)
		if (!tables[i])
			return 0;
	return n;
}

u64 acpi_build(const struct guest_mem *mem, const struct acpi_config *c,
	       struct err *err)
{
	struct acpi_area area = { mem, LAYOUT_ACPI_START,
				  LAYOUT_ACPI_START + LAYOUT_ACPI_SIZE };
	u64 tables[XSDT_MAX_ENTRIES], rsdp_gpa, xsdt;
	struct acpi_rsdp *rsdp;
	unsigned int n;

	if (c->nr_cpus == 0 || c->nr_cpus > ACPI_MAX_CPUS) {
		err_input(err, -EINVAL,
			  "ACPI: %u vCPUs requested, 1..%u can be described",
			  c->nr_cpus, ACPI_MAX_CPUS);
		return 0;
	}
	rsdp = acpi_alloc(&area, sizeof(*rsdp), 16, &rsdp_gpa);
	if (!rsdp) {
		err_input(err, -EFAULT,
			  "ACPI: guest RAM does not cover 0x%llx..0x%llx",
			  LAYOUT_ACPI_START,
			  LAYOUT_ACPI_START + LAYOUT_ACPI_SIZE);
		return 0;
	}
	n = build_tables(&area, c, tables);
	xsdt = n ? build_xsdt(&area, tables, n) : 0;
	if (!xsdt) {
		err_input(err, -ENOSPC,
			  "ACPI: the tables do not fit in 0x%llx bytes",
			  LAYOUT_ACPI_SIZE);
		return 0;
	}
	fill_rsdp(rsdp, xsdt);
	return rsdp_gpa;
}
