// SPDX-License-Identifier: MIT
/*
 * Domain XML in and run options out: reading the file (size-capped),
 * parsing it with libxml2 so that it can neither reach the network nor
 * include another file, and emitting the options the mapping gathered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/base/size.h"
#include "vmm/config/domxml_int.h"

/*
 * What libxml2 may do: no network, no external DTD, no entity substitution
 * (XML_PARSE_NOENT would substitute), lines past 65535 counted; its own
 * messages off, we print one line. Forbidden: XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_DTDVALID, XML_PARSE_HUGE,
 * XInclude (never processed).
 */
#define DX_PARSE_OPTIONS                                             \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	 XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA)

/* Set when the document has a DOCTYPE: the parser stops right there. */
struct dx_parse {
	const struct xml_api *x;
	long doctype_line;
};

/*
 * A DOCTYPE starts a DTD, where entities (the billion laughs, a SYSTEM
 * entity naming /etc/passwd) are declared: libvirt's domains have none,
 * so stop at the first sign of one, before its declarations are read.
 */
static void refuse_doctype(void *ctx, const xmlChar *name,
			   const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr p = ctx;
	struct dx_parse *dp = p->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	dp->doctype_line = dp->x->SAX2GetLineNumber(ctx);
	if (dp->doctype_line <= 0)
		dp->doctype_line = 1;
	dp->x->StopParser(p);
}

static void refuse_entity(void *ctx, const xmlChar *name, int type,
			  const xmlChar *public_id, const xmlChar *system_id,
			  xmlChar *content)
{
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	refuse_doctype(ctx, name, NULL, NULL);
}

static xmlParserInputPtr no_resolve(void *ctx, const xmlChar *public_id,
				    const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL;
}

/* libxml2's message, one line, without its trailing newline. */
static int parse_error(const struct xml_api *x, xmlParserCtxtPtr p,
		       const char *name, struct err *err)
{
	const xmlError *e = x->CtxtGetLastError(p);
	char msg[ERR_LEN];
	size_t n;

	snprintf(msg, sizeof(msg), "%s",
		 e && e->message ? e->message : "cannot be parsed");
	n = strcspn(msg, "\n");
	msg[n] = '\0';
	return err_input(err, -EINVAL, "%s:%d: not well-formed XML: %s", name,
			 e ? e->line : 0, msg);
}

static int parse(const struct xml_api *x, const char *buf, size_t len,
		 const char *name, xmlDoc **doc, struct err *err)
{
	struct dx_parse dp = { .x = x };
	xmlParserCtxtPtr p;
	int ret = 0;

	*doc = NULL;
	if (len > DOMXML_MAX_SIZE)
		return err_input(
			err, -EFBIG,
			"%s: more than the %d KiB a domain XML may have", name,
			DOMXML_MAX_SIZE >> 10);
	p = x->NewParserCtxt();
	if (!p)
		return err_host(err, -ENOMEM, "out of memory");
	p->_private = &dp;
	p->sax->internalSubset = refuse_doctype;
	p->sax->externalSubset = refuse_doctype;
	p->sax->entityDecl = refuse_entity;
	p->sax->resolveEntity = no_resolve;
	*doc = x->CtxtReadMemory(p, buf, (int)len, name, NULL,
				 DX_PARSE_OPTIONS);
	if (dp.doctype_line)
		ret = err_input(
			err, -EINVAL,
			"%s:%ld: <!DOCTYPE>: refused: libvirt domains have no DTD, and its entities could read other files",
			name, dp.doctype_line);
	else if (!*doc)
		ret = parse_error(x, p, name, err);
	if (ret && *doc) {
		x->FreeDoc(*doc);
		*doc = NULL;
	}
	x->FreeParserCtxt(p);
	return ret;
}

/* --opt VALUE into out->argv; VALUE is copied. */
static int emit(struct dx *d, const char *opt, const char *value)
{
	struct domxml *out = d->out;
	char **grown = realloc(out->argv, (out->argc + 3) * sizeof(*grown));

	if (!grown)
		return err_host(d->err, -ENOMEM, "out of memory");
	out->argv = grown;
	out->argv[out->argc] = strdup(opt);
	out->argv[out->argc + 1] = strdup(value);
	out->argv[out->argc + 2] = NULL;
	out->argc += 2;
	if (!out->argv[out->argc - 2] || !out->argv[out->argc - 1])
		return err_host(d->err, -ENOMEM, "out of memory");
	return 0;
}

static int emit_action(struct dx *d, const char *opt, enum vm_action a)
{
	return a == VM_ACTION_DESTROY ? 0 : emit(d, opt, config_action_name(a));
}

