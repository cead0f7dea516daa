/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_SYNTH_OPEN_H
#define SQUEEZE_TEST_SYNTH_OPEN_H

/*
 * Synthetic kernel images written to files and opened with
 * kernel_image_open(), with Criterion's checks (unit tests only).
 */
#include <criterion/criterion.h>

#include "tests/unit/lib/synth_kernel.h"

struct synth_files {
	char dir[64];
	char kernel[96];
	char initrd[96];
};
void synth_write(const char *path, const void *p, size_t len);

/*
 * Write the images to a fresh temp dir, open them, remove the files again.
 * @initrd NULL: no initrd.
 */
int synth_open(struct kernel_image *ki, const void *kernel, size_t klen,
	       const void *initrd, size_t ilen, u64 mem_size,
	       struct synth_files *f, struct err *err);

/*
 * A refused open: an error, in @err one line naming the file and saying
 * @what, and no image kept.
 */
void synth_assert_refused(int ret, const struct kernel_image *ki,
			  const struct synth_files *f, const struct err *err,
			  const char *what);

/*
 * Open a real kernel (Debian's, fetched by `make guests`) with no initrd
 * and @mem_size of RAM; skip the test if it is not there.
 */
void synth_open_real(struct kernel_image *ki, const char *path, u64 mem_size,
		     struct err *err);

#endif
