/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_AML_H
#define SQUEEZE_AML_H

#include "vmm/base/types.h"

/*
 * A small AML encoder (ACPI 6.x, chapter 20 "ACPI Machine Language
 * Specification"), enough for a DSDT of named objects, devices, methods,
 * packages and resource templates. It writes into a caller's buffer; any
 * overflow or invalid name sets @error and later calls do nothing, so a
 * builder checks aml_ok() once at the end.
 *
 * Blocks with a PkgLength (Scope, Device, Method, Package, Buffer) are
 * opened by a function returning a mark and closed by aml_end() with it;
 * the PkgLength is inserted when the block's size is known.
 */
struct aml {
	u8 *buf;
	size_t cap;
	size_t len;
	bool error;
};

void aml_init(struct aml *a, void *buf, size_t cap);
bool aml_ok(const struct aml *a);

/* "\\_SB.PCI0", "_S5", "^PCI0": segments of up to 4 chars, '_' padded. */
void aml_name_string(struct aml *a, const char *path);
/* The shortest encoding: ZeroOp, OneOp, Byte/Word/DWord/QWordPrefix. */
void aml_integer(struct aml *a, u64 v);
/* EISAID("PNP0A03") as a DWord; 0 if @id is not 3 letters + 4 hex. */
u32 aml_eisaid_value(const char *id);
void aml_eisaid(struct aml *a, const char *id);

/* Name(@name, ...): the caller emits the data object next. */
void aml_name(struct aml *a, const char *name);
/* Return(...): the caller emits the value next. */
void aml_return(struct aml *a);

size_t aml_scope(struct aml *a, const char *path);
size_t aml_device(struct aml *a, const char *name);
size_t aml_method(struct aml *a, const char *name, u8 nargs, bool serialized);
size_t aml_package(struct aml *a, u8 nr_elements);
void aml_end(struct aml *a, size_t mark);

/* ResourceTemplate(): a Buffer of descriptors closed by an End Tag. */
size_t aml_restemplate(struct aml *a);
void aml_restemplate_end(struct aml *a, size_t mark);
void aml_res_io(struct aml *a, u16 base, u8 len); /* IO(Decode16) */
void aml_res_irq_noflags(struct aml *a, u8 irq);
/* Address space windows a bridge produces: MinFixed, MaxFixed, PosDecode. */
void aml_res_word_bus(struct aml *a, u16 min, u16 max);
void aml_res_word_io(struct aml *a, u16 min, u16 max);
void aml_res_dword_mem(struct aml *a, u32 min, u32 max);

/* PkgLength for @content bytes following it; returns its size or 0. */
size_t aml_pkglength_encode(u8 out[4], size_t content);

#endif
