/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_DOMXML_INT_H
#define SQUEEZE_DOMXML_INT_H

/*
 * Internals of the domain XML mapping, shared by domxml.c (reading,
 * parsing, emitting the options), domxml_lib.c (libxml2 at run time),
 * domxml_util.c (the helpers below),
 * domxml_domain.c (the <domain> level: machine, <os>, <cpu>, lifecycle),
 * domxml_devices.c (<devices>), domxml_disk.c, domxml_backing.c,
 * domxml_net.c, domxml_fs.c and domxml_console.c (the devices squeeze has).
 */

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vmm/config/config.h"
#include "vmm/config/domxml.h"

/*
 * The libxml2 functions the mapping calls, from xml_api_open() (see
 * domxml_lib.c for why it is loaded at run time).
 */
struct xml_api {
	void *handle;
	xmlParserCtxtPtr (*NewParserCtxt)(void);
	void (*FreeParserCtxt)(xmlParserCtxtPtr ctxt);
	xmlDocPtr (*CtxtReadMemory)(xmlParserCtxtPtr ctxt, const char *buf,
				    int size, const char *url,
				    const char *encoding, int options);
	xmlErrorPtr (*CtxtGetLastError)(void *ctx);
	void (*StopParser)(xmlParserCtxtPtr ctxt);
	int (*SAX2GetLineNumber)(void *ctx);
	void (*FreeDoc)(xmlDocPtr doc);
	xmlNodePtr (*DocGetRootElement)(const xmlDoc *doc);
	long (*GetLineNo)(const xmlNode *node);
	xmlChar *(*GetNoNsProp)(const xmlNode *node, const xmlChar *name);
	xmlChar *(*NodeGetContent)(const xmlNode *node);
	xmlFreeFunc Free;
};

/* dlopen libxml2: 0, or -errno with one line in @err (a host problem). */
int xml_api_open(struct xml_api *x, struct err *err);
void xml_api_close(struct xml_api *x);

/* One <disk> as a --disk value, and where it goes in the disk order. */
struct dx_disk {
	char *spec;
	const char *target;  /* <target dev>, as written */
	unsigned long order; /* vda 0, vdb 1, ..., vdaa 26 */
	bool cdrom;	     /* read-only, after the disks */
	unsigned int seq;    /* document order */
	xmlNode *node;
};

/* One <interface> as a --net value. */
struct dx_net {
	char *spec;
	xmlNode *node;
};

/*
 * The mapping in progress: what the document said, gathered so that the
 * options come out in one fixed order (domxml_emit()), plus the strings
 * taken from the document (freed with it) and the warnings so far.
 */
struct dx {
	const struct xml_api *x;
	struct domxml *out;
	const char *file;
	struct err *err;
	bool oom;

	char **pool; /* every string handed out below */
	unsigned int nr_pool, cap_pool;
	char **warned; /* keys already warned about */
	unsigned int nr_warned;
	long *warn_line; /* the line of each out->warn[] */

	const char *name;
	u64 memory;	    /* bytes, 0 if no <memory> */
	u64 current_memory; /* <currentMemory>, bytes */
	xmlNode *current_node;
	const char *cpus; /* <vcpu>, or NULL */
	xmlNode *topology;
	const char *kernel, *initrd, *cmdline;
	const char *boot_devs; /* <boot dev>s, for the refusal */
	struct dx_disk disk[CONFIG_MAX_DISKS];
	unsigned int nr_disks;
	struct dx_net net[CONFIG_MAX_NETS];
	unsigned int nr_nets;
	char *fs[CONFIG_MAX_FS]; /* --fs values */
	unsigned int nr_fs;
	const char *console; /* --console value, or NULL */
	xmlNode *console_node;
	enum vm_action on_poweroff, on_reboot, on_crash;
};

/* How an element is handled (struct dx_rule). */
enum dx_kind { DX_MAP, DX_IGNORE, DX_SILENT, DX_REFUSE };

struct dx_rule {
	const char *name;
	enum dx_kind kind;
	/* DX_MAP: the mapping; DX_IGNORE / DX_REFUSE: NULL, @why says why */
	int (*map)(struct dx *d, xmlNode *n);
	const char *why;
};

/*
 * Apply @rules to every child element of @parent; an element no rule
 * names, or one in another XML namespace, is refused.
 */
int dx_walk(struct dx *d, xmlNode *parent, const struct dx_rule *rules,
	    size_t nr_rules);

/* "FILE:LINE: <elem type='t'>: MESSAGE" as an input error; -EINVAL. */
int dx_refuse(struct dx *d, xmlNode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Warn "FILE:LINE: <elem type='t'> MESSAGE" once per @key (NULL: the
 * element's name; keys are compared as strings).
 */
void dx_warn(struct dx *d, xmlNode *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Put out->warn[] in the order of their lines. */
void dx_sort_warnings(struct dx *d);

/* The line of @n in the file. */
long dx_line(struct dx *d, const xmlNode *n);

/* A device's <address>: one warning for the whole domain; 0. */
int dx_ignore_address(struct dx *d, xmlNode *n);

/* Element @n is <@name>, in no namespace. */
bool dx_is(const xmlNode *n, const char *name);

/* Attribute @name of @n, or NULL. Kept until the mapping ends. */
const char *dx_attr(struct dx *d, xmlNode *n, const char *name);

/* The text in @n, blanks at both ends removed; "" when empty. */
const char *dx_text(struct dx *d, xmlNode *n);

/* A printf-style string kept until the mapping ends, or NULL. */
char *dx_printf(struct dx *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Refuse any attribute of @n that is not in the NULL-terminated @known. */
int dx_check_attrs(struct dx *d, xmlNode *n, const char *const *known);

/* Refuse @value of run option @opt as config_parse() would, placed at @n. */
int dx_check_option(struct dx *d, xmlNode *n, const char *opt,
		    const char *value);

/* Refuse a comma in @value: the --disk and --net syntax cannot carry it. */
int dx_no_comma(struct dx *d, xmlNode *n, const char *what, const char *value);

/* A decimal number in @text (blanks around it allowed) into @out. */
int dx_number(struct dx *d, xmlNode *n, const char *text, u64 *out);

/*
 * libvirt's scaled integer: the text of @n in the unit of its unit=
 * attribute (b or bytes; k, KiB, KB, M, MiB, MB, ... E; KiB if none),
 * into bytes. Refuses overflow.
 */
int dx_scaled(struct dx *d, xmlNode *n, u64 *bytes);

/* The element mappers. */
int dx_map_domain(struct dx *d, xmlNode *root);
int dx_map_devices(struct dx *d, xmlNode *n);
int dx_map_disk(struct dx *d, xmlNode *n);
int dx_map_interface(struct dx *d, xmlNode *n);
int dx_map_chardev(struct dx *d, xmlNode *n);
int dx_map_filesystem(struct dx *d, xmlNode *n);
int dx_map_memory_backing(struct dx *d, xmlNode *n);
/*
 * A disk's <backingStore> @bs, checked against the chain the image
 * @image (format @format, NULL for raw) records: 0 with *@dir the
 * backing-dir= it needs (NULL: none), or a refusal.
 */
int dx_map_backing(struct dx *d, xmlNode *bs, const char *image,
		   const char *format, const char **dir);
/* After the walk: the disk order, and the warnings it gives. */
int dx_disks_finish(struct dx *d);

#endif
