// SPDX-License-Identifier: MIT
/*
 * Guest RAM: the regions and the one bounds-checked accessor every
 * guest address goes through.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/core/layout.h"
#include "vmm/core/guest_mem.h"

void *guest_mem_ptr(const struct guest_mem *mem, u64 gpa, u64 len)
{
	unsigned int i;

	if (len == 0)
		len = 1;
	for (i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->region[i];

		/* Subtract only: gpa + len or r->gpa + r->size could wrap. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return (char *)r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int guest_mem_read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len)
{
	void *src = guest_mem_ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *mem, u64 gpa, const void *src,
		    u64 len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_add(struct guest_mem *mem, u64 gpa, u64 size, void *hva)
{
	unsigned int i;

	if (mem->nr >= GUEST_MEM_MAX_REGIONS || size == 0 || gpa + size < gpa)
		return -EINVAL;
	for (i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->region[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	mem->region[mem->nr++] = (struct guest_region){ gpa, size, hva, -1, 0 };
	return 0;
}

/*
 * Map [gpa, +size) anonymous and private, or from memfd at @off when >= 0
 * (shared, or private from a restored VM's file).
 */
static int map_region(struct guest_mem *mem, u64 gpa, u64 size, int memfd,
		      u64 off)
{
	int flags = mem->file_fd >= 0 ? MAP_PRIVATE :
		    memfd >= 0	      ? MAP_SHARED :
					MAP_PRIVATE | MAP_ANONYMOUS;
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 flags | MAP_NORESERVE, memfd, memfd >= 0 ? off : 0);
	int ret;

	if (hva == MAP_FAILED)
		return -errno;
	/* A child (the port keeper) never shares nor copies guest RAM. */
	madvise(hva, size, MADV_DONTFORK);
	ret = guest_mem_add(mem, gpa, size, hva);
	if (ret) {
		munmap(hva, size);
		return ret;
	}
	/* Only shared RAM is another process's to map. */
	if (mem->file_fd < 0) {
		mem->region[mem->nr - 1].fd = memfd;
		mem->region[mem->nr - 1].fd_offset = memfd >= 0 ? off : 0;
	}
	return 0;
}

u64 guest_mem_low_size(u64 size)
{
	return MIN(size, (u64)LAYOUT_PCI_HOLE_START);
}

/* Low RAM, then the rest above 4 GiB; from @memfd when it is >= 0. */
static int alloc_layout(struct guest_mem *mem, u64 size, int memfd)
{
	u64 low = guest_mem_low_size(size);
	int ret;

	ret = map_region(mem, 0, low, memfd, 0);
	if (!ret && size > low)
		ret = map_region(mem, LAYOUT_HIGH_RAM_START, size - low, memfd,
				 low);
	if (ret)
		guest_mem_free(mem);
	return ret;
}

int guest_mem_alloc(struct guest_mem *mem, u64 size)
{
	memset(mem, 0, sizeof(*mem));
	mem->owned = true;
	mem->memfd = -1;
	mem->file_fd = -1;
	return alloc_layout(mem, size, -1);
}

int guest_mem_map_file(struct guest_mem *mem, u64 size, int fd)
{
	memset(mem, 0, sizeof(*mem));
	mem->owned = true;
	mem->memfd = -1;
	mem->file_fd = fd;
	return alloc_layout(mem, size, fd);
}

int guest_mem_alloc_shared(struct guest_mem *mem, u64 size)
{
	int fd;

	memset(mem, 0, sizeof(*mem));
	mem->owned = true;
	mem->file_fd = -1;
	fd = memfd_create("squeeze-ram", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0) {
		close(fd);
		return -errno;
	}
	mem->memfd = fd;
	return alloc_layout(mem, size, fd);
}

u64 guest_mem_total(const struct guest_mem *mem)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < mem->nr; i++)
		total += mem->region[i].size;
	return total;
}

void guest_mem_clear(struct guest_mem *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nr; i++) {
		struct guest_region *r = &mem->region[i];

		/*
		 * Our private anonymous mappings read as zero once their
		 * pages are dropped, and the host gets them back. A shared
		 * mapping would keep its data through MADV_DONTNEED:
		 * MADV_REMOVE frees its backing store instead.
		 */
		/* (A restored VM's private file mapping would read back
		 * the file: it is cleared by hand.) */
		if (mem->owned && mem->file_fd < 0 &&
		    (!madvise(r->hva, r->size, MADV_REMOVE) ||
		     !madvise(r->hva, r->size, MADV_DONTNEED)))
			continue;
		memset(r->hva, 0, r->size);
	}
}

void guest_mem_free(struct guest_mem *mem)
{
	unsigned int i;

	if (mem->owned) {
		for (i = 0; i < mem->nr; i++)
			munmap(mem->region[i].hva, mem->region[i].size);
		/* Set by every allocator: -1 when there is none. */
		if (mem->memfd >= 0)
			close(mem->memfd);
		if (mem->file_fd >= 0)
			close(mem->file_fd);
	}
	memset(mem, 0, sizeof(*mem));
}
