// SPDX-License-Identifier: MIT
/*
 * Finding virtiofsd, and starting and stopping one for real when it is
 * installed: no socket file or directory is left in TMPDIR, the process
 * group is gone after the stop, and an unusable DIR is bad input.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/fs/virtiofsd.h"

TestSuite(virtiofsd, .timeout = 20);

Test(virtiofsd, missing_names_the_debian_packages)
{
	static const char *const none[] = { "/nonexistent/virtiofsd", NULL };
	const char *path = NULL;
	struct err err = { 0 };

	cr_assert_eq(virtiofsd_find(NULL, none, "--fs /x", &path, &err),
		     -ENOENT);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "qemu-system-common"), "%s", err.msg);
	cr_assert(strstr(err.msg, "SQUEEZE_VIRTIOFSD"), "%s", err.msg);
}

Test(virtiofsd, explicit_program_must_be_executable)
{
	static const char *const some[] = { "/bin/true", NULL };
	char plain[] = "/var/tmp/squeeze-notexec-XXXXXX";
	const char *path = NULL;
	struct err err = { 0 };
	int fd = mkstemp(plain);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(virtiofsd_find(plain, some, "--fs /x", &path, &err),
		     -ENOENT);
	unlink(plain);
	cr_assert(strstr(err.msg, "is not an executable file"), "%s", err.msg);
	/* A directory passes access(X_OK) for root, but is no program. */
	cr_assert_eq(virtiofsd_find("/tmp", some, "--fs /x", &path, &err),
		     -ENOENT);
	cr_assert_eq(virtiofsd_find("/bin/sh", some, "--fs /x", &path, &err),
		     0);
	cr_assert_str_eq(path, "/bin/sh");
	/* Empty means unset: the list is searched. */
	cr_assert_eq(virtiofsd_find("", some, "--fs /x", &path, &err), 0);
	cr_assert_str_eq(path, "/bin/true");
}

static bool dir_empty(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	bool empty = true;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

Test(virtiofsd, start_and_stop_leave_nothing_behind)
{
	char tmp[] = "/var/tmp/squeeze-vfsd-XXXXXX";
	struct virtiofsd_options o = { .what = "--fs test" };
	const char *path;
	struct virtiofsd v;
	struct err err = { 0 };
	pid_t pid;
	int sock;

	if (virtiofsd_find(NULL, virtiofsd_paths, "", &path, &err))
		cr_skip_test("virtiofsd is not installed");
	cr_assert_not_null(mkdtemp(tmp));
	setenv("TMPDIR", tmp, 1);
	o.dir = "/nonexistent/dir";
	cr_assert_neq(virtiofsd_start(&v, &o, &sock, &err), 0);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "no such directory"), "%s", err.msg);
	o.dir = "/etc/hostname";
	cr_assert_neq(virtiofsd_start(&v, &o, &sock, &err), 0);
	cr_assert(strstr(err.msg, "not a directory"), "%s", err.msg);

	o.dir = "/usr/share/doc";
	cr_assert_eq(virtiofsd_start(&v, &o, &sock, &err), 0, "%s", err.msg);
	pid = v.pid;
	cr_assert_gt(pid, 0);
	cr_assert(dir_empty(tmp), "the private socket was left on disk");
	cr_assert_eq(kill(-pid, 0), 0);
	virtiofsd_stop(&v, sock);
	cr_assert(v.reaped);
	cr_assert_eq(kill(-pid, 0), -1, "a process of its group remains");
	cr_assert_eq(errno, ESRCH);
	close(sock);
	cr_assert_eq(rmdir(tmp), 0);
}
