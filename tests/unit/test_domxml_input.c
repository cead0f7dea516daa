// SPDX-License-Identifier: MIT
/*
 * Domain XML as input: what the parser refuses before any mapping (DTDs
 * and entities, malformed XML, size), the shell quoting of the command
 * line, and `run --domain FILE` through config_parse() with command-line
 * options overriding the domain.
 */
#include <unistd.h>

#include "domxml_fixture.h"
#include "vmm/config/config.h"

TestSuite(domxml_input, .fini = fixture_fini);

Test(domxml_input, doctype_and_entities_refused)
{
	static const char *const refused[][2] = {
		/* billion laughs, cut short: it never gets past its DOCTYPE */
		{ "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol 'lol'>\n"
		  "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n]>\n"
		  "<domain type='kvm'><name>&lol2;</name></domain>",
		  "t.xml:2: <!DOCTYPE>: refused" },
		{ "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
		  "<domain type='kvm'><name>&x;</name></domain>",
		  "t.xml:1: <!DOCTYPE>: refused" },
		{ "<?xml version='1.0'?>\n\n<!DOCTYPE domain SYSTEM '/etc/passwd'>\n<domain/>",
		  "t.xml:3: <!DOCTYPE>: refused" },
		{ "<!DOCTYPE domain PUBLIC '-//x//y' 'http://127.0.0.1/d.dtd'><domain/>",
		  "t.xml:1: <!DOCTYPE>: refused" },
		{ "<!DOCTYPE domain><domain/>", "<!DOCTYPE>: refused" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++)
		expect_refused(refused[i][0], refused[i][1]);
}

Test(domxml_input, malformed)
{
	expect_refused(
		"<domain type='kvm'>\n<name>t</nam></domain>",
		"t.xml:2: not well-formed XML: Opening and ending tag mismatch");
	expect_refused("<domain type='kvm'>\n<name>&x;</name></domain>",
		       "t.xml:2: not well-formed XML: Entity 'x' not defined");
	expect_refused("", "not well-formed XML");
	expect_refused("<domain", "not well-formed XML");
	expect_refused("\x01\x02garbage", "not well-formed XML");
	expect_refused("<domain/><domain/>",
		       "not well-formed XML: Extra content");
	expect_refused(
		"<network><name>n</name></network>",
		"t.xml:1: <network>: not a libvirt domain: the root element must be <domain>");
	expect_refused("<d:domain xmlns:d='urn:x'/>",
		       "<d:domain>: not a libvirt domain");
}

Test(domxml_input, too_big)
{
	size_t len = DOMXML_MAX_SIZE + 1;
	char *big = malloc(len);

	cr_assert_not_null(big);
	memset(big, ' ', len);
	memcpy(big, "<domain>", 8);
	err = (struct err){ 0 };
	cr_assert_eq(domxml_load_mem(&dx, big, len, "t.xml", &err), -EFBIG);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(strstr(err.msg, "t.xml: more than the 1024 KiB"), "%s",
		  err.msg);
	free(big);
}

Test(domxml_input, shell_quoting)
{
	static const char *const t[][2] = {
		{ "plain/path-1.0_x:y=z,w@%+", "plain/path-1.0_x:y=z,w@%+" },
		{ "two words", "'two words'" },
		{ "it's", "'it'\\''s'" },
		{ "", "''" },
		{ "$HOME;rm -rf /", "'$HOME;rm -rf /'" },
		{ "a\nb", "'a\nb'" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		char *q = domxml_shell_quote(t[i][0]);

		cr_assert_str_eq(q, t[i][1]);
		free(q);
	}
}

/* config_parse() with --domain FILE: a real file, as `squeeze run` reads it. */
static char path[64];
static struct vm_config cfg;

static void write_domain(const char *xml)
{
	int fd;

	strcpy(path, "/tmp/test_domxml.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
}

static int parse_run(char **argv, int argc)
{
	err = (struct err){ 0 };
	return config_parse(&cfg, argc, argv, &err);
}

static void cfg_fini(void)
{
	config_free(&cfg);
	if (path[0])
		unlink(path);
}

Test(domxml_input, run_domain_with_overrides, .fini = cfg_fini)
{
	char disk[] = "/extra.img,readonly=on";
	char *argv[] = { "--memory", "2G", "--domain", path,
			 "--disk",   disk, "--cpus=3" };

	write_domain(DEV("<disk><source file='/a'/><target dev='vda'/></disk>\n"
			 "<interface type='bridge'><source bridge='br0'/>"
			 "<model type='virtio'/></interface>\n"));
	cr_assert_eq(parse_run(argv, ARRAY_SIZE(argv)), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.name, "t");
	cr_assert_str_eq(cfg.kernel, "/k");
	cr_assert_eq(cfg.mem_size, 2ULL << 30, "the command line wins");
	cr_assert_eq(cfg.cpus, 3);
	cr_assert_eq(cfg.nr_disks, 2, "--disk adds to the domain's disks");
	cr_assert_str_eq(cfg.disk[0].disk.path, "/a");
	cr_assert_str_eq(cfg.disk[1].disk.path, "/extra.img");
	cr_assert(cfg.disk[1].disk.readonly);
	cr_assert_eq(cfg.nr_nets, 1);
	cr_assert_str_eq(cfg.net[0].bridge, "br0");
	cr_assert_eq(cfg.on_reboot, VM_ACTION_RESTART);
	cr_assert_eq(cfg.on_poweroff, VM_ACTION_DESTROY);
	cr_assert_not_null(cfg.domain);
}

Test(domxml_input, run_domain_needs_a_kernel, .fini = cfg_fini)
{
	char *argv[] = { "--domain", path };
	char *with[] = { "--domain",	  path,		 "--kernel",
			 "/boot/vmlinuz", "--on-reboot", "destroy" };

	write_domain("<domain type='kvm'><name>t</name><memory>65536</memory>\n"
		     "<os><type>hvm</type><boot dev='hd'/></os></domain>\n");
	cr_assert_eq(parse_run(argv, 2), -EINVAL);
	cr_assert_eq(err.class, ERR_INPUT);
	cr_assert(
		strstr(err.msg,
		       ":2: <os> boots from hd: squeeze boots kernels directly"),
		"%s", err.msg);
	config_free(&cfg);
	cr_assert_eq(parse_run(with, ARRAY_SIZE(with)), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.kernel, "/boot/vmlinuz");
	cr_assert_eq(cfg.on_reboot, VM_ACTION_DESTROY);
}

Test(domxml_input, run_domain_errors, .fini = cfg_fini)
{
	char *twice[] = { "--domain", "/a.xml", "--domain=/b.xml" };
	char *missing[] = { "--domain", "/nonexistent/d.xml" };
	char *value[] = { "--cmdline", "--domain", "--kernel", "/k" };

	cr_assert_eq(parse_run(twice, 3), -EINVAL);
	cr_assert(strstr(err.msg, "only one domain XML file"), "%s", err.msg);
	cr_assert_neq(parse_run(missing, 2), 0);
	cr_assert_str_eq(
		err.msg,
		"--domain /nonexistent/d.xml: No such file or directory");
	cr_assert_eq(err.class, ERR_INPUT);
	config_free(&cfg);
	/* "--domain" as the value of --cmdline is no --domain. */
	cr_assert_eq(parse_run(value, 4), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.cmdline, "--domain");
	cr_assert_null(cfg.domain);
}

/* The new run options the mapping relies on. */
Test(domxml_input, run_options, .fini = cfg_fini)
{
	char *argv[] = { "--kernel",
			 "/k",
			 "--name",
			 "web 1",
			 "--on-poweroff",
			 "restart",
			 "--on-crash=restart",
			 "--console",
			 "pty" };
	char *bad[] = { "--kernel", "/k", "--on-reboot", "preserve" };

	cr_assert_eq(parse_run(argv, ARRAY_SIZE(argv)), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.name, "web 1");
	cr_assert_eq(cfg.on_poweroff, VM_ACTION_RESTART);
	cr_assert_eq(cfg.on_reboot, VM_ACTION_DESTROY);
	cr_assert_eq(cfg.on_crash, VM_ACTION_RESTART);
	cr_assert_eq(cfg.console, CONSOLE_PTY);
	cr_assert_eq(parse_run(bad, 4), -EINVAL);
	cr_assert_str_eq(err.msg,
			 "--on-reboot 'preserve': expected destroy or restart");
}
