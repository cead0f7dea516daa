/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SNAP_FILE_H
#define SQUEEZE_SNAP_FILE_H

/*
 * The snapshot's state file: everything but guest RAM, as typed sections
 * behind one header, covered by one CRC-32. The memory file beside it is
 * raw guest RAM, checked by its size only (a restore never reads it
 * whole). docs/snapshot.md has the table.
 *
 *   header   64 bytes: magic "SQZSNAP\n", version, header size, the state
 *            file's size, the memory file's size, number of sections,
 *            CRC-32 of the whole file with the CRC field zero
 *   section  16 bytes: type, index (vCPU, device), payload size; then
 *            the payload, padded with zeros to 8 bytes
 *
 * Payloads are host-native (x86-64, little-endian) structures: KVM's own
 * for the vCPUs, squeeze's *_state structs for the devices, JSON text for
 * the machine description. Every one is still checked as hostile input
 * on restore: the CRC finds accidents, not attacks.
 */

#include "vmm/base/err.h"
#include "vmm/base/types.h"

#define SNAP_MAGIC	  "SQZSNAP\n"
#define SNAP_VERSION	  1
#define SNAP_STATE_FILE	  "state"
#define SNAP_MEMORY_FILE  "memory"
#define SNAP_MAX_STATE	  (64 * MiB)
#define SNAP_MAX_SECTIONS 4096

enum snap_type {
	SNAP_MACHINE = 1, /* JSON: memory, CPUs, devices, paths */
	SNAP_CLOCK,	  /* u64: kvmclock, ns */
	/* per vCPU (index = vCPU id): KVM's structures */
	SNAP_VCPU_CPUID = 16, /* struct kvm_cpuid2 + entries */
	SNAP_VCPU_REGS,	      /* struct kvm_regs */
	SNAP_VCPU_SREGS,      /* struct kvm_sregs */
	SNAP_VCPU_MSRS,	      /* struct kvm_msrs + entries */
	SNAP_VCPU_XSAVE,      /* struct kvm_xsave (or the larger XSAVE2) */
	SNAP_VCPU_XCRS,	      /* struct kvm_xcrs */
	SNAP_VCPU_LAPIC,      /* struct kvm_lapic_state */
	SNAP_VCPU_EVENTS,     /* struct kvm_vcpu_events */
	SNAP_VCPU_DEBUGREGS,  /* struct kvm_debugregs */
	SNAP_VCPU_MP_STATE,   /* struct kvm_mp_state */
	/* the platform */
	SNAP_IOAPIC = 32, /* struct ioapic_state */
	SNAP_SERIAL,	  /* struct serial_state */
	SNAP_RTC,	  /* struct rtc_state */
	SNAP_PM,	  /* struct pm_state */
	SNAP_I8042,	  /* struct i8042_state */
	SNAP_PCI_HOST,	  /* struct pci_host_state */
	/* virtio devices, index = position on the PCI bus (blk, net) */
	SNAP_VIRTIO_PCI = 48, /* struct virtio_pci_state */
};

struct snap_header {
	char magic[8];
	u32 version;
	u32 header_size;
	u64 state_size;
	u64 memory_size;
	u32 nr_sections;
	u32 crc32;
	u8 reserved[24];
};

struct snap_section {
	u32 type;
	u32 index;
	u64 size;
};

_Static_assert(sizeof(struct snap_header) == 64, "snap_header");
_Static_assert(sizeof(struct snap_section) == 16, "snap_section");

/* Building a state file in memory. */
struct snap_writer {
	u8 *buf;
	size_t len, cap;
	u32 nr;
	int error; /* -ENOMEM once an append failed */
};

void snap_writer_init(struct snap_writer *w);
void snap_writer_free(struct snap_writer *w);
/* Append a section (copies @data); errors stick in w->error. */
void snap_add(struct snap_writer *w, u32 type, u32 index, const void *data,
	      u64 size);
/* Fill in the header and the CRC. 0 or w->error. */
int snap_writer_finish(struct snap_writer *w, u64 memory_size);

struct snap_entry {
	u32 type, index;
	const void *data;
	u64 size;
};

/* A state file read and checked. */
struct snap_reader {
	u8 *buf;
	size_t len;
	u64 memory_size;
	struct snap_entry *sec;
	u32 nr;
};

/*
 * Read @dir/state and check magic, version, size and CRC, and that the
 * sections tile the file: 0, or -errno with one line naming @dir and the
 * problem (class input). A wrong version is named before a wrong CRC.
 */
int snap_read(struct snap_reader *r, const char *dir, struct err *err);

/* @dir/@name opened read-only: the fd, or -errno with @err (input). */
int snap_open(const char *dir, const char *name, struct err *err);

/* Parse a state image already in memory (@buf is taken over, free()d). */
int snap_parse(struct snap_reader *r, u8 *buf, size_t len, struct err *err);

void snap_reader_free(struct snap_reader *r);

/* Section (@type, @index): its data, which must be exactly @size bytes. */
const void *snap_get(const struct snap_reader *r, u32 type, u32 index,
		     u64 size);
/* The same, any size (set in *@size). NULL if absent. */
const void *snap_find(const struct snap_reader *r, u32 type, u32 index,
		      u64 *size);

#endif
