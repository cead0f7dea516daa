// SPDX-License-Identifier: MIT
/*
 * The command spec: "squeeze-exec 1" and then key/value pairs, every
 * string ended by a NUL, so that arguments keep their spaces, quotes and
 * empty strings. Keys: arg, env (NAME=VALUE), cwd, root (a virtio-fs
 * tag), module (a path in the initramfs, in load order), mount
 * ("rw|ro TAG PATH").
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t done = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size < (64 << 20))
		buf = malloc(st.st_size + 1);
	while (buf && done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	if (buf && done != (size_t)st.st_size) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[done] = 0;
	*len = done;
	return buf;
}

static int add_mount(struct init_spec *s, char *v)
{
	struct init_mount *m = &s->mounts[s->nr_mounts];
	char *tag, *path;

	if (s->nr_mounts == INIT_MAX_MOUNTS)
		return -1;
	tag = strchr(v, ' ');
	path = tag ? strchr(tag + 1, ' ') : NULL;
	if (!path)
		return -1;
	*tag++ = 0;
	*path++ = 0;
	m->readonly = !strcmp(v, "ro");
	m->tag = tag;
	m->path = path;
	s->nr_mounts++;
	return 0;
}

static int add(struct init_spec *s, const char *key, char *v)
{
	if (!strcmp(key, "arg") && s->argc < INIT_MAX_ARGS)
		s->argv[s->argc++] = v;
	else if (!strcmp(key, "env") && s->envc < INIT_MAX_ARGS)
		s->envp[s->envc++] = v;
	else if (!strcmp(key, "cwd"))
		s->cwd = v;
	else if (!strcmp(key, "root"))
		s->root_tag = v;
	else if (!strcmp(key, "module") && s->nr_modules < INIT_MAX_MODULES)
		s->modules[s->nr_modules++] = v;
	else if (!strcmp(key, "mount"))
		return add_mount(s, v);
	else
		return -1;
	return 0;
}

int spec_read(struct init_spec *s, const char *path, const char **why)
{
	size_t len, off, vlen;
	char *key;

	memset(s, 0, sizeof(*s));
	s->buf = slurp(path, &len);
	if (!s->buf) {
		*why = "cannot read the command spec";
		return -1;
	}
	off = sizeof(INIT_SPEC_MAGIC);
	if (len < off || memcmp(s->buf, INIT_SPEC_MAGIC, off)) {
		*why = "the command spec has no squeeze-exec 1 header";
		return -1;
	}
	while (off < len) {
		key = s->buf + off;
		off += strlen(key) + 1;
		/* Measured first: add() may cut the value up in place. */
		vlen = off < len ? strlen(s->buf + off) : 0;
		if (off >= len || add(s, key, s->buf + off)) {
			*why = "the command spec is malformed or too big";
			return -1;
		}
		off += vlen + 1;
	}
	if (off != len || !s->argc) {
		*why = "the command spec names no command";
		return -1;
	}
	return 0;
}
