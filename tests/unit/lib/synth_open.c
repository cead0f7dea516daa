// SPDX-License-Identifier: MIT
/* Synthetic kernels in files, opened and checked. See synth_open.h. */
#include "tests/unit/lib/synth_open.h"

void synth_write(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(p, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

int synth_open(struct kernel_image *ki, const void *kernel, size_t klen,
	       const void *initrd, size_t ilen, u64 mem_size,
	       struct synth_files *f, struct err *err)
{
	int ret;

	snprintf(f->dir, sizeof(f->dir), "/tmp/sqz-fw-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/kernel", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	synth_write(f->kernel, kernel, klen);
	if (initrd)
		synth_write(f->initrd, initrd, ilen);
	ret = kernel_image_open(ki, f->kernel, initrd ? f->initrd : NULL,
				mem_size, err);
	unlink(f->kernel);
	unlink(f->initrd);
	rmdir(f->dir);
	return ret;
}

void synth_assert_refused(int ret, const struct kernel_image *ki,
			  const struct synth_files *f, const struct err *err,
			  const char *what)
{
	cr_assert_lt(ret, 0, "accepted, wanted \"%s\"", what);
	cr_assert_eq(err->class, ERR_INPUT, "not a bad-input error");
	cr_assert_not_null(strstr(err->msg, what), "error \"%s\" lacks \"%s\"",
			   err->msg, what);
	cr_assert_not_null(strstr(err->msg, f->dir),
			   "error \"%s\" names no file", err->msg);
	cr_assert_null(strchr(err->msg, '\n'));
	cr_assert_null(ki->data, "image kept after a failed open");
}

void synth_open_real(struct kernel_image *ki, const char *path, u64 mem_size,
		     struct err *err)
{
	struct stat st;

	if (stat(path, &st))
		cr_skip_test("%s absent: run make guests to fetch it", path);
	cr_assert_eq(kernel_image_open(ki, path, NULL, mem_size, err), 0, "%s",
		     err->msg);
}
