/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_SNAP_MEM_H
#define SQUEEZE_SNAP_MEM_H

#include "vmm/base/err.h"
#include "vmm/core/guest_mem.h"

/*
 * The snapshot's memory file: guest RAM, region after region from offset
 * 0, as the restore maps it back (guest_mem_map_file()). Pages the guest
 * never wrote stay holes: only pages the host has for the guest (present
 * or swapped out, /proc/self/pagemap), and for a restored VM what its own
 * memory file holds, are read, and all-zero ones are skipped.
 */

/*
 * Write @mem into @fd (a new, empty file), sized to the RAM. @pagemap is
 * an open /proc/self/pagemap, or -1 to read every page. Counts the bytes
 * written in *@data. 0 or -errno with @err (host failure).
 */
int snap_mem_write(int fd, const struct guest_mem *mem, int pagemap, u64 *data,
		   struct err *err);

/*
 * Open @dir's memory file for a restore: it must be a regular file of
 * exactly @size bytes. Returns the fd, or -errno with @err (input).
 */
int snap_mem_open(const char *dir, u64 size, struct err *err);

#endif
