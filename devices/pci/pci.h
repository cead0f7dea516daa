/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_PCI_H
#define SQUEEZE_PCI_H

#include <pthread.h>

#include "vmm/base/err.h"
#include "vmm/core/bus.h"
#include "vmm/core/trace.h"
#include "vmm/base/types.h"

/*
 * A PCI host bridge with one bus (bus 0), reachable through the type 1
 * configuration mechanism (ports 0xcf8/0xcfc) and through ECAM at
 * LAYOUT_PCI_ECAM_START (vmm/core/layout.h). Slot 0 is the host bridge
 * itself; slots 1..31 hold one function each (function 0). Memory BARs are
 * given addresses inside LAYOUT_PCI_MMIO_* when a device is added, the way
 * firmware would, and the memory-decode bit is set, so a guest (Linux
 * keeps firmware-assigned BARs that fit the root bridge's _CRS window)
 * may use them as they are; the guest may also size and move them.
 */

#define PCI_CFG_SIZE  256 /* ECAM reads 0 above it */
#define PCI_NR_BARS   6
#define PCI_MAX_SLOTS 32 /* slot 0: host bridge */

/* Configuration header offsets and bits used here. */
#define PCI_VENDOR_ID		 0x00
#define PCI_DEVICE_ID		 0x02
#define PCI_COMMAND		 0x04
#define PCI_COMMAND_MEMORY	 0x0002
#define PCI_COMMAND_MASTER	 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		 0x06
#define PCI_STATUS_CAP_LIST	 0x0010
#define PCI_REVISION_ID		 0x08
#define PCI_CLASS_PROG		 0x09
#define PCI_HEADER_TYPE		 0x0e
#define PCI_BAR0		 0x10
#define PCI_BAR_MEM_64		 0x04
#define PCI_BAR_PREFETCH	 0x08
#define PCI_SUBSYSTEM_VENDOR_ID	 0x2c
#define PCI_SUBSYSTEM_ID	 0x2e
#define PCI_CAPABILITY_LIST	 0x34
#define PCI_INTERRUPT_LINE	 0x3c
#define PCI_INTERRUPT_PIN	 0x3d
#define PCI_CAP_START		 0x40

#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

struct pci_dev;
struct pci_host;

/* Identity written into a function's header. */
struct pci_id {
	u16 vendor;
	u16 device;
	u16 subsys_vendor;
	u16 subsys;
	u32 class; /* class << 16 | subclass << 8 | prog-if */
	u8 revision;
};

/* Hooks of the device model that owns a function; all optional. */
struct pci_dev_ops {
	/*
	 * After the guest wrote [off, off + len) of configuration space
	 * (already merged through the writable mask). Runs with the host
	 * lock held, on a vCPU thread: return at once.
	 */
	void (*config_write)(struct pci_dev *pd, u32 off, u32 len);
	/*
	 * Before a read of [off, off + len): lets the model refresh bytes
	 * (e.g. a window onto a BAR). Host lock held.
	 */
	void (*config_read)(struct pci_dev *pd, u32 off, u32 len);
	/*
	 * BAR @bar became visible at @addr (@mapped) or stopped being
	 * visible at @addr (!@mapped). Called after the MMIO range was
	 * registered / before it is unregistered; used for ioeventfds.
	 */
	void (*bar_mapped)(struct pci_dev *pd, int bar, u64 addr, bool mapped);
};

/* Problems a function reports once in its lifetime (warn_once()). */
enum pci_warn {
	PCI_WARN_BAR_MAP = 1u << 0,
	PCI_WARN_MSI_ROUTE = 1u << 1,
	PCI_WARN_IRQFD = 1u << 2,
};

struct pci_bar {
	u64 size;		  /* power of two >= 16; 0: BAR unused */
	bool is64;		  /* takes this slot and the next */
	const struct io_ops *ops; /* MMIO handlers, off from BAR base */
	void *opaque;
	u64 mapped_addr; /* where it is on the MMIO bus */
	bool mapped;
};

/*
 * One PCI function. cfg[] is the source of truth for every register,
 * BARs included; wmask[] holds the bits the guest may change, so that a
 * write is always cfg = (cfg & ~wmask) | (val & wmask).
 */
struct pci_dev {
	u8 cfg[PCI_CFG_SIZE];
	u8 wmask[PCI_CFG_SIZE];
	struct pci_bar bar[PCI_NR_BARS];
	u8 cap_next; /* where the next capability goes */
	u8 cap_last; /* offset of the last cap, or 0 */
	const struct pci_dev_ops *ops;
	void *priv;	       /* for the model's container */
	struct pci_host *host; /* set by pci_host_add() */
	u8 slot;
	u32 warned; /* enum pci_warn, atomic */
};

