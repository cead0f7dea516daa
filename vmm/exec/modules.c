// SPDX-License-Identifier: MIT
/* Resolving kernel modules through modules.dep (vmm/exec/modules.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/exec/modules.h"

#define DEP_FILE_MAX (64 * MiB)

struct dep_line {
	char *path; /* relative to dir, NUL-ended */
	char *deps; /* space-separated, NUL-ended */
	char name[64];
	u8 state; /* 0 new, 1 visiting, 2 placed */
};

struct resolver {
	const char *dir;
	char *text;
	struct dep_line *line;
	size_t nr_lines;
	struct exec_modules *m;
	struct err *err;
};

void exec_module_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i + 1 < len && base[i] && base[i] != '.'; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[i] = 0;
}

static char *slurp(const char *path, int *ret)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	*ret = -errno;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n < (long)DEP_FILE_MAX && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n + 1);
		if (buf && fread(buf, 1, n, f) == (size_t)n) {
			buf[n] = 0;
			*ret = 0;
		} else {
			free(buf);
			buf = NULL;
			*ret = -EIO;
		}
	}
	fclose(f);
	return buf;
}

static int parse(struct resolver *r)
{
	char *s = r->text, *nl, *colon;
	size_t cap = 0;
	struct dep_line *l;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		*nl = 0;
		colon = strchr(s, ':');
		if (!colon)
			continue;
		*colon = 0;
		if (r->nr_lines == cap) {
			cap = cap ? cap * 2 : 1024;
			l = realloc(r->line, cap * sizeof(*l));
			if (!l)
				return -ENOMEM;
			r->line = l;
		}
		l = &r->line[r->nr_lines++];
		l->path = s;
		l->deps = colon + 1;
		l->state = 0;
		exec_module_name(s, l->name, sizeof(l->name));
		if (nl[1] == 0)
			break;
	}
	return 0;
}

static struct dep_line *find(struct resolver *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_lines; i++)
		if (!strcmp(r->line[i].name, name))
			return &r->line[i];
	return NULL;
}

/* Place @l after its dependencies (depth first, each once). */
static int place(struct resolver *r, struct dep_line *l, unsigned int depth)
{
	char *deps, *tok, *save, name[64];
	struct dep_line *d;
	int ret = 0;

	if (l->state == 2)
		return 0;
	if (l->state == 1 || depth > EXEC_MAX_MODULES)
		return err_input(r->err, -ELOOP,
				 "%s/modules.dep: %s depends on itself", r->dir,
				 l->name);
	l->state = 1;
	deps = strdup(l->deps);
	if (!deps)
		return err_host(r->err, -ENOMEM, "exec: out of memory");
	for (tok = strtok_r(deps, " \t", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t", &save)) {
		exec_module_name(tok, name, sizeof(name));
		d = find(r, name);
		if (!d)
			ret = err_input(
				r->err, -ENOENT,
				"%s/modules.dep: %s needs %s, which it does not list",
				r->dir, l->name, tok);
		else
			ret = place(r, d, depth + 1);
	}
	free(deps);
	if (ret)
		return ret;
	if (r->m->nr == EXEC_MAX_MODULES)
		return err_input(r->err, -E2BIG, "more than %d modules",
				 EXEC_MAX_MODULES);
	if (asprintf(&r->m->path[r->m->nr], "%s/%s", r->dir, l->path) < 0)
		return err_host(r->err, -ENOMEM, "exec: out of memory");
	r->m->nr++;
	l->state = 2;
	return 0;
}

/* Listed in modules.builtin: compiled into the kernel. */
static bool builtin(struct resolver *r, const char *name)
{
	char path[4096], line[512], n[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.builtin", r->dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		exec_module_name(line, n, sizeof(n));
		found = !strcmp(n, name);
	}
	fclose(f);
	return found;
}

int exec_modules_resolve(struct exec_modules *m, const char *dir,
			 const char *const *names, unsigned int nr,
			 struct err *err)
{
	struct resolver r = { .dir = dir, .m = m, .err = err };
	struct dep_line *l;
	char path[4096];
	unsigned int i;
	int ret;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	r.text = slurp(path, &ret);
	if (!r.text)
		return err_input(err, ret, "%s: %s", path, strerror(-ret));
	ret = parse(&r);
	if (ret)
		ret = err_host(err, ret, "exec: out of memory");
	for (i = 0; i < nr && !ret; i++) {
		l = find(&r, names[i]);
		if (l)
			ret = place(&r, l, 0);
		else if (!builtin(&r, names[i]))
			ret = err_input(
				err, -ENOENT,
				"kernel module %s: neither in %s nor built in (%s/modules.builtin)",
				names[i], path, dir);
	}
	free(r.line);
	free(r.text);
	return ret;
}

void exec_modules_free(struct exec_modules *m)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		free(m->path[i]);
	m->nr = 0;
}
