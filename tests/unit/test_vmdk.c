// SPDX-License-Identifier: MIT
/*
 * VMDK, read-only: the descriptor parser on good and hostile text, and a
 * monolithicSparse image laid out by hand (header, grain directory, one
 * grain table, two grains) read through vmdk_open()/vmdk_read(), then
 * broken one field at a time. Images qemu-img makes are read in
 * tests/driver/test_vmdk_read.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/vmdk/vmdk_int.h"

static struct vmdk_desc d;
static struct err err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	vmdk_desc_free(&d);
	return vmdk_parse_desc(text, strlen(text), &d, &err);
}

#define HEAD                                               \
	"# Disk DescriptorFile\nversion=1\nCID=12345678\n" \
	"parentCID=ffffffff\ncreateType=\"twoGbMaxExtentFlat\"\n"

Test(vmdk_desc, good)
{
	cr_assert_eq(parse(HEAD
			   "RW 4192256 FLAT \"a-f001.vmdk\" 0\n"
			   "RDONLY 100 FLAT \"a-f002.vmdk\" 7\n"
			   "RW 8 ZERO\n# ddb\nddb.adapterType = \"ide\"\n"),
		     0, "%s", err.msg);
	cr_expect_str_eq(d.create_type, "twoGbMaxExtentFlat");
	cr_assert_eq(d.nr_ext, 3);
	cr_expect_eq(d.ext[0].sectors, 4192256);
	cr_expect_str_eq(d.ext[1].name, "a-f002.vmdk");
	cr_expect_eq(d.ext[1].offset, 7);
	cr_expect_eq(d.ext[2].type, VMDK_EXT_ZERO);
	vmdk_desc_free(&d);
}

Test(vmdk_desc, refused)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ HEAD, "no extent" },
		{ "createType=\"vmfsSparse\"\nRW 1 SPARSE \"x\"\n",
		  "not supported" },
		{ "parentCID=1234abcd\n", "parent" },
		{ HEAD "parentFileNameHint=\"base.vmdk\"\n", "parent" },
		{ HEAD "NOACCESS 100 FLAT \"x\" 0\n", "NOACCESS" },
		{ HEAD "RW 0 FLAT \"x\" 0\n", "bad size" },
		{ HEAD "RW 99999999999999999999 FLAT \"x\" 0\n",
		  "bad extent size" },
		{ HEAD "RW 140737488355329 FLAT \"x\" 0\n", "bad size" },
		{ HEAD "RW 100 COWD \"x\"\n", "not supported" },
		{ HEAD "RW 100 FLAT \"\" 0\n", "name" },
		{ HEAD "RW 100 FLAT \"x\" 0 junk\n", "junk" },
		{ HEAD "RW 100 FLAT \"a\x01\" 0\n", "name" },
		{ HEAD "what is this\n", "not understood" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_expect_neq(parse(bad[i].text), 0, "accepted case %u", i);
		cr_expect(strstr(err.msg, bad[i].why),
			  "case %u: '%s' lacks '%s'", i, err.msg, bad[i].why);
	}
	vmdk_desc_free(&d);
}

Test(vmdk_desc, sizes_add_up_without_overflow)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 HEAD "RW %llu FLAT \"a\" 0\nRW %llu FLAT \"b\" 0\n",
		 VMDK_MAX_SECTORS - 10, 11ULL);
	cr_expect_neq(parse(text), 0);
	vmdk_desc_free(&d);
}

/* A 4 MiB monolithicSparse image: 64 KiB grains, 512 per grain table. */
#define GRAIN_SEC 128
#define CAP_SEC	  (4 * MiB / 512)
#define DESC_SEC  1
#define GD_SEC	  3
#define GT_SEC	  4
#define G0_SEC	  8
#define FILE_LEN  ((G0_SEC + 2 * GRAIN_SEC) * 512)

static int fd;
static char path[64];

static void put32(u64 off, u32 v)
{
	u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	cr_assert_eq(pwrite(fd, b, 4, off), 4);
}

static void put64(u64 off, u64 v)
{
	put32(off, v);
	put32(off + 4, v >> 32);
}

