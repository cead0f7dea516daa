// SPDX-License-Identifier: MIT
/*
 * The initramfs `squeeze exec` generates, unpacked with cpio(1): the
 * files, the init's mode bits, and the modules of the Debian cloud
 * kernel the tests download (guests/fetch-kernel.sh, depmod'ed by
 * tests/integration/exec.mk), each after what modules.dep says it needs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "firmware/boot/boot.h"
#include "tests/unit/slurp.h"
#include "vmm/exec/initramfs.h"
#include "vmm/exec/modules.h"

#define DEBIAN "build/debian"

static const char *const needed[] = { "virtio_pci", "virtio_console",
				      "virtiofs", "overlay" };

/* The release of the downloaded kernel, its modules dir; or skip. */
static void debian(char *rel, size_t rlen, char *dir, size_t dlen)
{
	char *v;
	size_t n = 0;

	v = test_slurp(DEBIAN "/version", &n);
	if (!v || access(DEBIAN "/.depmod", F_OK))
		cr_skip_test("the Debian kernel is not fetched (make debian)");
	v[strcspn(v, "\n")] = 0;
	snprintf(rel, rlen, "%s", v);
	snprintf(dir, dlen, DEBIAN "/root/lib/modules/%s", v);
	free(v);
}

Test(exec_initramfs, release_read_from_the_kernel_image)
{
	char rel[128], dir[256], got[128];
	size_t n = 0;
	u8 *img;

	debian(rel, sizeof(rel), dir, sizeof(dir));
	img = (u8 *)test_slurp(DEBIAN "/vmlinuz", &n);
	cr_assert(kernel_release(img, n, got, sizeof(got)));
	cr_assert_str_eq(got, rel);
	free(img);
	img = (u8 *)test_slurp(DEBIAN "/vmlinux", &n);
	cr_assert(kernel_release(img, n, got, sizeof(got)));
	cr_assert_str_eq(got, rel);
	free(img);
	img = (u8 *)test_slurp("build/guests/hello.elf", &n);
	cr_assert_not_null(img);
	cr_assert_not(kernel_release(img, n, got, sizeof(got)));
	free(img);
}

/* Where @name stands in the unpacked spec's module list; -1 if absent. */
static int pos(char **mods, int n, const char *name)
{
	char m[64];
	int i;

	for (i = 0; i < n; i++) {
		exec_module_name(mods[i], m, sizeof(m));
		if (!strcmp(m, name))
			return i;
	}
	return -1;
}

/* Every module after each one modules.dep says it needs. */
static void check_order(const char *dir, char **mods, int n)
{
	char path[512], line[4096], name[64], dep[64], *tok, *colon;
	FILE *f;
	int me;

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		exec_module_name(line, name, sizeof(name));
		me = pos(mods, n, name);
		if (me < 0)
			continue;
		for (tok = strtok(colon + 1, " \n"); tok;
		     tok = strtok(NULL, " \n")) {
			exec_module_name(tok, dep, sizeof(dep));
			cr_assert_geq(pos(mods, n, dep), 0, "%s needs %s", name,
				      dep);
			cr_assert_lt(pos(mods, n, dep), me, "%s before %s", dep,
				     name);
		}
	}
	fclose(f);
}

