// SPDX-License-Identifier: MIT
/*
 * fs: virtio-fs from inside a VM. For each virtio-fs function on bus 0
 * (1af4:105a, at most FS_MAX): probe, read the tag and num_request_queues
 * from the device configuration, negotiate VERSION_1, set up the
 * high-priority queue (polled) and request queue 1 with MSI-X table
 * entry 1 as vector 0x31 + n to this CPU, send FUSE_INIT on queue 1, and
 * only sleep until the vector's handler has run; then check the reply
 * (our unique id, no error, FUSE major 7). The server is a real
 * virtiofsd on the host; the reply comes back by MSI-X from it directly.
 *
 * Command line: hold=1 stays up afterwards (until the VMM is stopped),
 * poweroff=1 powers off by ACPI instead of exiting through port 0xf4.
 * Exit codes (status = (code << 1) | 1): see guests/README.md.
 */
#include "irq.h"
#include "virtio.h"

#define FS_MAX		4
#define TAG_LEN		36
#define MSIX_ENTRY	1
#define VEC_BASE	0x31
#define VEC_TIMER	0x3f
#define IRQ_TIMEOUT_TSC 10000000000ULL /* about 4 s */
#define FUSE_INIT	26
#define FUSE_UNIQUE	0x5157 /* ours: the reply must carry it */

enum fs_exit {
	FS_OK = 0x50,
	FS_NO_DEVICE = 0x51,
	FS_PROBE = 0x52,
	FS_FEATURES = 0x53,
	FS_MSIX = 0x54,
	FS_QUEUE = 0x55,
	FS_NO_IRQ = 0x56,
	FS_REPLY = 0x57,
};

/* FUSE wire structures (Linux uapi fuse.h), as much as FUSE_INIT needs. */
struct fuse_in_header {
	u32 len, opcode;
	u64 unique, nodeid;
	u32 uid, gid, pid;
	u16 total_extlen, padding;
};

struct fuse_init_in {
	u32 major, minor, max_readahead, flags, flags2, unused[11];
};

struct fuse_out_header {
	u32 len;
	int32_t error;
	u64 unique;
};

struct fuse_init_out {
	u32 major, minor, max_readahead, flags;
	u16 max_background, congestion_threshold;
	u32 max_write, time_gran;
	u16 max_pages, map_alignment;
	u32 flags2, unused[7];
};

struct fs_dev {
	struct virtio_pci vp;
	struct virtq hiprio, req;
	struct virtq_mem hiprio_mem, req_mem;
	struct {
		struct fuse_in_header h;
		struct fuse_init_in init;
	} in;
	struct {
		struct fuse_out_header h;
		struct fuse_init_out init;
	} out;
	char tag[TAG_LEN + 1];
	volatile u32 irqs;
};

static volatile u32 ticks;

static int fail(int code, unsigned int n, const char *step, const char *why)
{
	printf("fs%u: FAIL %s: %s\n", n, step, why);
	return code;
}

static void queue_interrupt(void *ctx, unsigned int vector)
{
	struct fs_dev *d = ctx;

	(void)vector;
	d->irqs++;
	lapic_eoi();
}

static void timer_interrupt(void *ctx, unsigned int vector)
{
	(void)ctx;
	(void)vector;
	ticks++;
	lapic_eoi();
}

static void read_tag(struct fs_dev *d)
{
	unsigned int i;

	for (i = 0; i < TAG_LEN; i++)
		d->tag[i] = (char)virtio_config_read8(&d->vp, i);
	d->tag[TAG_LEN] = '\0';
}

static int fs_setup(struct fs_dev *d, unsigned int n)
{
	u64 acked;
	int err;

	err = virtio_negotiate(&d->vp, 0, &acked);
	if (err)
		return fail(FS_FEATURES, n, "features", virtio_strerror(err));
	read_tag(d);
	printf("fs%u: virtio-fs at 00:%02x.%u, tag '%s', %u request queue(s)\n",
	       n, d->vp.pci.dev, d->vp.pci.fn, d->tag,
	       virtio_config_read32(&d->vp, TAG_LEN));
	err = virtio_msix_enable(&d->vp);
	if (!err)
		err = virtio_msix_set_entry(&d->vp, MSIX_ENTRY, (u8)lapic_id(),
					    (u8)(VEC_BASE + n));
	if (err)
		return fail(FS_MSIX, n, "MSI-X", virtio_strerror(err));
	err = virtio_queue_setup(&d->vp, &d->hiprio, 0, &d->hiprio_mem);
	if (!err)
		err = virtio_queue_setup_msix(&d->vp, &d->req, 1, &d->req_mem,
					      MSIX_ENTRY);
	if (err)
		return fail(FS_QUEUE, n, "queues", virtio_strerror(err));
	virtio_driver_ok(&d->vp);
	return 0;
}

