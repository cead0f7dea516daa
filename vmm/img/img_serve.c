// SPDX-License-Identifier: MIT
/*
 * `squeeze img serve [-f FMT] [--readonly] [--socket PATH | --port N
 * [--bind ADDR]] FILE`: an NBD server for one image (vmm/img/nbd/). A unix
 * socket (mode 0600) is the default; TCP needs --port, listens on
 * 127.0.0.1 unless --bind says otherwise, and warns that NBD has no
 * authentication. Up to --max-clients clients (default 64) are served at
 * once, on one thread for a writable export, on one per CPU for a
 * read-only one; more are told so and dropped. SIGTERM or SIGINT: what is in
 * flight finishes, the image is flushed, exit 0.
 *
 * Once the image and the socket are open, every serving thread is confined
 * the way `squeeze run` confines its threads before a guest runs:
 * no_new_privs, every capability dropped (bounding set included), and a
 * seccomp allowlist of its own class (SANDBOX_NBD, vmm/sandbox/): it only
 * reads, writes and syncs files it has open, accepts on the socket it has
 * bound, and serves the sockets it accepted. A forbidden call stops it
 * with a line naming the call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vmm/base/log.h"
#include "vmm/img/img_convert.h"
#include "vmm/img/img_serve.h"
#include "vmm/img/img_util.h"
#include "vmm/img/nbd/nbd.h"
#include "vmm/sandbox/caps.h"
#include "vmm/sandbox/seccomp.h"

static const char serve_usage[] =
	"usage: squeeze img serve [-f raw|qcow2|vmdk] [--readonly] "
	"[--socket PATH | --port N [--bind ADDR]] [--max-clients N]\n"
	"                         [--backing-dir DIR] FILE\n";

struct serve_args {
	const char *file, *backing_dir;
	enum disk_format fmt;
	struct nbd_config cfg;
	char sock[108];
};

static int number(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_opt(struct serve_args *a, const char *o, const char *v)
{
	if (!strcmp(o, "-f")) {
		if (img_parse_format(v, &a->fmt))
			return img_fail(2,
					"serve: -f takes raw, qcow2 or vmdk");
	} else if (!strcmp(o, "--socket")) {
		a->cfg.socket_path = v;
	} else if (!strcmp(o, "--port")) {
		if (number(v, 65535, &a->cfg.port))
			return img_fail(2, "serve: --port takes 1 to 65535");
	} else if (!strcmp(o, "--bind")) {
		a->cfg.bind = v;
	} else if (!strcmp(o, "--backing-dir")) {
		a->backing_dir = v;
	} else if (!strcmp(o, "--max-clients")) {
		if (number(v, 1024, &a->cfg.max_clients))
			return img_fail(2,
					"serve: --max-clients takes 1 to 1024");
	} else {
		fputs(serve_usage, stderr);
		return 2;
	}
	return 0;
}

static int parse(struct serve_args *a, int argc, char **argv)
{
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--readonly")) {
			a->cfg.readonly = true;
		} else if (argv[i][0] == '-' && i + 1 < argc) {
			ret = parse_opt(a, argv[i], argv[i + 1]);
			if (ret)
				return ret;
			i++;
		} else if (argv[i][0] == '-' || a->file) {
			fputs(serve_usage, stderr);
			return 2;
		} else {
			a->file = argv[i];
		}
	}
	if (!a->file) {
		fputs(serve_usage, stderr);
		return 2;
	}
	if (a->cfg.port && a->cfg.socket_path)
		return img_fail(
			2, "serve: --socket and --port exclude each other");
	if (a->cfg.bind && !a->cfg.port)
		return img_fail(2, "serve: --bind needs --port");
	if (!a->cfg.port && !a->cfg.socket_path) {
		const char *dir = getenv("XDG_RUNTIME_DIR");

		snprintf(a->sock, sizeof(a->sock), "%s/squeeze-nbd-%d.sock",
			 dir && dir[0] == '/' ? dir : "/tmp", getpid());
		a->cfg.socket_path = a->sock;
	}
	return 0;
}

/* Each serving thread: no capability, then its seccomp allowlist. */
static int confine_thread(void *opaque)
{
	const struct sandbox_filters *f = opaque;
	int ret = caps_drop_all();

	return ret ? ret : sandbox_load(f, SANDBOX_NBD);
}

static int prepare_confinement(struct sandbox_filters *f, struct err *err)
{
	int ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return err_host(err, -errno, "no_new_privs: %s",
				strerror(errno));
	ret = sandbox_report_install(NULL, err);
	return ret ? ret : sandbox_filters_build(f, NULL, 0, err);
}

static void announce(const struct serve_args *a, const struct disk *d)
{
	printf("serving %s (%s, %llu bytes, %s) at ", a->file, d->ops->name,
	       (unsigned long long)d->size,
	       a->cfg.readonly ? "read-only" : "read-write");
	if (a->cfg.port)
		printf("nbd://%s:%u/\n",
		       a->cfg.bind ? a->cfg.bind : "127.0.0.1", a->cfg.port);
	else
		printf("nbd+unix:///?socket=%s\n", a->cfg.socket_path);
	fflush(stdout);
	if (a->cfg.port)
		pr_warn("NBD has no authentication: anyone who can connect to %s port %u can read%s %s",
			a->cfg.bind ? a->cfg.bind : "127.0.0.1", a->cfg.port,
			a->cfg.readonly ? "" : " and write", a->file);
}

int img_serve(int argc, char **argv)
{
	struct serve_args a = { .cfg = { .max_clients = 64 } };
	struct sandbox_filters filters = { 0 };
	struct disk_options reopen;
	struct err err = { 0 };
	struct nbd_server *s;
	struct disk d;
	int ret;

	ret = parse(&a, argc, argv);
	if (ret)
		return ret;
	if (a.fmt == DISK_FMT_VMDK && !a.cfg.readonly)
		return img_fail(
			2,
			"serve: vmdk images are served read-only; add --readonly");
	reopen = (struct disk_options){ .path = a.file,
					.format = a.fmt,
					.readonly = a.cfg.readonly,
					.backing_dir = a.backing_dir };
	if (img_disk_open(&d, &reopen, &err))
		return img_fail(err_exit_status(&err), "serve: %s", err.msg);
	/* Read-only: more threads, each opening the image (format checked). */
	reopen.format = d.ops == &disk_raw_ops ? DISK_FMT_RAW : reopen.format;
	a.cfg.reopen = &reopen;
	a.cfg.confine = confine_thread;
	a.cfg.confine_opaque = &filters;
	ret = nbd_server_new(&s, &d, &a.cfg, &err);
	if (!ret)
		ret = prepare_confinement(&filters, &err);
	if (!ret) {
		announce(&a, &d);
		ret = nbd_server_run(s, &err);
	}
	sandbox_filters_free(&filters);
	nbd_server_free(s);
	disk_close(&d);
	if (ret)
		return img_fail(err_exit_status(&err), "serve: %s", err.msg);
	return 0;
}