struct pci_host {
	struct bus *pio;
	struct bus *mmio;
	pthread_mutex_t lock;  /* config accesses, BAR (un)mapping */
	u32 config_addr;       /* the 0xcf8 latch */
	struct pci_dev bridge; /* 00:00.0 */
	struct pci_dev *dev[PCI_MAX_SLOTS];
	u64 mmio_next; /* firmware-style BAR allocator */
	u64 mmio_end;
	bool registered;
	struct trace *trace; /* --trace, or NULL */
};

/* Fill the header of @pd from @id; no BARs, no capabilities yet. */
void pci_dev_init(struct pci_dev *pd, const struct pci_id *id,
		  const struct pci_dev_ops *ops, void *priv);

/*
 * Declare memory BAR @bar of @size bytes (power of two, >= 4 KiB is wise),
 * handled by @ops/@opaque. A 64-bit BAR also uses slot @bar + 1.
 * -EINVAL on a bad index, size or an already-used slot.
 */
int pci_dev_add_bar(struct pci_dev *pd, int bar, u64 size, bool is64,
		    const struct io_ops *ops, void *opaque);

/*
 * Append capability @data (@len bytes, @data[0] the ID; the next pointer
 * in @data[1] is filled in here) to the list. @wmask (@len bytes, or NULL
 * for read-only) says which bits the guest may write. Returns the
 * capability's offset in configuration space, or -ENOSPC.
 */
int pci_dev_add_cap(struct pci_dev *pd, const void *data, u32 len,
		    const void *wmask);

/* Little-endian accessors on cfg[] for the models. */
u32 pci_cfg_get(const struct pci_dev *pd, u32 off, u32 len);
void pci_cfg_set(struct pci_dev *pd, u32 off, u32 val, u32 len);

/* Does a config access of @len bytes at @off overlap [@start, @end)? */
static inline bool pci_cfg_touches(u32 off, u32 len, u32 start, u32 end)
{
	return off < end && start < off + len;
}

/* Where BAR @bar currently is, 0 when unassigned. */
u64 pci_bar_addr(const struct pci_dev *pd, int bar);

/*
 * For virtio/pci*.c: raw configuration access to one function (no locking;
 * the host lock is held by the caller), and BAR (un)mapping to follow the
 * command register and BAR values.
 */
void pci_dev_cfg_read(struct pci_dev *pd, u32 off, void *data, u32 len);
void pci_dev_cfg_write(struct pci_dev *pd, u32 off, const void *data, u32 len);
void pci_dev_update_bars(struct pci_dev *pd);
void pci_dev_unmap_bars(struct pci_dev *pd);

/*
 * Register the configuration mechanisms on @pio/@mmio and create the host
 * bridge at 00:00.0. Returns 0 or -errno with @err set.
 */
int pci_host_init(struct pci_host *h, struct bus *pio, struct bus *mmio,
		  struct err *err);

/* Unmap every BAR and the config mechanisms. Safe on a zeroed host. */
void pci_host_destroy(struct pci_host *h);

/*
 * Put @pd in the first free slot, give its BARs addresses in the MMIO
 * window, and enable memory decoding (registers the BARs on the MMIO bus).
 * Returns the slot (1..31) or -errno with @err set.
 */
int pci_host_add(struct pci_host *h, struct pci_dev *pd, struct err *err);

/* Unmap @pd's BARs and free its slot. */
void pci_host_remove(struct pci_host *h, struct pci_dev *pd);

/*
 * For --trace: configuration register @reg of @pd in words ("BAR0 <-
 * 0xffffffff (size probe)", "command <- 0x6 (MEMORY MASTER)"), appended
 * to @n (devices/pci/pci_names.c).
 */
void pci_cfg_describe(const struct pci_dev *pd, u32 reg, u32 len, bool write,
		      u32 val, struct trace_note *n);

/* --- Snapshots (pci_state.c) --- */

struct pci_host_state {
	u32 config_addr;
	u8 bridge[PCI_CFG_SIZE];
};

void pci_host_save(struct pci_host *h, struct pci_host_state *out);
int pci_host_restore(struct pci_host *h, const struct pci_host_state *in);

/* One function's configuration space as the guest left it. */
void pci_dev_save_cfg(struct pci_dev *pd, u8 out[PCI_CFG_SIZE]);
/*
 * Take over @cfg and map the BARs where it says. -EINVAL (nothing
 * changed) when a bit the guest cannot write differs from this function's:
 * the snapshot was of another device.
 */
int pci_dev_restore_cfg(struct pci_dev *pd, const u8 cfg[PCI_CFG_SIZE]);

#endif