/* FUSE_INIT on the request queue; sleep until its MSI-X arrives. */
static int fs_init(struct fs_dev *d, unsigned int n)
{
	struct virtq_buf bufs[2] = {
		{ &d->in, sizeof(d->in), false },
		{ &d->out, sizeof(d->out), true },
	};
	u32 len;
	int head, used;

	d->in.h = (struct fuse_in_header){ .len = sizeof(d->in),
					   .opcode = FUSE_INIT,
					   .unique = FUSE_UNIQUE + n };
	d->in.init = (struct fuse_init_in){ .major = 7,
					    .minor = 31,
					    .max_readahead = 65536 };
	memset(&d->out, 0xff, sizeof(d->out));
	head = virtq_add(&d->req, bufs, 2);
	if (head < 0)
		return fail(FS_REPLY, n, "FUSE_INIT", virtio_strerror(head));
	virtq_kick(&d->req);
	if (!virtq_sleep_until_used(&d->req, &d->irqs, IRQ_TIMEOUT_TSC)) {
		printf("fs%u: no reply with an interrupt after %u timer ticks (%u interrupts)\n",
		       n, ticks, d->irqs);
		return fail(FS_NO_IRQ, n, "interrupt", "timed out");
	}
	/* Timeout 0: the reply must be there before the MSI. */
	used = virtq_poll(&d->req, &len, 0);
	if (used != head || len < sizeof(d->out.h) ||
	    d->out.h.unique != FUSE_UNIQUE + n || d->out.h.error != 0 ||
	    d->out.init.major != 7) {
		printf("fs%u: used %d, length %u, error %d, major %u\n", n,
		       used, len, d->out.h.error, d->out.init.major);
		return fail(FS_REPLY, n, "FUSE_INIT reply",
			    "wrong head, length, unique, error or major");
	}
	printf("fs%u: FUSE_INIT ok: FUSE %u.%u, max_write %u, reply by MSI-X (%u queue interrupts)\n",
	       n, d->out.init.major, d->out.init.minor, d->out.init.max_write,
	       d->irqs);
	return 0;
}

static int fs_one(struct fs_dev *d, unsigned int n, struct irq_table *t,
		  struct pci_window *win)
{
	int err;

	memset(d, 0, sizeof(*d));
	err = virtio_pci_probe_nth(&d->vp, VIRTIO_PCI_DEVICE(VIRTIO_ID_FS), n,
				   win);
	if (err == VIRTIO_ENODEV)
		return err;
	if (err)
		return fail(FS_PROBE, n, "probe", virtio_strerror(err));
	irq_set_handler(t, VEC_BASE + n, queue_interrupt, d);
	err = fs_setup(d, n);
	return err ? err : fs_init(d, n);
}

int guest_main(const struct hvm_start_info *si)
{
	struct pci_window win = PCI_WINDOW_INIT;
	struct fs_dev devs[FS_MAX];
	struct irq_table t;
	unsigned int n;
	u32 hold = 0, off = 0;
	int ret = 0;

	cmdline_get_uint(cmdline(si), "hold", &hold);
	cmdline_get_uint(cmdline(si), "poweroff", &off);
	irq_init(&t);
	irq_set_handler(&t, VEC_TIMER, timer_interrupt, NULL);
	lapic_timer_start(VEC_TIMER, LAPIC_TIMER_50MS);
	for (n = 0; n < FS_MAX && !ret; n++)
		ret = fs_one(&devs[n], n, &t, &win);
	irq_fini();
	if (ret == VIRTIO_ENODEV && n == 1)
		return fail(FS_NO_DEVICE, 0, "probe", "no 1af4:105a on bus 0");
	if (ret && ret != VIRTIO_ENODEV)
		return ret;
	printf("fs: OK: %u device(s)\n", n - (ret == VIRTIO_ENODEV));
	if (hold) {
		puts("fs: holding");
		halt();
	}
	if (off)
		outw(PORT_PM1A_CNT, (ACPI_S5_SLP_TYP << 10) | PM1_SLP_EN);
	return FS_OK;
}
