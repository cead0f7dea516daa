// SPDX-License-Identifier: MIT
/*
 * File names read from inside an image (a qcow2 backing file, a VMDK
 * extent) are data the user may not have written: which of them may be
 * opened (disk.h, disk_name_allowed()).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/disk.h"

static bool has_dotdot(const char *name)
{
	const char *p = name;
	size_t n;

	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

int disk_name_allowed(const char *who, const char *what, const char *name,
		      const char *path, const char *dir, char *out,
		      struct err *err)
{
	char real_dir[PATH_MAX];
	size_t n;

	if (name[0] != '/' && !has_dotdot(name)) {
		snprintf(out, PATH_MAX, "%s", path);
		return 0;
	}
	if (!dir)
		return err_input(
			err, -EPERM,
			"%s: %s name '%s' %s; follow it with --disk ...,backing-dir=DIR naming a directory that holds it",
			who, what, name,
			name[0] == '/' ?
				"is an absolute path" :
				"climbs out of the image's directory with '..'");
	if (!realpath(dir, real_dir))
		return err_input(err, -errno, "backing-dir=%s: %s", dir,
				 strerror(errno));
	if (!realpath(path, out))
		return err_input(err, -errno, "%s: cannot open %s %s: %s", who,
				 what, path, strerror(errno));
	n = strlen(real_dir);
	if (!strncmp(out, real_dir, n) &&
	    (out[n] == '/' || (n == 1 && real_dir[0] == '/')))
		return 0;
	return err_input(err, -EPERM,
			 "%s: %s '%s' (%s) is outside backing-dir=%s", who,
			 what, name, out, dir);
}
