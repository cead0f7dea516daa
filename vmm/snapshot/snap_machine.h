/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SNAP_MACHINE_H
#define SQUEEZE_SNAP_MACHINE_H

/*
 * The machine description a snapshot carries (its SNAP_MACHINE section,
 * JSON): RAM and its layout, vCPUs, the VM's name, each disk with the
 * identity of its file (path, device and inode, size) and each network
 * device with its host side and MAC. A restore builds the same machine
 * from it; docs/snapshot.md shows an example.
 */

#include <limits.h>
#include <net/if.h>

#include "devices/block/disk.h"
#include "vmm/base/err.h"
#include "vmm/config/config.h"
#include "vmm/core/guest_mem.h"

struct snap_disk {
	char path[PATH_MAX]; /* absolute, at snapshot time */
	enum disk_format format;
	enum disk_cache cache;
	bool readonly;
	bool backing_off;
	char serial[BLK_ID_LEN + 1];
	u64 size;     /* the disk's virtual size */
	u64 dev, ino; /* the image file */
};

struct snap_net {
	char bridge[IFNAMSIZ];
	char tap[IFNAMSIZ];
	u8 mac[6];
};

struct snap_machine {
	u64 mem_size;
	u32 cpus;
	char name[CONFIG_NAME_MAX + 1]; /* "" without --name */
	struct guest_region region[GUEST_MEM_MAX_REGIONS]; /* gpa, size */
	unsigned int nr_regions;
	struct snap_disk disk[CONFIG_MAX_DISKS];
	unsigned int nr_disks;
	struct snap_net net[CONFIG_MAX_NETS];
	unsigned int nr_nets;
};

/* @m as JSON text, malloc'd (free() it), or NULL when out of memory. */
char *snap_machine_dump(const struct snap_machine *m);

/*
 * Parse and check @len bytes of JSON: every field present, of its type
 * and range, nothing unknown. 0 or -EINVAL with @err (class input).
 */
int snap_machine_parse(struct snap_machine *m, const char *json, size_t len,
		       struct err *err);

/*
 * The vm_config of a restore (snap_config.c): memory, vCPUs and every
 * device's options from @m; from @over (config_parse_restore()) the
 * console, control socket, flags and name, the i-th --disk's path (and
 * format, for an overlay) and the i-th --net's host side and MAC. Each
 * network device gets a fresh random MAC unless its --net gives mac=.
 * Strings point into @m and @over. 0 or -EINVAL with @err.
 */
int snap_machine_config(const struct snap_machine *m,
			const struct vm_config *over, struct vm_config *cfg,
			struct err *err);

#endif
