// SPDX-License-Identifier: MIT
/*
 * libxml2, loaded when a domain XML file is read and not before: linked
 * in, it and what it needs (ICU, libstdc++) cost every squeeze process
 * about 2.5 ms of dynamic loading, domain or not. The calls the mapping
 * makes go through struct xml_api instead.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "vmm/config/domxml_int.h"

#define LIBXML2 "libxml2.so.2"

/* One function of libxml2 into *@slot; false if it lacks it. */
static bool sym(void *h, const char *name, void *slot)
{
	void *p = dlsym(h, name);

	memcpy(slot, &p, sizeof(p));
	return p != NULL;
}

int xml_api_open(struct xml_api *x, struct err *err)
{
	xmlFreeFunc *free_var;
	bool ok;

	memset(x, 0, sizeof(*x));
	x->handle = dlopen(LIBXML2, RTLD_NOW | RTLD_LOCAL);
	if (!x->handle)
		return err_host(err, -ENOENT,
				"cannot load " LIBXML2
				" (Debian's libxml2): %s",
				dlerror());
	ok = sym(x->handle, "xmlNewParserCtxt", &x->NewParserCtxt) &&
	     sym(x->handle, "xmlFreeParserCtxt", &x->FreeParserCtxt) &&
	     sym(x->handle, "xmlCtxtReadMemory", &x->CtxtReadMemory) &&
	     sym(x->handle, "xmlCtxtGetLastError", &x->CtxtGetLastError) &&
	     sym(x->handle, "xmlStopParser", &x->StopParser) &&
	     sym(x->handle, "xmlSAX2GetLineNumber", &x->SAX2GetLineNumber) &&
	     sym(x->handle, "xmlFreeDoc", &x->FreeDoc) &&
	     sym(x->handle, "xmlDocGetRootElement", &x->DocGetRootElement) &&
	     sym(x->handle, "xmlGetLineNo", &x->GetLineNo) &&
	     sym(x->handle, "xmlGetNoNsProp", &x->GetNoNsProp) &&
	     sym(x->handle, "xmlNodeGetContent", &x->NodeGetContent) &&
	     /* xmlFree is a variable holding libxml2's free function. */
	     sym(x->handle, "xmlFree", &free_var);
	if (!ok) {
		xml_api_close(x);
		return err_host(err, -ENOSYS,
				LIBXML2 " lacks a function squeeze uses");
	}
	x->Free = *free_var;
	return 0;
}

void xml_api_close(struct xml_api *x)
{
	if (x->handle)
		dlclose(x->handle);
	x->handle = NULL;
}
