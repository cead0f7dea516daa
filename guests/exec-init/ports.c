// SPDX-License-Identifier: MIT
/*
 * Finding a virtio-console port by name without udev: Linux lists each
 * port as SYS/class/virtio-ports/vportNpM with a "name" attribute, and
 * devtmpfs makes DEV/vportNpM.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "init.h"

static bool name_is(const char *file, const char *name)
{
	char buf[128];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return !strcmp(buf, name);
}

int port_wait(const struct init_paths *p, const char *name, int flags,
	      unsigned int ms)
{
	int fd;

	while ((fd = port_open(p, name, flags)) < 0 && ms--)
		usleep(1000);
	return fd;
}

int port_open(const struct init_paths *p, const char *name, int flags)
{
	char dir[PATH_MAX], file[PATH_MAX + 300];
	struct dirent *e;
	int fd = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/class/virtio-ports", p->sys);
	d = opendir(dir);
	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/name", dir, e->d_name);
		if (!name_is(file, name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", p->dev, e->d_name);
		fd = open(file, flags | O_CLOEXEC);
	}
	closedir(d);
	return fd;
}
