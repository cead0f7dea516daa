// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the input is a VMDK file: a monolithic sparse image
 * (header, embedded descriptor, grain tables, plain or compressed
 * grains) or a text descriptor. It is parsed as a descriptor, then
 * opened as an image and read in a few places with its block status
 * asked. A hostile file may only ever produce an error.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/vmdk/vmdk.h"

#define MAX_INPUT (4 * MiB)

static void exercise(struct vmdk *v)
{
	static u8 buf[256 * 1024];
	u64 size = vmdk_size(v), offs[4], run, len;
	u32 flags;
	unsigned int i;

	offs[0] = 0;
	offs[1] = size / 2;
	offs[2] = size > sizeof(buf) ? size - sizeof(buf) : 0;
	offs[3] = size / 3;
	for (i = 0; i < 4; i++) {
		len = MIN((u64)sizeof(buf), size - offs[i]);
		vmdk_read(v, offs[i], buf, len);
		if (offs[i] < size)
			vmdk_status(v, offs[i], size - offs[i], &run, &flags);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct err err = { 0 };
	struct vmdk_desc d;
	struct vmdk *v;
	char path[64];
	int fd;

	if (size > MAX_INPUT)
		return 0;
	vmdk_parse_desc((const char *)data, size, &d, &err);
	vmdk_desc_free(&d);
	fd = memfd_create("fuzz-vmdk", 0);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (write(fd, data, size) == (ssize_t)size &&
	    !vmdk_open(&v, fd, path, NULL, &err)) {
		exercise(v);
		vmdk_close(v);
	}
	close(fd);
	return 0;
}