Test(exec_initramfs, unpacked_with_cpio)
{
	char rel[128], dir[256], tmp[] = "/tmp/sqz-initramfs-XXXXXX";
	char cmd[512], path[512], *argv[] = { "uname", "-r" };
	char *spec, *mods[64], *s;
	struct exec_initramfs in = {
		.spec = { .argv = argv, .argc = 2, .cwd = "/srv" },
		.modules = needed,
		.nr_modules = 4,
		.init = exec_init_blob,
		.init_len = exec_init_blob_end - exec_init_blob,
	};
	struct membuf out = { 0 };
	struct err err;
	struct stat st;
	size_t n = 0, len = 0;
	int nmods = 0;
	FILE *f;

	debian(rel, sizeof(rel), dir, sizeof(dir));
	in.release = rel;
	in.modules_dir = dir;
	cr_assert_eq(exec_initramfs_build(&out, &in, &err), 0, "%s", err.msg);
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s.cpio", tmp);
	f = fopen(path, "w");
	cr_assert_eq(fwrite(out.data, 1, out.len, f), out.len);
	fclose(f);
	membuf_free(&out);
	snprintf(cmd, sizeof(cmd), "cd %s && cpio -id --quiet < %s.cpio", tmp,
		 tmp);
	cr_assert_eq(system(cmd), 0);
	/* The init: the blob squeeze carries, executable. */
	snprintf(path, sizeof(path), "%s/init", tmp);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq((size_t)st.st_size, in.init_len);
	snprintf(path, sizeof(path), "%s/dev/console", tmp);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 1));
	/* The spec: command, cwd, then the modules in load order. */
	snprintf(path, sizeof(path), "%s/squeeze/spec", tmp);
	spec = test_slurp(path, &len);
	cr_assert_not_null(spec);
	cr_assert_str_eq(spec, "squeeze-exec 1");
	for (s = spec + strlen(spec) + 1; s < spec + len; s += n + 1) {
		n = strlen(s);
		if (!strcmp(s, "module"))
			mods[nmods++] = s + n + 1;
		if (!strcmp(s, "cwd"))
			cr_assert_str_eq(s + n + 1, "/srv");
		s += n + 1;
		n = strlen(s);
	}
	cr_assert_geq(pos(mods, nmods, "virtio_pci"), 0);
	cr_assert_geq(pos(mods, nmods, "virtio_console"), 0);
	cr_assert_geq(pos(mods, nmods, "virtiofs"), 0);
	cr_assert_geq(pos(mods, nmods, "fuse"), 0);
	cr_assert_geq(pos(mods, nmods, "overlay"), 0);
	cr_assert_geq(pos(mods, nmods, "virtio_ring"), 0);
	check_order(dir, mods, nmods);
	for (int i = 0; i < nmods; i++) {
		char src[512];
		size_t a = 0, b = 0;
		char *x, *y;

		snprintf(path, sizeof(path), "%s%s", tmp, mods[i]);
		cr_assert_eq(access(path, R_OK), 0, "%s missing", mods[i]);
		snprintf(src, sizeof(src),
			 "find %s -name %s | head -n 1 > %s.src", dir,
			 strrchr(mods[i], '/') + 1, tmp);
		cr_assert_eq(system(src), 0);
		snprintf(src, sizeof(src), "%s.src", tmp);
		x = test_slurp(src, &a);
		x[strcspn(x, "\n")] = 0;
		y = test_slurp(x, &a);
		free(x);
		x = test_slurp(path, &b);
		cr_assert(a == b && !memcmp(x, y, a), "%s differs", mods[i]);
		free(x);
		free(y);
		cr_log_info("module %d: %s", i, mods[i]);
	}
	free(spec);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s.cpio %s.src", tmp, tmp, tmp);
	cr_assert_eq(system(cmd), 0);
}

Test(exec_initramfs, no_modules_for_the_release_is_one_clear_line)
{
	char *argv[] = { "true" };
	struct exec_initramfs in = {
		.spec = { .argv = argv, .argc = 1 },
		.release = "9.9.9-no-such-release",
		.modules = needed,
		.nr_modules = 4,
		.init = exec_init_blob,
		.init_len = exec_init_blob_end - exec_init_blob,
	};
	struct membuf out = { 0 };
	struct err err = { 0 };

	cr_assert_neq(exec_initramfs_build(&out, &in, &err), 0);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg,
			 "/lib/modules/9.9.9-no-such-release/modules.dep"),
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "--modules"), "%s", err.msg);
	cr_assert_null(strchr(err.msg, '\n'));
	/* A module the tree lacks is named, with where it was looked for. */
	in.release = "x";
	in.modules_dir = "tests/unit";
	cr_assert_neq(exec_initramfs_build(&out, &in, &err), 0);
	cr_assert(strstr(err.msg, "tests/unit/modules.dep"), "%s", err.msg);
}
