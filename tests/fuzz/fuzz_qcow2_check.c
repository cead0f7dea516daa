// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the input is a qcow2 image file. Check it, then
 * check it again with every repair allowed (the repairs write into the
 * memfd), then once more. Any crash, leak, hang or sanitizer report is a
 * bug: a hostile image may only produce findings or an error. Seeded by
 * tests/integration/suite_img.sh with images qemu-img made, corrupted.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/qcow2/check.h"

#define MAX_INPUT (4 * MiB)

static void ignore(void *opaque, enum qcow2_finding f, const char *msg)
{
	(void)opaque;
	(void)f;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct qcow2_check_opts o = { .report = ignore };
	struct qcow2_check_result r;
	struct err err = { 0 };
	int fd;

	if (size > MAX_INPUT)
		return 0;
	fd = memfd_create("fuzz-check", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		qcow2_check(fd, &o, &r, &err);
		o.fix = QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS;
		qcow2_check(fd, &o, &r, &err);
		o.fix = 0;
		qcow2_check(fd, &o, &r, &err);
	}
	close(fd);
	return 0;
}
