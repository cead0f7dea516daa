// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the input is a qcow2 image file. Open it read-write
 * (in a memfd), read a few places, write, zero, flush and close. Any
 * crash, leak, hang or sanitizer report is a bug: a hostile image may
 * only ever produce an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "tests/fuzz/fuzz_file.h"

#define MAX_INPUT (4 * MiB)

static void exercise(struct qcow2 *q)
{
	static u8 buf[2 * 65536];
	u64 size = q->h.size, offs[4];
	unsigned int i;

	offs[0] = 0;
	offs[1] = size / 2;
	offs[2] = size > sizeof(buf) ? size - sizeof(buf) : 0;
	offs[3] = size > 7 * 65536 ? 7 * 65536 + 512 : 0;
	for (i = 0; i < 4; i++) {
		u64 len = MIN(sizeof(buf), size - offs[i]);

		qcow2_read_sync(q, offs[i], buf, len);
	}
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 4; i++) {
		u64 in = offs[i] & (q->cluster_size - 1);
		u64 len = MIN(4096, size - offs[i]);

		len = MIN(len, q->cluster_size - in);
		if (len)
			qcow2_write_cluster(q, offs[i], buf, len);
	}
	qcow2_zero_range(q, offs[1] & ~4095ULL,
			 MIN(size - (offs[1] & ~4095ULL), 3 * 65536));
	qcow2_flush(q);
	qcow2_read_sync(q, 0, buf, MIN(sizeof(buf), size));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const struct qcow2_policy no_backing = { .backing_off = true };
	char path[64];
	struct err err = { 0 };
	struct qcow2 *q;
	int fd;

	if (size > MAX_INPUT)
		return 0;
	fd = fuzz_memfd("fuzz-qcow2", data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (!qcow2_open_image(&q, path, true, &no_backing, 0, NULL, 0, &err)) {
		exercise(q);
		qcow2_close_image(q);
	}
	close(fd);
	return 0;
}
