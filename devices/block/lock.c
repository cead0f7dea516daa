// SPDX-License-Identifier: MIT
/*
 * Image locks: OFD locks on every file a VM uses (a write lock on an image
 * opened read-write, a read lock on read-only images and backing files),
 * and naming who holds one when ours is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices/block/disk.h"

/*
 * An OFD lock belongs to the open file, not the process, so it also
 * guards against a second disk in the same squeeze. Write lock for
 * read-write, read lock for read-only: readers may share.
 */
int disk_lock_fd(int fd, bool readonly)
{
	struct flock fl = {
		.l_type = readonly ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return -EBUSY;
	return -errno;
}

/* Does /proc/@pid/fdinfo/@fd show an OFD lock on the file @key names? */
static bool fdinfo_locks(const char *pid, const char *fd, const char *key)
{
	char path[600], buf[1024];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return false;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "OFDLCK") && strstr(buf, key);
}

/* Some fd of process @pid holds the lock named by @key. */
static bool pid_holds(const char *pid, const char *key)
{
	char path[300];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' &&
			fdinfo_locks(pid, e->d_name, key);
	closedir(d);
	return found;
}

static void describe(const char *pid, char *buf, size_t len)
{
	char path[300], comm[32] = "";
	ssize_t n;
	int f;

	if (atoi(pid) == getpid()) {
		snprintf(
			buf, len,
			"this squeeze (another --disk, or a backing file of one)");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f >= 0) {
		n = read(f, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		close(f);
	}
	snprintf(buf, len, "%s (pid %s)", comm[0] ? comm : "a process", pid);
}

void disk_lock_holder(int fd, char *buf, size_t len)
{
	struct dirent *e;
	struct stat st;
	char key[64];
	DIR *d;

	snprintf(buf, len, "another process");
	if (fstat(fd, &st) < 0)
		return;
	/* How /proc shows a lock's file: "MAJOR:MINOR:INODE " in hex:hex:dec. */
	snprintf(key, sizeof(key), " %02x:%02x:%llu ", major(st.st_dev),
		 minor(st.st_dev), (unsigned long long)st.st_ino);
	d = opendir("/proc");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (pid_holds(e->d_name, key)) {
			describe(e->d_name, buf, len);
			break;
		}
	}
	closedir(d);
}
