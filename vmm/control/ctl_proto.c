// SPDX-License-Identifier: MIT
/* Control requests from JSON lines, replies to JSON lines (ctl_proto.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/control/ctl_proto.h"

static const char *const cmd_names[CTL_NR] = {
	[CTL_STATUS] = "status",     [CTL_PAUSE] = "pause",
	[CTL_RESUME] = "resume",     [CTL_SHUTDOWN] = "shutdown",
	[CTL_POWEROFF] = "poweroff", [CTL_STATS] = "stats",
	[CTL_SNAPSHOT] = "snapshot",
};

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return cmd < CTL_NR ? cmd_names[cmd] : NULL;
}

const char *ctl_class_name(enum err_class c)
{
	switch (c) {
	case ERR_INPUT:
		return "input";
	case ERR_GUEST:
		return "guest";
	default:
		return "host";
	}
}

static int lookup_cmd(const char *name, enum ctl_cmd *cmd)
{
	unsigned int i;

	for (i = 0; i < CTL_NR; i++) {
		if (!strcmp(name, cmd_names[i])) {
			*cmd = i;
			return 0;
		}
	}
	return -ENOENT;
}

/* The snapshot command's own fields. */
static int parse_snapshot(json_t *o, struct ctl_request *req, struct err *err)
{
	json_t *dir = json_object_get(o, "dir");
	json_t *resume = json_object_get(o, "resume");

	if (!json_is_string(dir) || !json_string_length(dir))
		return err_input(err, -EINVAL,
				 "snapshot needs \"dir\", a directory path");
	if (json_string_length(dir) >= sizeof(req->dir) ||
	    strlen(json_string_value(dir)) != json_string_length(dir))
		return err_input(err, -EINVAL, "snapshot: bad \"dir\"");
	memcpy(req->dir, json_string_value(dir), json_string_length(dir) + 1);
	if (resume && !json_is_boolean(resume))
		return err_input(err, -EINVAL,
				 "snapshot: \"resume\" must be true or false");
	req->resume = json_is_true(resume);
	return 0;
}

/* Only "id", "cmd" and the command's own fields. */
static int check_fields(json_t *o, enum ctl_cmd cmd, struct err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		if (!strcmp(key, "id") || !strcmp(key, "cmd"))
			continue;
		if (cmd == CTL_SNAPSHOT &&
		    (!strcmp(key, "dir") || !strcmp(key, "resume")))
			continue;
		return err_input(err, -EINVAL, "%s: unknown field \"%.64s\"",
				 cmd_names[cmd], key);
	}
	return 0;
}

int ctl_parse_request(const char *line, size_t len, struct ctl_request *req,
		      json_t **id, struct err *err)
{
	json_error_t jerr;
	json_t *o, *cmd, *v;
	int ret = -EINVAL;

	*id = json_null();
	memset(req, 0, sizeof(*req));
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return err_input(err, -EINVAL, "malformed request: %s",
				 jerr.text);
	if (!json_is_object(o)) {
		err_input(err, ret, "a request is a JSON object");
		goto decref;
	}
	v = json_object_get(o, "id");
	if (v && !json_is_integer(v) && !json_is_string(v) &&
	    !json_is_null(v)) {
		err_input(err, ret, "\"id\" must be a number or a string");
		goto decref;
	}
	if (v) {
		json_decref(*id);
		*id = json_incref(v);
	}
	cmd = json_object_get(o, "cmd");
	if (!json_is_string(cmd)) {
		err_input(err, ret, "a request needs \"cmd\", a string");
		goto decref;
	}
	if (lookup_cmd(json_string_value(cmd), &req->cmd)) {
		err_input(err, ret, "unknown command \"%.64s\"",
			  json_string_value(cmd));
		goto decref;
	}
	ret = check_fields(o, req->cmd, err);
	if (!ret && req->cmd == CTL_SNAPSHOT)
		ret = parse_snapshot(o, req, err);
decref:
	json_decref(o);
	return ret;
}

char *ctl_format_reply(json_t *id, json_t *result, const struct err *err,
		       const char *class_name)
{
	json_t *o;
	char *s, *line = NULL;
	size_t n;

	if (err && err_is_set(err))
		o = json_pack("{s:O, s:{s:s, s:s}}", "id",
			      id ? id : json_null(), "error", "class",
			      class_name ? class_name :
					   ctl_class_name(err->class),
			      "desc", err->msg);
	else /* "o" takes the reference made here */
		o = json_pack("{s:O, s:o}", "id", id ? id : json_null(),
			      "result",
			      result ? json_incref(result) : json_object());
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = 0;
	return line;
}