static void make_image(void)
{
	static const char desc[] =
		"# Disk DescriptorFile\nversion=1\n"
		"CID=1\nparentCID=ffffffff\ncreateType=\"monolithicSparse\"\n"
		"RW 8192 SPARSE \"whatever.vmdk\"\n";
	u8 grain[GRAIN_SEC * 512];

	fd = memfd_create("vmdk-test", 0);
	cr_assert_geq(fd, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cr_assert_eq(ftruncate(fd, FILE_LEN), 0);
	put32(0, VMDK_MAGIC);
	put32(4, 1);
	put32(8, 3);
	put64(12, CAP_SEC);
	put64(20, GRAIN_SEC);
	put64(28, DESC_SEC);
	put64(36, 2);
	put32(44, 512);
	put64(48, GD_SEC); /* rgd: the same, unused */
	put64(56, GD_SEC);
	cr_assert_eq(pwrite(fd, desc, strlen(desc), DESC_SEC * 512),
		     (ssize_t)strlen(desc));
	put32(GD_SEC * 512, GT_SEC);			  /* one grain table */
	put32(GT_SEC * 512 + 0, G0_SEC);		  /* grain 0 */
	put32(GT_SEC * 512 + 4 * 40, G0_SEC + GRAIN_SEC); /* grain 40 */
	memset(grain, 0xa1, sizeof(grain));
	cr_assert_eq(pwrite(fd, grain, sizeof(grain), G0_SEC * 512),
		     (ssize_t)sizeof(grain));
	memset(grain, 0xb2, sizeof(grain));
	cr_assert_eq(
		pwrite(fd, grain, sizeof(grain), (G0_SEC + GRAIN_SEC) * 512),
		(ssize_t)sizeof(grain));
}

static struct vmdk *open_image(void)
{
	struct vmdk *v = NULL;

	memset(&err, 0, sizeof(err));
	vmdk_open(&v, fd, path, NULL, &err);
	return v;
}

TestSuite(vmdk_sparse, .init = make_image);

Test(vmdk_sparse, reads_grains_and_holes)
{
	struct vmdk *v = open_image();
	u8 buf[8192];
	u64 run;
	u32 flags;

	cr_assert_not_null(v, "%s", err.msg);
	cr_expect_eq(vmdk_size(v), 4 * MiB);
	cr_expect_str_eq(vmdk_create_type(v), "monolithicSparse");
	cr_assert_eq(vmdk_read(v, 65536 - 4096, buf, 8192), 0);
	cr_expect_eq(buf[0], 0xa1);
	cr_expect_eq(buf[4095], 0xa1);
	cr_expect_eq(buf[4096], 0, "grain 1 is not allocated");
	cr_assert_eq(vmdk_read(v, 40 * 65536, buf, 512), 0);
	cr_expect_eq(buf[0], 0xb2);
	cr_assert_eq(vmdk_status(v, 0, 4 * MiB, &run, &flags), 0);
	cr_expect_eq(run, 65536);
	cr_expect_eq(flags, 0);
	cr_assert_eq(vmdk_status(v, 65536, 4 * MiB - 65536, &run, &flags), 0);
	cr_expect_eq(run, 39 * 65536);
	cr_expect_neq(flags, 0);
	cr_expect_eq(vmdk_read(v, 4 * MiB - 512, buf, 1024), -EINVAL);
	vmdk_close(v);
}

Test(vmdk_sparse, grain_past_the_end)
{
	struct vmdk *v;
	u8 buf[512];

	put32(GT_SEC * 512 + 4 * 40, 0x7fffffff);
	v = open_image();
	cr_assert_not_null(v, "%s", err.msg);
	cr_expect_eq(vmdk_read(v, 40 * 65536, buf, 512), -EIO);
	cr_expect_eq(vmdk_read(v, 0, buf, 512), 0, "the others still read");
	vmdk_close(v);
}

Test(vmdk_sparse, grain_table_past_the_end)
{
	struct vmdk *v;
	u8 buf[512];

	put32(GD_SEC * 512, 0x10000000);
	v = open_image();
	cr_assert_not_null(v, "%s", err.msg);
	cr_expect_eq(vmdk_read(v, 0, buf, 512), -EIO);
	vmdk_close(v);
}

Test(vmdk_sparse, header_refusals)
{
	static const struct {
		u64 off;
		u64 val;
		bool wide;
		const char *why;
	} bad[] = {
		{ 0, 0x12345678, false, "magic" },
		{ 4, 9, false, "version" },
		{ 12, 1ULL << 60, true, "capacity" },
		{ 12, (1ULL << 47) - 1, true, "grain directory" },
		{ 20, 3, true, "grain size" },
		{ 44, 1000, false, "grain table entries" },
		{ 56, 1ULL << 40, true, "grain directory" },
		{ 28, 1ULL << 40, true, "descriptor" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		make_image();
		if (bad[i].wide)
			put64(bad[i].off, bad[i].val);
		else
			put32(bad[i].off, bad[i].val);
		cr_expect_null(open_image(), "case %u accepted", i);
		cr_expect(strstr(err.msg, bad[i].why),
			  "case %u: '%s' lacks '%s'", i, err.msg, bad[i].why);
		close(fd);
	}
}

Test(vmdk_sparse, extent_names_stay_in_the_directory)
{
	static const char *const names[] = { "/etc/passwd", "../x.vmdk",
					     "a/../../b" };
	char text[256];
	unsigned int i;
	int dfd;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		dfd = memfd_create("vmdk-desc", 0);
		snprintf(text, sizeof(text), HEAD "RW 100 FLAT \"%s\" 0\n",
			 names[i]);
		cr_assert_eq(write(dfd, text, strlen(text)),
			     (ssize_t)strlen(text));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
		fd = dfd;
		cr_expect_null(open_image(), "'%s' opened", names[i]);
		cr_expect(strstr(err.msg, "extent file name") &&
				  strstr(err.msg, "backing-dir="),
			  "%s", err.msg);
		close(dfd);
	}
}
