/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_GUEST_MEM_H
#define SQUEEZE_GUEST_MEM_H

#include "vmm/base/types.h"

#define GUEST_MEM_MAX_REGIONS 4

/*
 * One contiguous range of guest-physical RAM and where the host mapped it.
 * Shared RAM (guest_mem_alloc_shared()) also says which file backs it and
 * from where, so that another process (a vhost-user backend) can map the
 * same pages; fd is -1 for private RAM.
 */
struct guest_region {
	u64 gpa;
	u64 size;
	void *hva;
	int fd; /* not owned: guest_mem.memfd or -1 */
	u64 fd_offset;
};

struct guest_mem {
	struct guest_region region[GUEST_MEM_MAX_REGIONS];
	unsigned int nr;
	bool owned; /* regions were mmap()ed by guest_mem_alloc() */
	int memfd;  /* if owned: shared RAM's file, or -1 */
	/*
	 * A restored VM's RAM: copy-on-write of this file (a snapshot's
	 * memory file, regions at consecutive offsets from 0), or -1.
	 */
	int file_fd;
};

/*
 * The one bounds-checked accessor. Returns the host address of guest
 * physical address @gpa, or NULL unless all of [gpa, gpa + len) lies inside
 * one region. Overflow-safe for any gpa and len; len 0 is treated as 1 so
 * that a zero-length buffer still has to point at RAM.
 */
void *guest_mem_ptr(const struct guest_mem *mem, u64 gpa, u64 len);

/* Copy helpers built on guest_mem_ptr(); return 0 or -EFAULT. */
int guest_mem_read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len);
int guest_mem_write(const struct guest_mem *mem, u64 gpa, const void *src,
		    u64 len);

/*
 * Lay out @size bytes of RAM the PC way: below the 32-bit PCI hole first,
 * the rest from 4 GiB up (see vmm/core/layout.h), each region an anonymous
 * private mapping. Returns 0 or -errno.
 */
int guest_mem_alloc(struct guest_mem *mem, u64 size);

/*
 * The same layout, backed by one memfd mapped MAP_SHARED (low RAM at file
 * offset 0, high RAM right after it), for VMs with a vhost-user device:
 * the backend maps the regions from the fd. Returns 0 or -errno.
 */
int guest_mem_alloc_shared(struct guest_mem *mem, u64 size);

/*
 * The same layout, each region a private (copy-on-write) mapping of @fd,
 * which must hold @size bytes: pages are read from the file as the guest
 * touches them, and what it writes stays in this process. Takes @fd over
 * (closed by guest_mem_free()). Returns 0 or -errno.
 */
int guest_mem_map_file(struct guest_mem *mem, u64 size, int fd);

/* How many of @size bytes guest_mem_alloc() maps below the PCI hole. */
u64 guest_mem_low_size(u64 size);

/* Add an existing host buffer as a region (unit tests use malloc'd RAM). */
int guest_mem_add(struct guest_mem *mem, u64 gpa, u64 size, void *hva);

/* Total RAM in bytes. */
u64 guest_mem_total(const struct guest_mem *mem);

/*
 * Zero all of guest RAM, as at power-on (a restarted guest must find none
 * of its previous boot's memory). Mappings made by guest_mem_alloc() give
 * their pages back to the host; others are cleared with memset.
 */
void guest_mem_clear(struct guest_mem *mem);

/*
 * Unmap regions made by guest_mem_alloc*() and close the memfd; safe on a
 * zeroed struct.
 */
void guest_mem_free(struct guest_mem *mem);

#endif
