/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_TEST_DOMXML_FIXTURE_H
#define SQUEEZE_TEST_DOMXML_FIXTURE_H

/*
 * Domain XML mapping tests: load a document from a string, then look at
 * the run options it became, its warnings, or its one refusal line.
 *
 * DOM(body) is a minimal runnable domain (name t, 64 MiB, kernel /k) with
 * @body added inside <domain>; DEV(devices) puts @devices in <devices>.
 * The domain's first line is line 1; each macro piece starts a new line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config/domxml.h"

#define DOM(body)                                                           \
	"<domain type='kvm'>\n"                                             \
	"<name>t</name>\n"                                                  \
	"<memory unit='MiB'>64</memory>\n"                                  \
	"<os><type arch='x86_64'>hvm</type><kernel>/k</kernel></os>\n" body \
	"</domain>\n"
/* DEV's devices start on line 6. */
#define DEV(devices) DOM("<devices>\n" devices "</devices>\n")

/* What DOM("") becomes, with the libvirt default on_reboot restart. */
#define BASE_ARGS "--name t --memory 64M --kernel /k"
#define BASE_TAIL "--on-reboot restart"

static struct domxml dx;
static struct err err;
static char joined[4096];

static inline void fixture_fini(void)
{
	domxml_free(&dx);
}

static inline int load(const char *xml)
{
	int i;

	domxml_free(&dx);
	err = (struct err){ 0 };
	joined[0] = '\0';
	i = domxml_load_mem(&dx, xml, strlen(xml), "t.xml", &err);
	if (i)
		return i;
	for (i = 0; i < dx.argc; i++) {
		if (i)
			strncat(joined, " ",
				sizeof(joined) - strlen(joined) - 1);
		strncat(joined, dx.argv[i],
			sizeof(joined) - strlen(joined) - 1);
	}
	return 0;
}

/* @xml maps to exactly the options @args. */
#define expect_args(xml, args)                                      \
	do {                                                        \
		cr_assert_eq(load(xml), 0, "refused: %s", err.msg); \
		cr_assert_str_eq(joined, args);                     \
	} while (0)

/* @xml is refused, exit class input, with a line containing @needle. */
#define expect_refused(xml, needle)                                            \
	do {                                                                   \
		cr_assert_neq(load(xml), 0, "not refused: %s", joined);        \
		cr_assert_eq(err.class, ERR_INPUT, "%s", err.msg);             \
		cr_assert(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, \
			  needle);                                             \
		cr_assert_null(strchr(err.msg, '\n'), "%s", err.msg);          \
	} while (0)

/* Among the warnings, how many contain @needle. */
static inline unsigned int warned(const char *needle)
{
	unsigned int i, n = 0;

	for (i = 0; i < dx.nr_warn; i++)
		n += strstr(dx.warn[i], needle) != NULL;
	return n;
}

#define expect_warned(needle)                            \
	cr_assert_eq(warned(needle), 1,                  \
		     "warning '%s' given %u times "      \
		     "(%u warnings, first '%s')",        \
		     needle, warned(needle), dx.nr_warn, \
		     dx.nr_warn ? dx.warn[0] : "")

#endif
