// SPDX-License-Identifier: MIT
/* --fs SPEC syntax: a directory squeeze serves, or a back-end's socket. */
#include <errno.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/config/config_opt.h"

static int set_tag(struct fs_options *f, const char *tag, size_t len,
		   struct err *err)
{
	if (len == 0)
		return err_input(err, -EINVAL, "--fs: tag= needs a NAME");
	if (len > FS_TAG_MAX)
		return err_input(err, -EINVAL,
				 "--fs: tag '%.*s' is longer than %d bytes",
				 (int)len, tag, FS_TAG_MAX);
	memcpy(f->tag, tag, len);
	f->tag[len] = '\0';
	return 0;
}

/* The default tag: DIR's last component ("/srv/data/" -> "data"). */
static int tag_from_dir(struct fs_options *f, struct err *err)
{
	const char *end = f->dir + strlen(f->dir), *start;

	while (end > f->dir && end[-1] == '/')
		end--;
	start = end;
	while (start > f->dir && start[-1] != '/')
		start--;
	if (start == end || (end - start == 1 && *start == '.') ||
	    (end - start == 2 && !strncmp(start, "..", 2)))
		return err_input(
			err, -EINVAL,
			"--fs %s: no name to use as the tag; add tag=NAME",
			f->dir);
	if (end - start > FS_TAG_MAX)
		return err_input(
			err, -EINVAL,
			"--fs %s: the directory name is longer than a tag may be (%d bytes); add tag=NAME",
			f->dir, FS_TAG_MAX);
	return set_tag(f, start, end - start, err);
}

static int fs_opt(struct fs_options *f, const struct opt *o, struct err *err)
{
	if (key_is(o, "tag"))
		return set_tag(f, o->val, o->vlen, err);
	if (key_is(o, "readonly"))
		return parse_on_off(o, &f->readonly, "--fs", err);
	return err_input(err, -EINVAL, "--fs: unknown option '%.*s'",
			 (int)o->klen, o->key);
}

int config_parse_fs(struct fs_options *f, char *spec, struct err *err)
{
	char *comma = strchr(spec, ',');
	const char *p = comma ? comma + 1 : NULL;
	struct opt o;
	int ret;

	memset(f, 0, sizeof(*f));
	if (comma)
		*comma = '\0';
	if (!strncmp(spec, "socket=", 7))
		f->socket = spec + 7;
	else
		f->dir = spec;
	if (!*spec || (f->socket && !*f->socket))
		return err_input(
			err, -EINVAL,
			"--fs: expected DIR[,tag=NAME][,readonly=on] or socket=PATH,tag=NAME");
	while (next_opt(&p, &o)) {
		if (!o.has_val)
			return err_input(
				err, -EINVAL,
				"--fs: option '%.*s' needs a value (key=value)",
				(int)o.klen, o.key);
		ret = fs_opt(f, &o, err);
		if (ret)
			return ret;
	}
	if (f->socket && !f->tag[0])
		return err_input(err, -EINVAL, "--fs socket=%s: needs tag=NAME",
				 f->socket);
	/* A back-end the user started enforces its own access rules. */
	if (f->socket && f->readonly)
		return err_input(
			err, -EINVAL,
			"--fs socket=%s: readonly=on only applies to a DIR squeeze serves (start your back-end read-only instead)",
			f->socket);
	return f->tag[0] ? 0 : tag_from_dir(f, err);
}

bool config_has_vhost_user(const struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++)
		if (cfg->disk[i].vhost_user)
			return true;
	return cfg->nr_fs > 0;
}