/* The options, always in this order, as a user would write them. */
static int emit_all(struct dx *d)
{
	char mem[32];
	unsigned int i;
	int ret = 0;

	format_size(d->memory, mem, sizeof(mem));
	ret = emit(d, "--name", d->name);
	if (!ret)
		ret = emit(d, "--memory", mem);
	if (!ret && d->cpus)
		ret = emit(d, "--cpus", d->cpus);
	if (!ret && d->kernel)
		ret = emit(d, "--kernel", d->kernel);
	if (!ret && d->initrd)
		ret = emit(d, "--initrd", d->initrd);
	if (!ret && d->cmdline)
		ret = emit(d, "--cmdline", d->cmdline);
	for (i = 0; !ret && i < d->nr_disks; i++)
		ret = emit(d, "--disk", d->disk[i].spec);
	for (i = 0; !ret && i < d->nr_nets; i++)
		ret = emit(d, "--net", d->net[i].spec);
	for (i = 0; !ret && i < d->nr_fs; i++)
		ret = emit(d, "--fs", d->fs[i]);
	if (!ret && d->console)
		ret = emit(d, "--console", d->console);
	if (!ret)
		ret = emit_action(d, "--on-poweroff", d->on_poweroff);
	if (!ret)
		ret = emit_action(d, "--on-reboot", d->on_reboot);
	if (!ret)
		ret = emit_action(d, "--on-crash", d->on_crash);
	return ret;
}

static char *command_line(const struct domxml *dx);

/* Free @n strings and the array holding them. */
static void free_strings(char **v, unsigned int n)
{
	unsigned int i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void dx_release(struct dx *d)
{
	free_strings(d->pool, d->nr_pool);
	free_strings(d->warned, d->nr_warned);
	free(d->warn_line);
}

int domxml_load_mem(struct domxml *dx, const char *buf, size_t len,
		    const char *name, struct err *err)
{
	struct xml_api x;
	struct dx d = {
		.x = &x,
		.out = dx,
		.file = name,
		.err = err,
		/* libvirt's defaults when the domain does not say */
		.on_reboot = VM_ACTION_RESTART,
	};
	xmlDoc *doc;
	int ret;

	memset(dx, 0, sizeof(*dx));
	ret = xml_api_open(&x, err);
	if (ret)
		return ret;
	ret = parse(&x, buf, len, name, &doc, err);
	if (!ret)
		ret = dx_map_domain(&d, x.DocGetRootElement(doc));
	if (!ret)
		ret = emit_all(&d);
	if (!ret) {
		dx->command_line = command_line(dx);
		if (!dx->command_line)
			ret = err_host(err, -ENOMEM, "out of memory");
	}
	dx_sort_warnings(&d);
	dx_release(&d);
	if (doc)
		x.FreeDoc(doc);
	xml_api_close(&x);
	return ret;
}

/* At most DOMXML_MAX_SIZE + 1 bytes of @fd (one more tells it is too big). */
static int read_capped(int fd, char *buf, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len <= DOMXML_MAX_SIZE) {
		n = read(fd, buf + *len, DOMXML_MAX_SIZE + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += n;
	}
	return 0;
}

int domxml_load(struct domxml *dx, const char *path, struct err *err)
{
	char *buf = NULL;
	struct stat st;
	size_t len;
	int fd, ret;

	memset(dx, 0, sizeof(*dx));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_input(err, -errno, "--domain %s: %s", path,
				 strerror(errno));
	/* A big regular file is refused before a byte of it is read. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > DOMXML_MAX_SIZE) {
		ret = err_input(
			err, -EFBIG,
			"--domain %s: %lld bytes, more than the %d KiB a domain XML may have",
			path, (long long)st.st_size, DOMXML_MAX_SIZE >> 10);
		goto close_fd;
	}
	buf = malloc(DOMXML_MAX_SIZE + 1);
	ret = buf ? read_capped(fd, buf, &len) : -ENOMEM;
	if (ret == -ENOMEM)
		err_host(err, ret, "out of memory");
	else if (ret)
		err_input(err, ret, "--domain %s: %s", path, strerror(-ret));
	else
		ret = domxml_load_mem(dx, buf, len, path, err);
	free(buf);
close_fd:
	close(fd);
	return ret;
}

void domxml_free(struct domxml *dx)
{
	free_strings(dx->argv, dx->argc);
	free_strings(dx->warn, dx->nr_warn);
	free(dx->command_line);
	memset(dx, 0, sizeof(*dx));
}

char *domxml_shell_quote(const char *s)
{
	static const char safe[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-";
	size_t n = 2;
	const char *p;
	char *q, *out;

	if (*s && strspn(s, safe) == strlen(s))
		return strdup(s);
	for (p = s; *p; p++)
		n += *p == '\'' ? 4 : 1; /* ' becomes '\'' */
	out = malloc(n + 1);
	if (!out)
		return NULL;
	q = out;
	*q++ = '\'';
	for (p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}

static char *command_line(const struct domxml *dx)
{
	size_t len = strlen("squeeze run") + 1, used;
	char *line, *grown, *w;
	int i;

	line = strdup("squeeze run");
	for (i = 0; line && i < dx->argc; i++) {
		w = domxml_shell_quote(dx->argv[i]);
		used = len - 1;
		len += w ? strlen(w) + 1 : 0;
		grown = w ? realloc(line, len) : NULL;
		if (grown)
			sprintf(grown + used, " %s", w);
		else
			free(line);
		line = grown;
		free(w);
	}
	return line;
}
