// SPDX-License-Identifier: MIT
/*
 * Configuration space in words, for --trace: the type 0 header's register
 * names (the map in pci.h), BAR sizing and programming decoded, and the
 * capabilities found by walking the function's own list (PCI Local Bus
 * 3.0, section 6.1; virtio 1.2, 4.1.4 for the vendor capabilities).
 */
#include "devices/pci/pci.h"

static const struct reg_name header_names[] = {
	{ PCI_VENDOR_ID, 2, "vendor_id" },
	{ PCI_DEVICE_ID, 2, "device_id" },
	{ PCI_COMMAND, 2, "command" },
	{ PCI_STATUS, 2, "status" },
	{ PCI_REVISION_ID, 1, "revision" },
	{ PCI_CLASS_PROG, 3, "class" },
	{ 0x0c, 1, "cache_line_size" },
	{ 0x0d, 1, "latency_timer" },
	{ PCI_HEADER_TYPE, 1, "header_type" },
	{ 0x0f, 1, "bist" },
	{ 0x28, 4, "cardbus_cis" },
	{ PCI_SUBSYSTEM_VENDOR_ID, 2, "subsystem_vendor_id" },
	{ PCI_SUBSYSTEM_ID, 2, "subsystem_id" },
	{ 0x30, 4, "expansion_rom" },
	{ PCI_CAPABILITY_LIST, 1, "capabilities_ptr" },
	{ PCI_INTERRUPT_LINE, 1, "interrupt_line" },
	{ PCI_INTERRUPT_PIN, 1, "interrupt_pin" },
	{ 0x3e, 1, "min_gnt" },
	{ 0x3f, 1, "max_lat" },
};

static const flag_name command_bits[11] = {
	"IO",	  "MEMORY",   "MASTER", "SPECIAL",  "MWI",	    "VGA_SNOOP",
	"PARITY", "STEPPING", "SERR",	"FAST_B2B", "INTX_DISABLE",
};

/* The MSI-X capability's fields (PCI 3.0, 6.8.2). */
static const struct reg_name msix_names[] = {
	{ 0, 1, "id" },	   { 1, 1, "next" }, { 2, 2, "control" },
	{ 4, 4, "table" }, { 8, 4, "pba" },
};

/* struct virtio_pci_cap and its notify / pci_cfg tails (virtio 4.1.4). */
static const struct reg_name vendor_names[] = {
	{ 0, 1, "id" },	      { 1, 1, "next" },	   { 2, 1, "cap_len" },
	{ 3, 1, "cfg_type" }, { 4, 1, "bar" },	   { 5, 1, "cap_id" },
	{ 8, 4, "offset" },   { 12, 4, "length" }, { 16, 4, "extra" },
};

/* The capability holding byte @off: its offset, or 0. */
static u32 find_cap(const struct pci_dev *pd, u32 off, u8 *id)
{
	u32 c = pd->cfg[PCI_CAPABILITY_LIST], hops, next;

	for (hops = 0; c >= PCI_CAP_START && c < PCI_CFG_SIZE && hops < 48;
	     hops++) {
		next = pd->cfg[c + 1];
		/* A capability ends where the next one starts, or at 0xff. */
		if (off >= c && off < (next > c ? next : PCI_CFG_SIZE)) {
			*id = pd->cfg[c];
			return c;
		}
		c = next;
	}
	return 0;
}

static void describe_bar(const struct pci_dev *pd, u32 bar, bool write, u32 val,
			 struct trace_note *n)
{
	const struct pci_bar *b = &pd->bar[bar];
	bool high = bar && pd->bar[bar - 1].is64;
	u64 size = high ? pd->bar[bar - 1].size : b->size;
	u32 mask = high ? (u32)(~(size - 1) >> 32) : (u32) ~(size - 1) & ~0xfu;

