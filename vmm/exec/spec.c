// SPDX-License-Identifier: MIT
/* Writing the exec command spec (vmm/exec/spec.h). */
#include <errno.h>
#include <stdio.h>

#include "vmm/exec/spec.h"

#define SPEC_MAGIC "squeeze-exec 1"

static int pair(struct membuf *b, const char *key, const char *value)
{
	int ret = membuf_append_str0(b, key);

	return ret ? ret : membuf_append_str0(b, value);
}

static int mounts(struct membuf *b, const struct exec_spec *s)
{
	char v[8192];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < s->nr_mounts && !ret; i++) {
		if (snprintf(v, sizeof(v), "%s %s %s",
			     s->mounts[i].readonly ? "ro" : "rw",
			     s->mounts[i].tag,
			     s->mounts[i].path) >= (int)sizeof(v))
			return -ENAMETOOLONG;
		ret = pair(b, "mount", v);
	}
	return ret;
}

int exec_spec_build(struct membuf *out, const struct exec_spec *s,
		    struct err *err)
{
	unsigned int i;
	int ret = membuf_append_str0(out, SPEC_MAGIC);

	for (i = 0; i < s->argc && !ret; i++)
		ret = pair(out, "arg", s->argv[i]);
	for (i = 0; i < s->nr_env && !ret; i++)
		ret = pair(out, "env", s->env[i]);
	if (!ret && s->cwd)
		ret = pair(out, "cwd", s->cwd);
	if (!ret && s->root_tag)
		ret = pair(out, "root", s->root_tag);
	for (i = 0; i < s->nr_modules && !ret; i++)
		ret = pair(out, "module", s->modules[i]);
	if (!ret)
		ret = mounts(out, s);
	if (ret == -ENAMETOOLONG)
		return err_input(err, ret, "exec: a shared path is too long");
	if (ret)
		return err_host(err, ret, "exec: out of memory");
	return 0;
}
