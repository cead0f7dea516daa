// SPDX-License-Identifier: MIT
/*
 * Domain XML, a disk's <backingStore> chain: checked against the backing
 * names the qcow2 images record (made here by the engine, in a fresh
 * directory), it gives the disk backing-dir= with the directory of the
 * files named by absolute paths, and nothing for relative names; a chain
 * that is not the images' own is refused with one line.
 */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/qcow2/qcow2.h"
#include "domxml_fixture.h"

static char dir[64];

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-domxml-backing.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	fixture_fini();
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(domxml_backing, .init = setup, .fini = teardown);

/* $DIR/@name as a path, in one of four rotating buffers. */
static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void raw_file(const char *name)
{
	int fd = open(at(name), O_CREAT | O_WRONLY | O_EXCL, 0644);

	cr_assert_geq(fd, 0, "%s", at(name));
	cr_assert_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
}

/* A qcow2 image @name recording @backing (as stored) of format @fmt. */
static void qcow2_file(const char *name, const char *backing, const char *fmt)
{
	struct qcow2_create_opts o = { .size = 1 << 20,
				       .cluster_bits = 16,
				       .version = 3,
				       .backing = backing,
				       .backing_fmt = fmt };
	struct err e = { 0 };
	int fd = open(at(name), O_CREAT | O_RDWR | O_EXCL, 0644);

	cr_assert_geq(fd, 0, "%s", at(name));
	cr_assert_eq(qcow2_create_fd(fd, &o, &e), 0, "%s", e.msg);
	close(fd);
}

static char xml[4096], want[1024];

/* A domain whose one disk, @image (qcow2), has @chain after its source. */
static const char *domain(const char *image, const char *chain)
{
	snprintf(xml, sizeof(xml),
		 DEV("<disk type='file'><driver type='qcow2'/>"
		     "<source file='%s'/>\n%s\n<target dev='vda'/></disk>\n"),
		 image, chain);
	return xml;
}

/* <backingStore type='file'> naming @file, format @fmt, then @inner. */
static const char *store(const char *file, const char *fmt, const char *inner)
{
	static char buf[2][1024];
	static int i;
	char tmp[1024];

	snprintf(tmp, sizeof(tmp),
		 "<backingStore type='file'><format type='%s'/>"
		 "<source file='%s'/>%s</backingStore>",
		 fmt, file, inner);
	i = !i;
	memcpy(buf[i], tmp, sizeof(tmp));
	return buf[i];
}

static const char *args(const char *disk)
{
	snprintf(want, sizeof(want), BASE_ARGS " --disk %s " BASE_TAIL, disk);
	return want;
}

Test(domxml_backing, absolute_name_gives_backing_dir)
{
	char spec[512];

	mkdir(at("base"), 0755);
	raw_file("base/base.raw");
	qcow2_file("top.qcow2", at("base/base.raw"), "raw");
	snprintf(spec, sizeof(spec), "%s,format=qcow2,backing-dir=%s",
		 at("top.qcow2"), at("base"));
	expect_args(domain(at("top.qcow2"), store(at("base/base.raw"), "raw",
						  "<backingStore/>")),
		    args(spec));
	cr_assert_eq(dx.nr_warn, 0, "%s", dx.warn[0]);
	/* Named through a symlink: the same file, its real directory. */
	cr_assert_eq(symlink(at("base"), at("link")), 0);
	expect_args(
		domain(at("top.qcow2"), store(at("link/base.raw"), "raw", "")),
		args(spec));
}

Test(domxml_backing, relative_name_needs_nothing)
{
	char spec[512];

	raw_file("base.raw");
	qcow2_file("top.qcow2", "base.raw", "raw");
	snprintf(spec, sizeof(spec), "%s,format=qcow2", at("top.qcow2"));
	expect_args(domain(at("top.qcow2"), store(at("base.raw"), "raw", "")),
		    args(spec));
}

/* top -> /abs/mid.qcow2 -> base.raw (relative to mid): both checked. */
Test(domxml_backing, two_levels)
{
	char spec[512];

	mkdir(at("b"), 0755);
	raw_file("b/base.raw");
	qcow2_file("b/mid.qcow2", "base.raw", "raw");
	qcow2_file("top.qcow2", at("b/mid.qcow2"), "qcow2");
	snprintf(spec, sizeof(spec), "%s,format=qcow2,backing-dir=%s",
		 at("top.qcow2"), at("b"));
	expect_args(domain(at("top.qcow2"), store(at("b/mid.qcow2"), "qcow2",
						  store(at("b/base.raw"), "raw",
							"<backingStore/>"))),
		    args(spec));
	/* The domain leaves out the last level: refused, it must be all. */
	expect_refused(
		domain(at("top.qcow2"), store(at("b/mid.qcow2"), "qcow2", "")),
		"records backing file 'base.raw', which the domain's chain does not name");
	/* The chain's absolute names in two directories: one backing-dir=. */
	mkdir(at("c"), 0755);
	raw_file("c/base.raw");
	qcow2_file("c/mid.qcow2", at("c/base.raw"), "raw");
	qcow2_file("top2.qcow2", at("b/mid.qcow2"), "qcow2");
	cr_assert_eq(unlink(at("b/mid.qcow2")), 0);
	cr_assert_eq(rename(at("c/mid.qcow2"), at("b/mid.qcow2")), 0);
	expect_refused(domain(at("top2.qcow2"),
			      store(at("b/mid.qcow2"), "qcow2",
				    store(at("c/base.raw"), "raw", ""))),
		       "backing-dir= names one directory");
}

