// SPDX-License-Identifier: MIT
/* The control protocol's requests and replies, and restore's options. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/control/ctl_proto.h"

static int req(const char *line, struct ctl_request *r, json_t **id,
	       struct err *e)
{
	memset(e, 0, sizeof(*e));
	return ctl_parse_request(line, strlen(line), r, id, e);
}

Test(ctl_proto, commands_and_their_fields)
{
	struct ctl_request r;
	struct err e;
	json_t *id;

	cr_assert_eq(req("{\"id\": 3, \"cmd\": \"pause\"}", &r, &id, &e), 0);
	cr_assert_eq(r.cmd, CTL_PAUSE);
	cr_assert_eq(json_integer_value(id), 3);
	json_decref(id);
	cr_assert_eq(
		req("{\"cmd\":\"snapshot\",\"dir\":\"/s/1\",\"resume\":true}",
		    &r, &id, &e),
		0, "%s", e.msg);
	cr_assert_eq(r.cmd, CTL_SNAPSHOT);
	cr_assert_str_eq(r.dir, "/s/1");
	cr_assert(r.resume);
	cr_assert(json_is_null(id));
	json_decref(id);
}

Test(ctl_proto, bad_requests_are_input_errors_with_the_id_kept)
{
	const char *bad[] = {
		"{not json",
		"[1]",
		"{\"id\": 1}",
		"{\"id\": 1, \"cmd\": 5}",
		"{\"id\": 1, \"cmd\": \"fly\"}",
		"{\"id\": 1, \"cmd\": \"status\", \"x\": 0}",
		"{\"id\": 1, \"cmd\": \"snapshot\"}",
		"{\"id\": 1, \"cmd\": \"snapshot\", \"dir\": \"/d\", \"resume\": 1}",
		"{\"id\": [1], \"cmd\": \"status\"}",
		"{\"id\": 1, \"cmd\": \"status\", \"cmd\": \"pause\"}",
	};
	struct ctl_request r;
	struct err e;
	unsigned int i;
	json_t *id;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(req(bad[i], &r, &id, &e), -EINVAL, "%s", bad[i]);
		cr_assert_eq(e.class, ERR_INPUT, "%s", bad[i]);
		if (i >= 2 && i < 8) /* unparsable: no id */
			cr_assert_eq(json_integer_value(id), 1, "%s", bad[i]);
		json_decref(id);
	}
}

Test(ctl_proto, replies_are_one_json_line)
{
	struct err e = { 0 };
	json_t *id = json_string("a"),
	       *res = json_pack("{s:s}", "state", "paused");
	char *line;

	line = ctl_format_reply(id, res, &e, NULL);
	cr_assert_str_eq(line,
			 "{\"id\":\"a\",\"result\":{\"state\":\"paused\"}}\n");
	free(line);
	err_input(&e, -EINVAL, "unknown command \"x\"");
	line = ctl_format_reply(id, NULL, &e, NULL);
	cr_assert_str_eq(
		line,
		"{\"id\":\"a\",\"error\":{\"class\":\"input\",\"desc\":\"unknown command \\\"x\\\"\"}}\n");
	free(line);
	line = ctl_format_reply(NULL, NULL, &e, "busy");
	cr_assert(strstr(line, "\"class\":\"busy\"") &&
			  strstr(line, "\"id\":null"),
		  "%s", line);
	free(line);
	json_decref(id);
	json_decref(res);
}

static int restore_args(struct vm_config *cfg, struct err *e, int argc, ...)
{
	static char buf[8][128];
	char *argv[8];
	const char *dir;
	va_list ap;
	int i;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = strcpy(buf[i], va_arg(ap, const char *));
	va_end(ap);
	memset(e, 0, sizeof(*e));
	return config_parse_restore(cfg, &dir, argc, argv, e);
}

Test(ctl_proto, restore_options)
{
	struct vm_config cfg;
	struct err e;

	cr_assert_eq(restore_args(&cfg, &e, 5, "/s", "--paused", "--control",
				  "/run/c", "--disk=/o.qcow2,format=qcow2"),
		     0, "%s", e.msg);
	cr_assert(cfg.paused);
	cr_assert_str_eq(cfg.control, "/run/c");
	cr_assert_str_eq(cfg.disk[0].disk.path, "/o.qcow2");
	cr_assert_eq(cfg.disk[0].disk.format, DISK_FMT_QCOW2);
	cr_assert_eq(
		restore_args(&cfg, &e, 3, "/s", "--disk", "/d,readonly=on"),
		-EINVAL);
	cr_assert(strstr(e.msg, "only PATH"), "%s", e.msg);
	cr_assert_eq(restore_args(&cfg, &e, 3, "/s", "--disk", "/d,cache=none"),
		     -EINVAL);
	cr_assert_eq(restore_args(&cfg, &e, 3, "/s", "--disk",
				  "/o,format=qcow2,backing-dir=/srv"),
		     0, "%s", e.msg);
	cr_assert_str_eq(cfg.disk[0].disk.backing_dir, "/srv");
	cr_assert_eq(restore_args(&cfg, &e, 3, "/s", "--memory", "1G"),
		     -EINVAL);
	cr_assert_eq(restore_args(&cfg, &e, 1, "--paused"), -EINVAL,
		     "DIR first");
	cr_assert_eq(restore_args(&cfg, &e, 2, "/s", "--help"), CONFIG_HELP);
}
