// SPDX-License-Identifier: MIT
/*
 * Reading the kernel and initrd files before any VM exists: bounded
 * reads, the kind of kernel (bzImage or ELF), and where the initrd goes
 * in the RAM the VM will have.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/boot/boot.h"
#include "firmware/boot/boot_int.h"
#include "firmware/boot/bootparam.h"
#include "vmm/core/layout.h"
#include "vmm/base/err.h"
#include "vmm/base/file.h"
#include "vmm/base/log.h"

/* No kernel or initrd we can boot is this big; it bounds the malloc. */
#define KERNEL_FILE_MAX (2ULL * GiB)
#define PAGE_SIZE	4096ULL

bool kernel_ram_contains(u64 mem_size, u64 addr, u64 len)
{
	u64 low = guest_mem_low_size(mem_size);
	u64 high = mem_size - low;

	if (addr < low)
		return len <= low - addr;
	if (addr >= LAYOUT_HIGH_RAM_START &&
	    addr - LAYOUT_HIGH_RAM_START < high)
		return len <= high - (addr - LAYOUT_HIGH_RAM_START);
	return false;
}

static int read_fd(int fd, u8 *buf, u64 size)
{
	u64 done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += n;
	}
	return 0;
}

/* Read all of @path into a malloc'd buffer; @what names it in errors. */
static int read_file(const char *path, const char *what, u8 **data, u64 *size,
		     struct err *err)
{
	struct stat st;
	u8 *buf;
	int fd, ret;

	/* Never blocks: a FIFO or a tty named here is refused at once. */
	fd = file_open(path, O_RDONLY, FILE_REG, &st);
	if (fd == -FILE_EKIND || fd == -EISDIR)
		return err_input(err, -EINVAL,
				 "%s %s: is %s, not a regular file", what, path,
				 file_kind_name(st.st_mode));
	if (fd < 0)
		return err_input(err, fd, "%s %s: %s", what, path,
				 strerror(-fd));
	if (st.st_size == 0) {
		ret = err_input(err, -EINVAL, "%s %s: file is empty", what,
				path);
		goto close_fd;
	}
	if ((u64)st.st_size > KERNEL_FILE_MAX) {
		ret = err_input(err, -EFBIG, "%s %s: file is too large", what,
				path);
		goto close_fd;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		ret = err_host(err, -ENOMEM, "%s %s: out of memory", what,
			       path);
		goto close_fd;
	}
	ret = read_fd(fd, buf, st.st_size);
	if (ret) {
		err_input(err, ret, "%s %s: read failed: %s", what, path,
			  strerror(-ret));
		free(buf);
		goto close_fd;
	}
	*data = buf;
	*size = st.st_size;
close_fd:
	close(fd);
	return ret;
}

/*
 * The initrd goes as high as allowed, so that the kernel's own
 * allocations from low memory up do not run into it; it must stay above
 * everything the kernel occupies while it decompresses and initialises.
 */
static int place_initrd(struct kernel_image *ki, const char *path,
			u64 initrd_end, struct err *err)
{
	u64 addr;

	if (ki->initrd_size > initrd_end)
		goto no_fit;
	addr = ALIGN_DOWN(initrd_end - ki->initrd_size, PAGE_SIZE);
	if (addr < ki->kernel_end)
		goto no_fit;
	ki->initrd_addr = addr;
	return 0;
no_fit:
	return err_input(
		err, -ENOSPC,
		"initrd %s: %llu bytes do not fit between the kernel end 0x%llx and the initrd limit 0x%llx (%llu MiB of RAM)",
		path, (unsigned long long)ki->initrd_size,
		(unsigned long long)ki->kernel_end,
		(unsigned long long)initrd_end,
		(unsigned long long)(ki->mem_size / MiB));
}

static int parse_kernel(struct kernel_image *ki, const char *path,
			u64 *initrd_end, struct err *err)
{
	if (elf_is_elf(ki->data, ki->size))
		return elf_parse(ki, path, initrd_end, err);
	if (ki->size >= 0x206 && !memcmp(ki->data + 0x202, "HdrS", 4))
		return bzimage_parse(ki, path, initrd_end, err);
	return err_input(err, -ENOEXEC,
			 "kernel %s: not a bzImage or ELF kernel", path);
}

int kernel_image_open(struct kernel_image *ki, const char *path,
		      const char *initrd_path, u64 mem_size, struct err *err)
{
	u64 initrd_end = 0;
	int ret;

	memset(ki, 0, sizeof(*ki));
	ki->mem_size = mem_size;
	ret = read_file(path, "kernel", &ki->data, &ki->size, err);
	if (ret)
		return ret;
	ret = parse_kernel(ki, path, &initrd_end, err);
	if (ret)
		goto close_image;
	ki->initrd_end = initrd_end;
	if (!initrd_path)
		return 0;
	ret = read_file(initrd_path, "initrd", &ki->initrd, &ki->initrd_size,
			err);
	if (ret)
		goto close_image;
	ret = place_initrd(ki, initrd_path, initrd_end, err);
	if (ret)
		goto close_image;
	return 0;
close_image:
	kernel_image_close(ki);
	return ret;
}

int kernel_image_set_initrd(struct kernel_image *ki, const u8 *data, u64 size,
			    struct err *err)
{
	free(ki->initrd);
	ki->initrd = malloc(size);
	if (!ki->initrd)
		return err_host(err, -ENOMEM, "initrd: out of memory");
	memcpy(ki->initrd, data, size);
	ki->initrd_size = size;
	return place_initrd(ki, "(generated)", ki->initrd_end, err);
}

void kernel_image_close(struct kernel_image *ki)
{
	free(ki->data);
	free(ki->initrd);
	memset(ki, 0, sizeof(*ki));
}
