// SPDX-License-Identifier: MIT
/*
 * virtio-fs in process, what the guest must not be able to do: write
 * through readonly=on (EROFS, host file unchanged), or reach a host file
 * outside the shared directory through "..", a name with a slash, or a
 * symbolic link (absolute or relative). And READDIR returns every name of
 * a large directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/driver/lib/fs_fixture.h"

TestSuite(fs_guard, .init = fsfx_setup, .fini = fsfx_teardown, .timeout = 60);

static const char original[] = "the host's own bytes\n";

Test(fs_guard, readonly_refuses_writes_with_erofs)
{
	struct fs_options o = { .readonly = true };
	struct fuse_entry_out e;
	struct stat before, after;
	struct fuse_drv *f;
	char path[256], back[64] = { 0 };
	u64 fh;
	int fd;

	fsfx_write_file("keep.txt", original, sizeof(original) - 1);
	fsfx_path(path, sizeof(path), "keep.txt");
	cr_assert_eq(stat(path, &before), 0);
	f = fsfx_add(o);

	cr_assert_eq(fuse_drv_create(f, FUSE_ROOT_ID, "new.txt",
				     O_WRONLY | O_CREAT, 0100644, &e, &fh),
		     -EROFS);
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "keep.txt", &e), 0);
	cr_assert_eq(fuse_drv_open_node(f, e.nodeid, O_RDWR, false, &fh),
		     -EROFS);
	cr_assert_eq(
		fuse_drv_open_node(f, e.nodeid, O_WRONLY | O_TRUNC, false, &fh),
		-EROFS);
	/* Reading still works. */
	cr_assert_eq(fuse_drv_open_node(f, e.nodeid, O_RDONLY, false, &fh), 0);
	fsfx_path(path, sizeof(path), "new.txt");
	cr_assert_neq(access(path, F_OK), 0, "new.txt appeared on the host");
	fsfx_path(path, sizeof(path), "keep.txt");
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(after.st_size, before.st_size);
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, back, sizeof(back)), sizeof(original) - 1);
	close(fd);
	cr_assert_str_eq(back, original);
}

/* The host file outside the share, and its inode number. */
static ino_t make_outside_secret(char *path, size_t size)
{
	struct stat st;
	int fd;

	snprintf(path, size, "%s/secret.txt", fsfx_dir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "SECRET", 6), 6);
	close(fd);
	cr_assert_eq(stat(path, &st), 0);
	return st.st_ino;
}

static void symlink_in_share(const char *target, const char *name)
{
	char path[256];

	fsfx_path(path, sizeof(path), name);
	cr_assert_eq(symlink(target, path), 0);
}

/* Whatever @node is, it is not the secret, and opening it gives nothing. */
static void assert_not_secret(struct fuse_drv *f,
			      const struct fuse_entry_out *e, ino_t secret)
{
	u64 fh, gpa = fsfx_galloc(4096, 4096);

	cr_assert_neq(e->attr.ino, secret, "a lookup reached the host file");
	if (fuse_drv_open_node(f, e->nodeid, O_RDONLY, false, &fh) == 0) {
		int n = fuse_drv_read(f, e->nodeid, fh, 0, gpa, 4096);

		cr_assert(n < 6 || memcmp(fsfx_gptr(gpa, 6), "SECRET", 6),
			  "read the host file outside the share");
	}
}

Test(fs_guard, dotdot_and_slashes_stay_inside)
{
	struct fuse_entry_out e, up;
	struct stat share;
	char secret_path[256];
	ino_t secret = make_outside_secret(secret_path, sizeof(secret_path));
	struct fuse_drv *f = fsfx_add((struct fs_options){ 0 });
	int ret;

	cr_assert_eq(stat(fsfx_share(), &share), 0);
	/* ".." of the root is the root itself, or refused. */
	ret = fuse_drv_lookup(f, FUSE_ROOT_ID, "..", &up);
	if (ret == 0) {
		cr_assert_eq(up.attr.ino, share.st_ino,
			     "\"..\" left the share");
		cr_assert_eq(fuse_drv_lookup(f, up.nodeid, "secret.txt", &e),
			     -ENOENT);
		ret = fuse_drv_lookup(f, up.nodeid, "..", &e);
		cr_assert(ret != 0 || e.attr.ino == share.st_ino);
	}
	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "secret.txt", &e),
		     -ENOENT);
	ret = fuse_drv_lookup(f, FUSE_ROOT_ID, "../secret.txt", &e);
	if (ret == 0)
		assert_not_secret(f, &e, secret);
	cr_assert_neq(ret, 0, "a name with a slash was looked up");
	ret = fuse_drv_lookup(f, FUSE_ROOT_ID, secret_path, &e);
	if (ret == 0)
		assert_not_secret(f, &e, secret);
	cr_assert_neq(ret, 0, "an absolute path was looked up");
}

