// SPDX-License-Identifier: MIT
/* Helpers the `squeeze img` commands share (img_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "devices/block/qcow2/qcow2.h"
#include "vmm/base/file.h"
#include "vmm/base/size.h"
#include "vmm/img/img_info.h"
#include "vmm/img/img_util.h"

void img_json_str(FILE *f, const char *key, const char *s, bool last)
{
	fprintf(f, "    \"%s\": \"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fprintf(f, "\"%s\n", last ? "" : ",");
}

int img_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("squeeze img: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int img_parse_qcow2_opts(char *opts, u64 *cluster_size, u32 *version)
{
	char *save = NULL, *kv;

	for (kv = strtok_r(opts, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "cluster_size=", 13)) {
			if (parse_size(kv + 13, cluster_size) ||
			    !IS_POW2(*cluster_size) || *cluster_size < 512 ||
			    *cluster_size > 2 * MiB)
				return img_fail(
					2,
					"cluster_size must be a power of two from 512 to 2M");
		} else if (!strcmp(kv, "compat=0.10")) {
			*version = 2;
		} else if (!strcmp(kv, "compat=1.1")) {
			*version = 3;
		} else {
			return img_fail(2, "unknown option '%s'", kv);
		}
	}
	return 0;
}

int img_open_locked(const char *path, bool readonly, struct err *err)
{
	char holder[DISK_HOLDER_LEN];
	struct stat st;
	int fd, ret;

	fd = file_open(path, readonly ? O_RDONLY : O_RDWR, FILE_REG | FILE_BLK,
		       &st);
	if (fd == -EISDIR || fd == -FILE_EKIND)
		return err_input(err, fd, "%s is %s, not an image", path,
				 file_kind_name(st.st_mode));
	if (fd < 0)
		return err_input(err, fd, "%s: %s", path, strerror(-fd));
	ret = disk_lock_fd(fd, readonly);
	if (!ret)
		return fd;
	if (ret == -EBUSY) {
		disk_lock_holder(fd, holder, sizeof(holder));
		close(fd);
		return err_input(
			err, ret,
			"%s is in use by %s (a running VM holds the image's lock)",
			path, holder);
	}
	close(fd);
	return err_host(err, ret, "%s: cannot lock: %s", path, strerror(-ret));
}

int img_has_qcow2_magic(int fd)
{
	u8 magic[4];
	ssize_t n = pread(fd, magic, sizeof(magic), 0);

	if (n < 0)
		return -errno;
	return n == 4 && qcow2_get32(magic) == QCOW2_MAGIC;
}

int img_disk_open(struct disk *d, const struct disk_options *o, struct err *err)
{
	struct disk_options opt = *o;
	const char *claim = NULL;
	struct stat st;
	int fd;

	if (o->format == DISK_FMT_UNSPECIFIED) {
		fd = file_open(o->path, O_RDONLY, FILE_REG | FILE_BLK, &st);
		if (fd >= 0 && img_has_qcow2_magic(fd) > 0)
			claim = "qcow2";
		if (fd >= 0)
			close(fd);
		if (!claim && img_is_vmdk(o->path))
			claim = "vmdk";
		if (claim)
			return err_input(
				err, -EINVAL,
				"%s starts like a %s image; say -f %s or -f raw (the format is never guessed)",
				o->path, claim, claim);
		opt.format = DISK_FMT_RAW;
	}
	if (o->format == DISK_FMT_VMDK && !o->readonly)
		return err_input(err, -EROFS,
				 "%s: vmdk images are read-only here", o->path);
	return disk_open(d, &opt, err);
}
