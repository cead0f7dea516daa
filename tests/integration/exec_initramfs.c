// SPDX-License-Identifier: MIT
/*
 * Test tool: the initramfs `squeeze exec` would boot with, written to
 * stdout, so that a test can boot it under QEMU (whose virtio-serial is
 * an independent implementation of the console ports) and check squeeze's
 * init in a real Linux guest. The shares are as squeeze exec's (tags
 * squeeze-root, squeeze-cwd, --fs): the test starts their virtiofsd.
 *	exec-initramfs [--no-shares] [squeeze exec options] -- COMMAND... > FILE
 * --no-shares: no virtio-fs root or shares (the initramfs is the root).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/exec/exec_int.h"

int main(int argc, char **argv)
{
	struct exec_config c;
	struct exec x = { .cfg = &c };
	struct err err = { 0 };
	bool shares = argc < 2 || strcmp(argv[1], "--no-shares");
	int ret, skip = shares ? 1 : 2;

	ret = exec_config_parse(&c, argc - skip, argv + skip, &err);
	if (!ret && shares)
		ret = exec_shares(&x, &err);
	if (!ret)
		ret = exec_read_release(&x, &err);
	if (!ret)
		ret = exec_make_initramfs(&x, &err);
	if (ret) {
		pr_err("%s", err.msg);
		return 1;
	}
	ret = fwrite(x.initramfs.data, 1, x.initramfs.len, stdout) !=
	      x.initramfs.len;
	membuf_free(&x.initramfs);
	exec_config_free(&c);
	return ret;
}
