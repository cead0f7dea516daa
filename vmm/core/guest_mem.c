// SPDX-License-Identifier: MIT
/*
 * Guest RAM: the regions and the one bounds-checked accessor every
 * guest address goes through.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

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

	if (mem->nr >= GUEST_MEM_MAX_REGIONS || size == 0 ||
	    gpa + size < gpa)
		return -EINVAL;
	for (i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->region[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	mem->region[mem->nr++] = (struct guest_region){ gpa, size, hva };
	return 0;
}

static int map_region(struct guest_mem *mem, u64 gpa, u64 size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int ret;

	if (hva == MAP_FAILED)
		return -errno;
	ret = guest_mem_add(mem, gpa, size, hva);
	if (ret)
		munmap(hva, size);
	return ret;
}

u64 guest_mem_low_size(u64 size)
{
	return MIN(size, (u64)LAYOUT_PCI_HOLE_START);
}

int guest_mem_alloc(struct guest_mem *mem, u64 size)
{
	u64 low = guest_mem_low_size(size);
	int ret;

	memset(mem, 0, sizeof(*mem));
	mem->owned = true;
	ret = map_region(mem, 0, low);
	if (ret)
		return ret;
	if (size > low) {
		ret = map_region(mem, LAYOUT_HIGH_RAM_START, size - low);
		if (ret) {
			guest_mem_free(mem);
			return ret;
		}
	}
	return 0;
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
		if (mem->owned &&
		    (!madvise(r->hva, r->size, MADV_REMOVE) ||
		     !madvise(r->hva, r->size, MADV_DONTNEED)))
			continue;
		memset(r->hva, 0, r->size);
	}
}

void guest_mem_free(struct guest_mem *mem)
{
	unsigned int i;

	if (mem->owned)
		for (i = 0; i < mem->nr; i++)
			munmap(mem->region[i].hva, mem->region[i].size);
	memset(mem, 0, sizeof(*mem));
}
