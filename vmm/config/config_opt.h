/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_CONFIG_OPT_H
#define SQUEEZE_CONFIG_OPT_H

#include "vmm/base/err.h"

/* Comma-separated "key=value" device options (--disk, --net, --fs). */

/* One item of the list, as pointer + length. */
struct opt {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	bool has_val;
};

/* Split off the item at *@p; advances *@p past it and its comma. */
bool next_opt(const char **p, struct opt *o);
bool key_is(const struct opt *o, const char *key);
bool val_is(const struct opt *o, const char *val);
/* "@what: key=value: expected @want", ERR_INPUT; returns -EINVAL. */
int bad_value(const struct opt *o, const char *what, const char *want,
	      struct err *err);
/* on / off into *@out, else bad_value(). */
int parse_on_off(const struct opt *o, bool *out, const char *what,
		 struct err *err);

#endif