Test(fs_guard, symlinks_are_not_followed_out)
{
	char secret_path[256], target[256];
	ino_t secret = make_outside_secret(secret_path, sizeof(secret_path));
	struct fuse_entry_out e, x;
	struct fuse_drv *f;

	symlink_in_share(secret_path, "abs");
	symlink_in_share("../secret.txt", "rel");
	symlink_in_share(fsfx_dir(), "absdir");
	f = fsfx_add((struct fs_options){ 0 });

	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "abs", &e), 0);
	cr_assert(S_ISLNK(e.attr.mode), "the link was followed");
	assert_not_secret(f, &e, secret);
	/* The target is text for the guest to resolve in its own tree. */
	cr_assert_eq(fuse_drv_readlink(f, e.nodeid, target, sizeof(target)), 0);
	cr_assert_str_eq(target, secret_path);

	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "rel", &e), 0);
	cr_assert(S_ISLNK(e.attr.mode));
	assert_not_secret(f, &e, secret);

	cr_assert_eq(fuse_drv_lookup(f, FUSE_ROOT_ID, "absdir", &e), 0);
	cr_assert(S_ISLNK(e.attr.mode));
	cr_assert_neq(fuse_drv_lookup(f, e.nodeid, "secret.txt", &x), 0,
		      "looked up a name through a symlink to a directory");
}

/* Every name in @buf's fuse_dirent records; the last offset in *@off. */
static unsigned int parse_dirents(const u8 *buf, int len, bool *seen,
				  unsigned int nr, u64 *off)
{
	unsigned int count = 0, idx;
	int pos = 0;

	while (pos + (int)FUSE_NAME_OFFSET <= len) {
		const struct fuse_dirent *d = (const void *)(buf + pos);
		char name[32] = { 0 };

		cr_assert_leq(pos + FUSE_DIRENT_SIZE(d), (size_t)len);
		memcpy(name, d->name, MIN(d->namelen, sizeof(name) - 1));
		if (sscanf(name, "f%4u", &idx) == 1 && idx < nr) {
			cr_assert_not(seen[idx], "%s twice", name);
			seen[idx] = true;
			count++;
		}
		*off = d->off;
		pos += FUSE_DIRENT_SIZE(d);
	}
	return count;
}

Test(fs_guard, readdir_returns_all_of_1000_names)
{
	enum { NR = 1000 };
	static bool seen[NR];
	unsigned int i, found = 0, calls = 0;
	u64 fh, off = 0, gpa = fsfx_galloc(8192, 4096);
	struct fuse_drv *f;
	char name[16];
	int n;

	for (i = 0; i < NR; i++) {
		snprintf(name, sizeof(name), "f%04u", i);
		fsfx_write_file(name, "", 0);
	}
	f = fsfx_add((struct fs_options){ 0 });
	cr_assert_eq(fuse_drv_open_node(f, FUSE_ROOT_ID, O_RDONLY, true, &fh),
		     0);
	/* 8 KiB at a time: the listing takes many calls. */
	while ((n = fuse_drv_readdir(f, FUSE_ROOT_ID, fh, off, gpa, 8192)) >
	       0) {
		found += parse_dirents(fsfx_gptr(gpa, n), n, seen, NR, &off);
		cr_assert_lt(++calls, 1000, "READDIR does not end");
	}
	cr_assert_eq(n, 0, "READDIR failed: %d", n);
	cr_assert_gt(calls, 1);
	cr_assert_eq(found, NR);
	cr_assert_eq(fuse_drv_release(f, FUSE_ROOT_ID, fh, true), 0);
}
