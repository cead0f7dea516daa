// SPDX-License-Identifier: MIT
/*
 * Block status of a plain file (raw images, raw backing files, flat VMDK
 * extents): its holes, as the file system reports them through
 * SEEK_DATA and SEEK_HOLE. Apart from the asynchronous engine, so that
 * the formats' tools and fuzz targets can use it alone.
 */
#include <errno.h>
#include <unistd.h>

#include "devices/block/disk.h"

int disk_file_status(int fd, u64 size, u64 off, u64 len, u64 *run, u32 *flags)
{
	off_t next;

	*run = len;
	*flags = 0;
	if (off >= size) {
		*flags = DISK_ST_HOLE | DISK_ST_ZERO;
		return 0;
	}
	next = lseek(fd, off, SEEK_DATA);
	if (next < 0 && errno == ENXIO)
		next = size; /* a hole to the end of the file */
	if (next < 0)
		return 0; /* no hole information: data */
	if ((u64)next > off) {
		*flags = DISK_ST_HOLE | DISK_ST_ZERO;
		*run = MIN(len, (u64)next - off);
		return 0;
	}
	next = lseek(fd, off, SEEK_HOLE);
	if (next > 0 && (u64)next > off)
		*run = MIN(len, (u64)next - off);
	return 0;
}
