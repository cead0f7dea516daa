// SPDX-License-Identifier: MIT
/*
 * `squeeze img info` of a VMDK image: its descriptor is read and its
 * extent files opened (read-only, confined to the descriptor's
 * directory) to report the virtual size and what the files take.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/vmdk/vmdk.h"
#include "vmm/base/file.h"
#include "vmm/img/img_info.h"
#include "vmm/img/img_util.h"

#define DESC_MAGIC "# Disk DescriptorFile"

bool img_is_vmdk(const char *path)
{
	char head[sizeof(DESC_MAGIC)] = { 0 };
	struct stat st;
	int fd = file_open(path, O_RDONLY, FILE_REG | FILE_BLK, &st);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, head, sizeof(head) - 1, 0);
	close(fd);
	return (n >= 4 && !memcmp(head, "KDMV", 4)) ||
	       (n == sizeof(head) - 1 && !strcmp(head, DESC_MAGIC));
}

int img_info_vmdk(const char *path, bool json)
{
	struct err err = { 0 };
	struct stat st;
	struct vmdk *v;
	int fd;

	fd = file_open(path, O_RDONLY, FILE_REG | FILE_BLK, &st);
	if (fd < 0 || vmdk_open(&v, fd, path, NULL, &err)) {
		if (fd >= 0)
			close(fd);
		return img_fail(2, "%s", err.msg[0] ? err.msg : "cannot open");
	}
	if (json) {
		printf("{\n");
		img_json_str(stdout, "filename", path, false);
		img_json_str(stdout, "format", "vmdk", false);
		printf("    \"virtual-size\": %llu,\n",
		       (unsigned long long)vmdk_size(v));
		printf("    \"format-specific\": {\"type\": \"vmdk\", \"data\": {\"create-type\": \"%s\"}},\n",
		       vmdk_create_type(v));
		printf("    \"actual-size\": %llu\n}\n",
		       (unsigned long long)vmdk_allocated_bytes(v));
	} else {
		printf("image: %s\nfile format: vmdk\n", path);
		printf("virtual size: %llu bytes\n",
		       (unsigned long long)vmdk_size(v));
		printf("create type: %s\n", vmdk_create_type(v));
		printf("disk size: %llu bytes\n",
		       (unsigned long long)vmdk_allocated_bytes(v));
	}
	vmdk_close(v);
	close(fd);
	return 0;
}
