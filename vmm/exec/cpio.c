// SPDX-License-Identifier: MIT
/* Writing newc cpio archives in memory (vmm/exec/cpio.h). */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "vmm/exec/cpio.h"

int cpio_add(struct cpio *c, const char *name, mode_t mode, const void *data,
	     size_t len, dev_t rdev)
{
	char hdr[128];
	size_t nlen = strlen(name) + 1;
	int ret;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, (unsigned int)mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0,
		 (unsigned int)len, 0, 0, major(rdev), minor(rdev),
		 (unsigned int)nlen, 0);
	ret = membuf_append(&c->buf, hdr, 110);
	if (!ret)
		ret = membuf_append(&c->buf, name, nlen);
	if (!ret)
		ret = membuf_pad(&c->buf, 4);
	if (!ret)
		ret = membuf_append(&c->buf, data, len);
	if (!ret)
		ret = membuf_pad(&c->buf, 4);
	return ret;
}

int cpio_finish(struct cpio *c)
{
	return cpio_add(c, "TRAILER!!!", 0, NULL, 0, 0);
}