	if (!size) {
		note_printf(n, " (unused BAR)");
		return;
	}
	if (write && val == 0xffffffff)
		note_printf(n, " (size probe)");
	else if (!write && (val & ~0xfu) == mask)
		note_printf(n, " (size probe answer: %llu KiB%s)",
			    (unsigned long long)(size / 1024),
			    high    ? ", high half" :
			    b->is64 ? ", 64-bit" :
				      "");
	else if (high)
		note_printf(n, " (BAR%u's high half)", bar - 1);
	else
		note_printf(n, " (address 0x%x%s)", val & ~0xfu,
			    b->is64 ? ", 64-bit, high half next" : "");
}

static const char *const vendor_cfg_type[] = {
	[1] = "common", [2] = "notify",	 [3] = "isr",
	[4] = "device", [5] = "pci_cfg",
};

/* "a/b/c": every register of @t that [@off, @off + @len) touches. */
static void note_regs(struct trace_note *n, const struct reg_name *t, size_t nr,
		      u32 off, u32 len)
{
	const struct reg_name *r, *last = NULL;
	u32 i;

	for (i = 0; i < len; i++) {
		r = reg_name_find(t, nr, off + i);
		if (!r || r == last)
			continue;
		note_printf(n, "%s%s", last ? "/" : "", r->name);
		if (!last && off != r->off)
			note_printf(n, "+%u", off - r->off);
		last = r;
	}
	if (!last)
		note_printf(n, "0x%02x", off);
}

/* What a capability's first bytes say, when an access read them. */
static void note_cap(struct trace_note *n, const struct pci_dev *pd, u32 cap,
		     u8 id)
{
	u8 type = pd->cfg[cap + 3];
	u16 ctrl = pci_cfg_get(pd, cap + 2, 2);

	if (id == PCI_CAP_ID_VNDR)
		note_printf(n, " (virtio cfg_type %u: %s)", type,
			    type < ARRAY_SIZE(vendor_cfg_type) &&
					    vendor_cfg_type[type] ?
				    vendor_cfg_type[type] :
				    "?");
	else if (id == PCI_CAP_ID_MSIX)
		note_printf(n, " (MSI-X, %u entries, %s)", (ctrl & 0x7ff) + 1,
			    ctrl & 0x8000 ? "enabled" : "disabled");
}

void pci_cfg_describe(const struct pci_dev *pd, u32 reg, u32 len, bool write,
		      u32 val, struct trace_note *n)
{
	const struct reg_name *t = header_names;
	size_t nr = ARRAY_SIZE(header_names);
	u32 cap;
	u8 id = 0;

	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_NR_BARS) {
		note_printf(n, "BAR%u %s 0x%x", (reg - PCI_BAR0) / 4,
			    write ? "<-" : "->", val);
		return describe_bar(pd, (reg - PCI_BAR0) / 4, write, val, n);
	}
	cap = reg >= PCI_CAP_START ? find_cap(pd, reg, &id) : 0;
	if (cap) {
		t = id == PCI_CAP_ID_MSIX ? msix_names : vendor_names;
		nr = id == PCI_CAP_ID_MSIX ? ARRAY_SIZE(msix_names) :
					     ARRAY_SIZE(vendor_names);
		note_printf(n, "cap@0x%02x(%s).", cap,
			    id == PCI_CAP_ID_MSIX ? "MSI-X" :
			    id == PCI_CAP_ID_VNDR ? "vendor" :
						    "?");
		if (id != PCI_CAP_ID_MSIX && id != PCI_CAP_ID_VNDR)
			nr = 2; /* id and next are all we know */
	}
	note_regs(n, t, nr, reg - cap, len);
	note_printf(n, " %s 0x%x", write ? "<-" : "->", val);
	if (!cap && reg == PCI_VENDOR_ID && len == 4)
		note_printf(n, " (%04x:%04x)", val & 0xffff, val >> 16);
	else if (!cap && reg == PCI_COMMAND)
		note_flags(n, val & 0xffff, command_bits,
			   ARRAY_SIZE(command_bits));
	else if (cap && reg == cap && !write)
		note_cap(n, pd, cap, id);
	else if (cap && id == PCI_CAP_ID_MSIX && reg == cap + 2)
		note_printf(n, " (%s%s)",
			    val & 0x8000 ? "MSI-X enabled" : "MSI-X disabled",
			    val & 0x4000 ? ", all masked" : "");
}
