// SPDX-License-Identifier: MIT
/*
 * virtio-fs in process against a real virtiofsd that squeeze's own code
 * started: the FUSE requests Linux's virtiofs sends to read and write a
 * host file, checked against the host's own view of the directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/fs_fixture.h"
#include "vmm/core/layout.h"

TestSuite(fs, .init = fsfx_setup, .fini = fsfx_teardown, .timeout = 60);

Test(fs, config_space_has_tag_and_one_request_queue)
{
	struct fs_options o = { 0 };
	struct fuse_drv *f;

	strcpy(o.tag, "hostshare");
	f = fsfx_add(o);
	cr_assert_str_eq(f->tag, "hostshare");
	cr_assert_eq(f->num_request_queues, 1);
	cr_assert_eq(f->init.major, FUSE_KERNEL_VERSION);
	cr_assert_gt(f->init.minor, 0);
}

Test(fs, lookup_getattr_open_read_host_file)
{
	static u8 data[300 * 1024];
	struct fuse_entry_out e;
	struct fuse_attr_out a;
	struct fuse_drv *f;
	struct stat st;
	char path[256];
	u64 fh, gpa;
	size_t i;
	int n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7 + i / 4096);
	fsfx_write_file("hello.bin", data, sizeof(data));
	fsfx_path(path, sizeof(path), "hello.bin");
	cr_assert_eq(stat(path, &st), 0);
	f = fsfx_add((struct fs_options){ 0 });

	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "hello.bin", &e), 0);
	cr_assert_neq(e.nodeid, 0);
	cr_assert_eq(e.attr.ino, st.st_ino);
	cr_assert_eq(e.attr.size, sizeof(data));
	cr_assert_eq(fuse_drv_getattr(f, e.nodeid, &a), 0);
	cr_assert_eq(a.attr.size, sizeof(data));
	cr_assert_eq(a.attr.mode, st.st_mode);
	cr_assert_eq(fuse_drv_open_node(f, e.nodeid, O_RDONLY, false, &fh), 0);
	gpa = fsfx_galloc(sizeof(data), 4096);
	/* Three reads of 128 KiB, the last one short at end of file. */
	for (i = 0; i < sizeof(data); i += (size_t)n) {
		n = fuse_drv_read(f, e.nodeid, fh, i, gpa + i, 128 * 1024);
		cr_assert_gt(n, 0, "read at %zu: %d", i, n);
	}
	cr_assert_eq(i, sizeof(data));
	cr_assert_eq(fuse_drv_read(f, e.nodeid, fh, i, gpa, 4096), 0);
	cr_assert_arr_eq(fsfx_gptr(gpa, sizeof(data)), data, sizeof(data));
	cr_assert_eq(fuse_drv_release(f, e.nodeid, fh, false), 0);
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "nosuch", &e), -ENOENT);
}

Test(fs, create_write_flush_reaches_host)
{
	static const char msg[] =
		"written by the in-process virtio-fs driver\n";
	struct fuse_entry_out e;
	struct fuse_drv *f = fsfx_add((struct fs_options){ 0 });
	u64 fh, gpa = fsfx_galloc(4096, 4096);
	char path[256], back[sizeof(msg)];
	int fd;

	memcpy(fsfx_gptr(gpa, sizeof(msg)), msg, sizeof(msg));
	cr_assert_eq(fuse_drv_create(f, FUSE_ROOT_ID, "new.txt",
				     O_WRONLY | O_CREAT | O_EXCL, 0100644, &e,
				     &fh),
		     0);
	cr_assert_eq(fuse_drv_write(f, e.nodeid, fh, 0, gpa, sizeof(msg) - 1),
		     sizeof(msg) - 1);
	cr_assert_eq(fuse_drv_flush(f, e.nodeid, fh), 0);
	fsfx_path(path, sizeof(path), "new.txt");
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "the file is not on the host");
	memset(back, 0, sizeof(back));
	cr_assert_eq(read(fd, back, sizeof(back)), sizeof(msg) - 1);
	close(fd);
	cr_assert_str_eq(back, msg);
	cr_assert_eq(fuse_drv_release(f, e.nodeid, fh, false), 0);
}

/* Buffers above 4 GiB: the back-end maps the high region of the table. */
Test(fs, data_above_4g_both_ways)
{
	static u8 data[64 * 1024];
	u64 hi = LAYOUT_HIGH_RAM_START + 64 * MiB, fh;
	struct fuse_entry_out e;
	struct fuse_drv *f;
	char path[256];
	u8 back[sizeof(data)];
	size_t i;
	int fd;

	cr_assert_gt(fsfx_env()->mem.nr, 1, "no RAM above 4 GiB");
	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i ^ (i >> 8));
	fsfx_write_file("in.bin", data, sizeof(data));
	f = fsfx_add((struct fs_options){ 0 });
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "in.bin", &e), 0);
	cr_assert_eq(fuse_drv_open_node(f, e.nodeid, O_RDONLY, false, &fh), 0);
	cr_assert_eq(fuse_drv_read(f, e.nodeid, fh, 0, hi, sizeof(data)),
		     sizeof(data));
	cr_assert_arr_eq(fsfx_gptr(hi, sizeof(data)), data, sizeof(data));

	/* And back out from there into a new host file. */
	cr_assert_eq(fuse_drv_create(f, FUSE_ROOT_ID, "out.bin",
				     O_WRONLY | O_CREAT, 0100644, &e, &fh),
		     0);
	cr_assert_eq(fuse_drv_write(f, e.nodeid, fh, 0, hi, sizeof(data)),
		     sizeof(data));
	cr_assert_eq(fuse_drv_flush(f, e.nodeid, fh), 0);
	fsfx_path(path, sizeof(path), "out.bin");
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, back, sizeof(back)), sizeof(back));
	close(fd);
	cr_assert_arr_eq(back, data, sizeof(data));
}