Test(domxml_backing, not_the_images_chain)
{
	raw_file("base.raw");
	raw_file("other.raw");
	qcow2_file("top.qcow2", at("base.raw"), "raw");
	qcow2_file("alone.qcow2", NULL, NULL);
	snprintf(
		want, sizeof(want),
		"t.xml:7: <backingStore type='file'>: %s records backing file %s, not %s",
		at("top.qcow2"), at("base.raw"), at("other.raw"));
	expect_refused(
		domain(at("top.qcow2"), store(at("other.raw"), "raw", "")),
		want);
	expect_refused(
		domain(at("alone.qcow2"), store(at("base.raw"), "raw", "")),
		"alone.qcow2 records no backing file, but the domain names");
	expect_refused(
		domain(at("top.qcow2"), store(at("base.raw"), "qcow2", "")),
		"<format type='qcow2'>, but");
	expect_refused(
		domain(at("top.qcow2"), store(at("gone.raw"), "raw", "")),
		"gone.raw: No such file or directory");
	cr_assert_eq(unlink(at("base.raw")), 0);
	expect_refused(
		domain(at("top.qcow2"), store(at("other.raw"), "raw", "")),
		"base.raw: No such file or directory");
	/* A relative name is shown with the path it resolves to. */
	qcow2_file("rel.qcow2", "other.raw", "raw");
	snprintf(want, sizeof(want),
		 "rel.qcow2 records backing file 'other.raw' (%s), not %s",
		 at("other.raw"), at("base.raw"));
	raw_file("base.raw");
	expect_refused(
		domain(at("rel.qcow2"), store(at("base.raw"), "raw", "")),
		want);
	/* The image itself must be readable qcow2. */
	expect_refused(
		domain(at("none.qcow2"), store(at("other.raw"), "raw", "")),
		"cannot open");
	expect_refused(
		domain(at("other.raw"), store(at("base.raw"), "raw", "")),
		"other.raw is not a qcow2 image");
}

Test(domxml_backing, shapes_refused)
{
	raw_file("base.raw");
	qcow2_file("top.qcow2", at("base.raw"), "raw");
	/* A raw disk (no <driver type>: raw) has no backing file. */
	snprintf(xml, sizeof(xml),
		 DEV("<disk type='file'><source file='%s'/>%s"
		     "<target dev='vda'/></disk>\n"),
		 at("top.qcow2"), store(at("base.raw"), "raw", ""));
	expect_refused(
		xml,
		"top.qcow2 is read as raw (the disk has no <driver type='qcow2'/>): a raw image has no backing file");
	expect_refused(
		domain(at("top.qcow2"),
		       "<backingStore type='network'><source protocol='nbd'/></backingStore>"),
		"<backingStore type='network'>: squeeze follows backing files and block devices only");
	expect_refused(
		domain(at("top.qcow2"),
		       "<backingStore type='file'><format type='raw'/></backingStore>"),
		"<backingStore type='file'>: has no <source file=...>");
	expect_refused(
		domain(at("top.qcow2"),
		       "<backingStore type='file'><format type='vmdk'/>"
		       "<source file='/x'/></backingStore>"),
		"<format type='vmdk'>: squeeze reads raw and qcow2 images");
	expect_refused(domain(at("top.qcow2"),
			      "<backingStore type='file'><source file='/x'/>"
			      "<frob/></backingStore>"),
		       "<frob>: not supported by squeeze");
	/* A directory whose name has a comma cannot be a backing-dir=. */
	mkdir(at("a,b"), 0755);
	raw_file("a,b/base.raw");
	qcow2_file("comma.qcow2", at("a,b/base.raw"), "raw");
	expect_refused(
		domain(at("comma.qcow2"), store(at("a,b/base.raw"), "raw", "")),
		"has a comma");
}

/* An empty <backingStore/> reads nothing: the image need not exist. */
Test(domxml_backing, empty_reads_nothing)
{
	expect_args(domain("/nowhere/a.qcow2", "<backingStore/>"),
		    args("/nowhere/a.qcow2,format=qcow2"));
}
