// SPDX-License-Identifier: MIT
/*
 * Test tool: the initramfs `squeeze exec` would boot with, written to
 * stdout, so that a test can boot it under QEMU (whose virtio-serial is
 * an independent implementation of the console ports) and check squeeze's
 * init in a real Linux guest.
 *	exec-initramfs [squeeze exec options] -- COMMAND [ARG]... > FILE
 */
#include <stdio.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/exec/exec_int.h"

int main(int argc, char **argv)
{
	struct exec_config c;
	struct exec x = { .cfg = &c };
	struct err err = { 0 };
	int ret;

	ret = exec_config_parse(&c, argc - 1, argv + 1, &err);
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
