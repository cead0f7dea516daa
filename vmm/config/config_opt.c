// SPDX-License-Identifier: MIT
/* The "key=value,key=value" option lists of --disk, --net and --fs. */
#include <errno.h>
#include <string.h>

#include "vmm/config/config_opt.h"

bool next_opt(const char **p, struct opt *o)
{
	const char *s = *p, *end, *eq;

	if (!s)
		return false;
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	eq = memchr(s, '=', end - s);
	o->key = s;
	o->klen = (eq ? eq : end) - s;
	o->has_val = eq != NULL;
	o->val = eq ? eq + 1 : end;
	o->vlen = end - o->val;
	*p = *end ? end + 1 : NULL;
	return true;
}

bool key_is(const struct opt *o, const char *key)
{
	return o->klen == strlen(key) && !memcmp(o->key, key, o->klen);
}

bool val_is(const struct opt *o, const char *val)
{
	return o->vlen == strlen(val) && !memcmp(o->val, val, o->vlen);
}

int bad_value(const struct opt *o, const char *what, const char *want,
	      struct err *err)
{
	return err_input(err, -EINVAL, "%s: %.*s=%.*s: expected %s", what,
			 (int)o->klen, o->key, (int)o->vlen, o->val, want);
}

int parse_on_off(const struct opt *o, bool *out, const char *what,
		 struct err *err)
{
	if (val_is(o, "on"))
		*out = true;
	else if (val_is(o, "off"))
		*out = false;
	else
		return bad_value(o, what, "on or off", err);
	return 0;
}
