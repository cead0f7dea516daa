// SPDX-License-Identifier: MIT
/* The snapshot's memory file, sparse (snap_mem.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/snapshot/snap_file.h"
#include "vmm/snapshot/snap_mem.h"

#define PAGE	   4096ULL
#define PM_CHUNK   4096 /* pagemap entries read at once */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define MAX_RUN	   (1 * MiB) /* bytes per pwrite */

struct mem_out {
	int fd;
	u64 run_off;   /* file offset of the pending run */
	const u8 *run; /* its first byte, NULL if none */
	u64 run_len;
	u64 written;
};

static bool page_is_zero(const u8 *p)
{
	const u64 *w = (const u64 *)p;
	u64 acc = 0;
	unsigned int i;

	for (i = 0; i < PAGE / 8; i += 8)
		acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] |
		       w[i + 5] | w[i + 6] | w[i + 7];
	return !acc;
}

static int flush_run(struct mem_out *o)
{
	u64 done = 0;
	ssize_t n;

	while (done < o->run_len) {
		n = pwrite(o->fd, o->run + done, o->run_len - done,
			   o->run_off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	o->written += o->run_len;
	o->run = NULL;
	o->run_len = 0;
	return 0;
}

/* One page that may hold data: extend the run, or start a new one. */
static int add_page(struct mem_out *o, const u8 *p, u64 off)
{
	int ret;

	if (page_is_zero(p))
		return o->run ? flush_run(o) : 0;
	if (o->run && o->run_off + o->run_len == off && o->run_len < MAX_RUN) {
		o->run_len += PAGE;
		return 0;
	}
	if (o->run && (ret = flush_run(o)))
		return ret;
	o->run = p;
	o->run_off = off;
	o->run_len = PAGE;
	return 0;
}

/* Does the restored VM's own memory file have data in [off, +len)? */
static bool file_has_data(int fd, u64 off, u64 len)
{
	off_t d;

	if (fd < 0)
		return false;
	d = lseek(fd, off, SEEK_DATA);
	return d >= 0 && (u64)d < off + len;
}

/* Pages of one region: those pagemap or the file say may hold data. */
static int write_region(struct mem_out *o, const struct guest_mem *mem,
			const struct guest_region *r, u64 file_off, int pagemap)
{
	u64 ent[PM_CHUNK], npages = r->size / PAGE, i, k, n;
	const u8 *base = r->hva;
	bool from_file;
	ssize_t got;
	int ret;

	for (i = 0; i < npages; i += n) {
		n = MIN(npages - i, (u64)PM_CHUNK);
		got = -1;
		if (pagemap >= 0)
			got = pread(pagemap, ent, n * sizeof(ent[0]),
				    ((u64)(uintptr_t)base / PAGE + i) *
					    sizeof(ent[0]));
		if (got != (ssize_t)(n * sizeof(ent[0])))
			memset(ent, 0xff, sizeof(ent)); /* read them all */
		from_file = file_has_data(mem->file_fd, file_off + i * PAGE,
					  n * PAGE);
		for (k = 0; k < n; k++) {
			if (!(ent[k] & (PM_PRESENT | PM_SWAPPED)) &&
			    !from_file) {
				if (o->run && (ret = flush_run(o)))
					return ret;
				continue;
			}
			ret = add_page(o, base + (i + k) * PAGE,
				       file_off + (i + k) * PAGE);
			if (ret)
				return ret;
		}
	}
	return o->run ? flush_run(o) : 0;
}

int snap_mem_write(int fd, const struct guest_mem *mem, int pagemap, u64 *data,
		   struct err *err)
{
	struct mem_out o = { .fd = fd };
	u64 off = 0;
	unsigned int i;
	int ret;

	if (ftruncate(fd, guest_mem_total(mem)) < 0)
		return err_host(err, -errno, "memory file: %s",
				strerror(errno));
	for (i = 0; i < mem->nr; i++) {
		ret = write_region(&o, mem, &mem->region[i], off, pagemap);
		if (ret)
			return err_host(err, ret, "memory file: write: %s",
					strerror(-ret));
		off += mem->region[i].size;
	}
	if (fdatasync(fd) < 0)
		return err_host(err, -errno, "memory file: fdatasync: %s",
				strerror(errno));
	*data = o.written;
	return 0;
}

int snap_mem_open(const char *dir, u64 size, struct err *err)
{
	struct stat st;
	int fd = snap_open(dir, SNAP_MEMORY_FILE, err);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (u64)st.st_size != size) {
		close(fd);
		return err_input(
			err, -EINVAL,
			"snapshot %s: memory file is %lld bytes, the state says %llu (truncated or from another snapshot)",
			dir, (long long)st.st_size, (unsigned long long)size);
	}
	return fd;
}
