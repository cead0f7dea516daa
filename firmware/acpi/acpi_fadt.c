// SPDX-License-Identifier: MIT
/*
 * FADT and FACS: a full (not hardware-reduced) ACPI platform, so that
 * Linux uses the PM1a blocks for S5 power-off, the PM timer, the SCI and
 * the reset register. SMI_CMD is 0: there is no SMM, ACPI is always on.
 */
#include <string.h>

#include "firmware/acpi/acpi_tables.h"
#include "vmm/core/layout.h"

#define FADT_REVISION	     6
#define FADT_MINOR_VERSION   0
#define FACS_VERSION	     2
#define FACS_ALIGN	     64	 /* the spec's alignment for the FACS */
#define P_LVL2_NOT_SUPPORTED 101 /* latencies above these: no C2/C3 */
#define P_LVL3_NOT_SUPPORTED 1001

u64 acpi_build_facs(struct acpi_area *area)
{
	struct acpi_facs *f;
	u64 gpa;

	f = acpi_alloc(area, sizeof(*f), FACS_ALIGN, &gpa);
	if (!f)
		return 0;
	memcpy(f->signature, "FACS", sizeof(f->signature));
	f->length = sizeof(*f);
	f->version = FACS_VERSION;
	return gpa;
}

static struct acpi_gas io_gas(u16 port, u8 bytes, u8 access)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO,
		.bit_width = bytes * 8,
		.access_size = access,
		.address = port,
	};
}

static void fill_pm_blocks(struct acpi_fadt *f)
{
	f->sci_int = IRQ_SCI;
	f->pm1a_evt_blk = PORT_PM1A_EVT;
	f->pm1_evt_len = 4;
	f->pm1a_cnt_blk = PORT_PM1A_CNT;
	f->pm1_cnt_len = 2;
	f->pm_tmr_blk = PORT_PM_TMR;
	f->pm_tmr_len = 4;
	/* The status and enable halves of PM1 are 16-bit registers. */
	f->x_pm1a_evt_blk = io_gas(PORT_PM1A_EVT, 4, ACPI_ACCESS_WORD);
	f->x_pm1a_cnt_blk = io_gas(PORT_PM1A_CNT, 2, ACPI_ACCESS_WORD);
	f->x_pm_tmr_blk = io_gas(PORT_PM_TMR, 4, ACPI_ACCESS_DWORD);
	f->reset_reg = io_gas(PORT_ACPI_RESET, 1, ACPI_ACCESS_BYTE);
	f->reset_value = ACPI_RESET_VALUE;
}

u64 acpi_build_fadt(struct acpi_area *area, u64 dsdt, u64 facs)
{
	struct acpi_fadt *f;
	u64 gpa;

	f = acpi_alloc(area, sizeof(*f), 8, &gpa);
	if (!f)
		return 0;
	acpi_header_init(&f->hdr, "FACP", sizeof(*f), FADT_REVISION);
	f->minor_version = FADT_MINOR_VERSION;
	/*
	 * The FACS is below 4 GiB, so only FIRMWARE_CTRL: the spec wants
	 * X_FIRMWARE_CTRL zero then (Linux lists a FACS twice otherwise).
	 * The two DSDT pointers may both be set, and agree.
	 */
	f->firmware_ctrl = facs;
	f->dsdt = dsdt;
	f->x_dsdt = dsdt;
	fill_pm_blocks(f);
	f->p_lvl2_lat = P_LVL2_NOT_SUPPORTED;
	f->p_lvl3_lat = P_LVL3_NOT_SUPPORTED;
	/*
	 * PWR_BUTTON clear: the power button is the fixed-hardware one, its
	 * status and enable bits in PM1 (squeeze ctl shutdown presses it).
	 */
	f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
		   FADT_RESET_REG_SUP;
	/*
	 * No 8042 flag: Linux then skips probing a PS/2 controller, which
	 * ours is not (no keyboard, no AUX port, no IRQs; only the reset
	 * line). Probing it timed out on the AUX loopback command, polling
	 * the status port 10,000 times at boot. Reset goes through the FADT
	 * reset register, or port 0x64 directly.
	 */
	f->iapc_boot_arch = FADT_LEGACY_DEVICES | FADT_NO_VGA;
	acpi_header_finish(&f->hdr);
	return gpa;
}
