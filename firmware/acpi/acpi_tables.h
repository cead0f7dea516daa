/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_ACPI_TABLES_H
#define SQUEEZE_ACPI_TABLES_H

#include "firmware/acpi/acpi.h"
#include "vmm/core/guest_mem.h"
#include "vmm/base/types.h"

/*
 * ACPI table layouts (ACPI 6.4, chapter 5.2) and the helpers the table
 * builders in firmware/acpi*.c and dsdt.c share. Internal to firmware/.
 */

struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __packed;

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;	   /* over the first 20 bytes */
	char oem_id[6];
	u8 revision; /* 2: ACPI 2.0+, has the XSDT */
	u32 rsdt_address;
	u32 length;
	u64 xsdt_address;
	u8 ext_checksum; /* over all 36 bytes */
	u8 reserved[3];
} __packed;

/* Generic Address Structure */
struct acpi_gas {
	u8 space_id;
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;

#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_ACCESS_BYTE   1
#define ACPI_ACCESS_WORD   2
#define ACPI_ACCESS_DWORD  3

struct acpi_fadt {
	struct acpi_header hdr;
	u32 firmware_ctrl; /* 36 */
	u32 dsdt;	   /* 40 */
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int; /* 46 */
	u32 smi_cmd; /* 48 */
	u8 acpi_enable;
	u8 acpi_disable;
	u8 s4bios_req;
	u8 pstate_cnt;
	u32 pm1a_evt_blk; /* 56 */
	u32 pm1b_evt_blk;
	u32 pm1a_cnt_blk; /* 64 */
	u32 pm1b_cnt_blk;
	u32 pm2_cnt_blk;
	u32 pm_tmr_blk; /* 76 */
	u32 gpe0_blk;
	u32 gpe1_blk;
	u8 pm1_evt_len; /* 88 */
	u8 pm1_cnt_len;
	u8 pm2_cnt_len;
	u8 pm_tmr_len;
	u8 gpe0_blk_len;
	u8 gpe1_blk_len;
	u8 gpe1_base;
	u8 cst_cnt;
	u16 p_lvl2_lat; /* 96 */
	u16 p_lvl3_lat;
	u16 flush_size;
	u16 flush_stride;
	u8 duty_offset; /* 104 */
	u8 duty_width;
	u8 day_alrm;
	u8 mon_alrm;
	u8 century;
	u16 iapc_boot_arch; /* 109 */
	u8 reserved1;
	u32 flags;		   /* 112 */
	struct acpi_gas reset_reg; /* 116 */
	u8 reset_value;		   /* 128 */
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;		/* 132 */
	u64 x_dsdt;			/* 140 */
	struct acpi_gas x_pm1a_evt_blk; /* 148 */
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk; /* 172 */
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk; /* 208 */
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg; /* 244 */
	struct acpi_gas sleep_status_reg;
	u64 hypervisor_vendor_id; /* 268 */
} __packed;

/* FADT flags */
#define FADT_WBINVD	(1u << 0)
#define FADT_PROC_C1	(1u << 2)
#define FADT_PWR_BUTTON (1u << 4)      /* no fixed power button */
				       /* (squeeze has one: clear) */
#define FADT_SLP_BUTTON	     (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP   (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20) /* never set by squeeze */

/* IAPC_BOOT_ARCH */
#define FADT_LEGACY_DEVICES (1u << 0)
#define FADT_8042	    (1u << 1)
#define FADT_NO_VGA	    (1u << 2)

struct acpi_facs {
	char signature[4];
	u32 length;
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __packed;

struct acpi_madt {
	struct acpi_header hdr;
	u32 lapic_address;
	u32 flags;
} __packed;

#define MADT_TYPE_LAPIC	    0
#define MADT_TYPE_IOAPIC    1
#define MADT_TYPE_ISO	    2
#define MADT_TYPE_LAPIC_NMI 4
#define MADT_LAPIC_ENABLED  1u
/* MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3. */
#define MPS_ACTIVE_HIGH 0x1
#define MPS_EDGE	(0x1 << 2)
#define MPS_LEVEL	(0x3 << 2)

struct madt_lapic {
	u8 type, length;
	u8 processor_uid;
	u8 apic_id;
	u32 flags;
} __packed;

struct madt_ioapic {
	u8 type, length;
	u8 id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __packed;

struct madt_iso {
	u8 type, length;
	u8 bus; /* 0: ISA */
	u8 source;
	u32 gsi;
	u16 flags;
} __packed;

struct madt_lapic_nmi {
	u8 type, length;
	u8 processor_uid; /* 0xff: all processors */
	u16 flags;
	u8 lint;
} __packed;

struct acpi_mcfg {
	struct acpi_header hdr;
	u8 reserved[8];
} __packed;

struct mcfg_allocation {
	u64 base;
	u16 segment;
	u8 start_bus;
	u8 end_bus;
	u32 reserved;
} __packed;

_Static_assert(sizeof(struct acpi_header) == 36, "acpi_header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "rsdp");
_Static_assert(sizeof(struct acpi_gas) == 12, "gas");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "fadt");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "fadt");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "fadt");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "fadt");
_Static_assert(sizeof(struct acpi_fadt) == 276, "fadt revision 6");
_Static_assert(sizeof(struct acpi_facs) == 64, "facs");
_Static_assert(sizeof(struct madt_lapic) == 8, "madt lapic");
_Static_assert(sizeof(struct madt_ioapic) == 12, "madt ioapic");
_Static_assert(sizeof(struct madt_iso) == 10, "madt iso");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "madt nmi");
_Static_assert(sizeof(struct acpi_mcfg) == 44, "mcfg");
_Static_assert(sizeof(struct mcfg_allocation) == 16, "mcfg allocation");

/*
 * Tables are carved out of [LAYOUT_ACPI_START, +LAYOUT_ACPI_SIZE) in the
 * order they are built, each zeroed and aligned.
 */
struct acpi_area {
	const struct guest_mem *mem;
	u64 next;
	u64 end;
};

/* Zeroed room for @len bytes at a multiple of @align; NULL if full. */
void *acpi_alloc(struct acpi_area *area, u64 len, u64 align, u64 *gpa);
void acpi_header_init(struct acpi_header *h, const char *sig, u32 len, u8 rev);
/* Set the checksum over h->length bytes; call after the last write. */
void acpi_header_finish(struct acpi_header *h);

/* Each returns the table's guest-physical address, or 0 if out of room. */
u64 acpi_build_dsdt(struct acpi_area *area, const struct acpi_config *c);
u64 acpi_build_facs(struct acpi_area *area);
u64 acpi_build_fadt(struct acpi_area *area, u64 dsdt, u64 facs);
u64 acpi_build_madt(struct acpi_area *area, const struct acpi_config *c);
u64 acpi_build_mcfg(struct acpi_area *area);

#endif
