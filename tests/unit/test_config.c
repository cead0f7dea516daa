// SPDX-License-Identifier: MIT
/* config_parse(): every option, both spellings, and every bad input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/config/config.h"
#include "vmm/core/layout.h"

/* argv as config_parse() sees it: writable copies (--disk splits in place). */
struct args {
	char buf[48][128];
	char *argv[48];
	int argc;
};

static struct args *mkargs(const char *const *words)
{
	static struct args a;

	memset(&a, 0, sizeof(a));
	for (; *words; words++, a.argc++) {
		strncpy(a.buf[a.argc], *words, sizeof(a.buf[0]) - 1);
		a.argv[a.argc] = a.buf[a.argc];
	}
	return &a;
}

static struct vm_config cfg;
static struct err err;

static int parse(const char *const *words)
{
	struct args *a = mkargs(words);

	err = (struct err){ 0 };
	return config_parse(&cfg, a->argc, a->argv, &err);
}

#define PARSE(...) parse((const char *const[]){ __VA_ARGS__, NULL })

static void expect_error(int ret, const char *needle)
{
	cr_assert_eq(ret, -EINVAL, "expected an error containing '%s'", needle);
	cr_assert(strstr(err.msg, needle), "error '%s' lacks '%s'", err.msg,
		  needle);
}

Test(config, defaults)
{
	cr_assert_eq(PARSE("--kernel", "k"), 0);
	cr_assert_str_eq(cfg.kernel, "k");
	cr_assert_null(cfg.initrd);
	cr_assert_str_eq(cfg.cmdline, DEFAULT_CMDLINE);
	cr_assert_eq(cfg.mem_size, DEFAULT_MEM_SIZE);
	cr_assert_eq(cfg.cpus, 1);
	cr_assert_eq(cfg.console, CONSOLE_STDIO);
	cr_assert_eq(cfg.nr_disks, 0);
	cr_assert_eq(cfg.nr_nets, 0);
}

Test(config, all_options_both_spellings)
{
	cr_assert_eq(PARSE("--kernel=/k", "--initrd", "/i", "--cmdline=a b",
			   "--memory", "1G", "--cpus=4", "--console",
			   "file=/tmp/x", "--verbose", "--stats"),
		     0, "%s", err.msg);
	cr_assert_str_eq(cfg.kernel, "/k");
	cr_assert_str_eq(cfg.initrd, "/i");
	cr_assert_str_eq(cfg.cmdline, "a b");
	cr_assert_eq(cfg.mem_size, 1ULL << 30);
	cr_assert_eq(cfg.cpus, 4);
	cr_assert_eq(cfg.console, CONSOLE_FILE);
	cr_assert_str_eq(cfg.console_path, "/tmp/x");
	cr_assert(cfg.verbose);
	cr_assert(cfg.stats);
	cr_assert_eq(PARSE("--kernel", "k", "--console", "none"), 0);
	cr_assert_not(cfg.stats);
	cr_assert_eq(cfg.console, CONSOLE_NONE);
	cr_assert_eq(PARSE("--kernel", "k", "--cmdline", ""), 0);
	cr_assert_str_eq(cfg.cmdline, "");
}

Test(config, help)
{
	cr_assert_eq(PARSE("--help"), CONFIG_HELP);
	cr_assert_eq(PARSE("--kernel", "k", "-h"), CONFIG_HELP);
}

Test(config, usage_errors)
{
	expect_error(PARSE("--cpus", "2"), "--kernel PATH is required");
	expect_error(PARSE("--kernel", "k", "--frobnicate", "1"),
		     "unknown option '--frobnicate'");
	expect_error(PARSE("--kernel", "k", "--memory"),
		     "--memory needs a value");
	expect_error(PARSE("--kernel", "k", "stray"),
		     "unexpected argument 'stray'");
	expect_error(PARSE("--kernel", ""), "--kernel needs a non-empty value");
	expect_error(PARSE("--kernel", "k", "--console", "tty"),
		     "expected stdio, none, pty or file=PATH");
	expect_error(PARSE("--kernel", "k", "--console", "file="),
		     "file= needs a PATH");
}

Test(config, memory_limits)
{
	cr_assert_eq(PARSE("--kernel", "k", "--memory", "16M"), 0);
	cr_assert_eq(PARSE("--kernel", "k", "--memory", "1T"), 0);
	cr_assert_eq(PARSE("--kernel", "k", "--memory", "268435456"), 0);
	cr_assert_eq(cfg.mem_size, 256ULL << 20);
	expect_error(PARSE("--kernel", "k", "--memory", "15M"),
		     "less than the minimum of 16M");
	expect_error(PARSE("--kernel", "k", "--memory", "0"), "minimum");
	expect_error(PARSE("--kernel", "k", "--memory", "1025G"),
		     "more than the maximum of 1T");
	expect_error(PARSE("--kernel", "k", "--memory", "99999999999999999999"),
		     "maximum");
	expect_error(PARSE("--kernel", "k", "--memory", "lots"),
		     "'lots' is not a size");
	expect_error(PARSE("--kernel", "k", "--memory", "16777217"),
		     "not a multiple of 4K");
}

Test(config, cpus_limits)
{
	cr_assert_eq(PARSE("--kernel", "k", "--cpus", "254"), 0);
	cr_assert_eq(cfg.cpus, 254);
	expect_error(PARSE("--kernel", "k", "--cpus", "0"),
		     "at least one vCPU");
	expect_error(PARSE("--kernel", "k", "--cpus", "255"),
		     "more than the maximum of 254");
	expect_error(PARSE("--kernel", "k", "--cpus", "-1"), "not a number");
	expect_error(PARSE("--kernel", "k", "--cpus", "2x"), "not a number");
	expect_error(
		PARSE("--kernel", "k", "--cpus", "99999999999999999999999"),
		"not a number");
}

Test(config, disk_spec)
{
	cr_assert_eq(PARSE("--kernel", "k", "--disk", "/a.img", "--disk",
			   "/b.qcow2,format=qcow2,readonly=on,"
			   "serial=ABCDEFGHIJKLMNOPQRST,cache=none,"
			   "backing=off"),
		     0, "%s", err.msg);
	cr_assert_eq(cfg.nr_disks, 2);
	cr_assert_str_eq(cfg.disk[0].disk.path, "/a.img");
	cr_assert_eq(cfg.disk[0].disk.format, DISK_FMT_UNSPECIFIED);
	cr_assert_not(cfg.disk[0].disk.readonly);
	cr_assert_eq(cfg.disk[0].disk.cache, DISK_CACHE_WRITEBACK);
	cr_assert_not(cfg.disk[0].disk.backing_off);
	cr_assert_str_eq(cfg.disk[1].disk.path, "/b.qcow2");
	cr_assert_eq(cfg.disk[1].disk.format, DISK_FMT_QCOW2);
	cr_assert(cfg.disk[1].disk.readonly);
	cr_assert_str_eq(cfg.disk[1].serial, "ABCDEFGHIJKLMNOPQRST");
	cr_assert_eq(cfg.disk[1].disk.cache, DISK_CACHE_NONE);
	cr_assert(cfg.disk[1].disk.backing_off);
	cr_assert_eq(PARSE("--kernel", "k", "--disk",
			   "x,format=raw,readonly=off,backing=on"),
		     0);
	cr_assert_eq(cfg.disk[0].disk.format, DISK_FMT_RAW);
}

Test(config, disk_errors)
{
	expect_error(PARSE("--kernel", "k", "--disk", ",format=raw"),
		     "missing PATH");
	expect_error(PARSE("--kernel", "k", "--disk", "a,speed=fast"),
		     "unknown option 'speed'");
	expect_error(PARSE("--kernel", "k", "--disk",
			   "a,serial=ABCDEFGHIJKLMNOPQRSTU"),
		     "longer than 20 bytes");
	expect_error(PARSE("--kernel", "k", "--disk", "a,format=vdi"),
		     "expected raw, qcow2 or vmdk");
	expect_error(PARSE("--kernel", "k", "--disk", "a,readonly=yes"),
		     "expected on or off");
	expect_error(PARSE("--kernel", "k", "--disk", "a,cache=unsafe"),
		     "expected writeback or none");
	expect_error(PARSE("--kernel", "k", "--disk", "a,readonly"),
		     "needs a value");
}

Test(config, too_many_disks_and_nets)
{
	const char *w[48] = { "--kernel", "k" };
	int n = 2, i;

	for (i = 0; i < CONFIG_MAX_DISKS; i++) {
		w[n++] = "--disk";
		w[n++] = "x";
	}
	w[n] = NULL;
	cr_assert_eq(parse(w), 0, "%s", err.msg);
	cr_assert_eq(cfg.nr_disks, CONFIG_MAX_DISKS);
	w[n++] = "--disk";
	w[n++] = "x";
	w[n] = NULL;
	expect_error(parse(w), "at most 16 disks");

	n = 2;
	for (i = 0; i <= CONFIG_MAX_NETS; i++) {
		w[n++] = "--net";
		w[n++] = "tap=t";
	}
	w[n] = NULL;
	expect_error(parse(w), "at most 8 network interfaces");
}

Test(config, net_spec)
{
	cr_assert_eq(PARSE("--kernel", "k", "--net", "bridge=br0", "--net",
			   "tap=tap7,mac=52:54:00:Ab:cD:ef", "--net",
			   "bridge=br1,mac=02:00:00:00:00:01,tap=t1"),
		     0, "%s", err.msg);
	cr_assert_eq(cfg.nr_nets, 3);
	cr_assert_str_eq(cfg.net[0].bridge, "br0");
	cr_assert_str_eq(cfg.net[0].tap, "");
	cr_assert_not(cfg.net[0].has_mac);
	cr_assert_str_eq(cfg.net[1].tap, "tap7");
	cr_assert(cfg.net[1].has_mac);
	cr_assert_arr_eq(cfg.net[1].mac,
			 ((u8[]){ 0x52, 0x54, 0, 0xab, 0xcd, 0xef }), 6);
	cr_assert_str_eq(cfg.net[2].bridge, "br1");
	cr_assert_str_eq(cfg.net[2].tap, "t1");
	cr_assert_eq(cfg.net[2].mac[5], 1);
	/* 15 characters is the longest name Linux allows. */
	cr_assert_eq(PARSE("--kernel", "k", "--net", "tap=abcdefghijklmno"), 0);
}

Test(config, net_errors)
{
	expect_error(PARSE("--kernel", "k", "--net", "mac=52:54:00:12:34:56"),
		     "needs bridge=BR or tap=NAME");
	expect_error(PARSE("--kernel", "k", "--net", "bridge=br0,vlan=3"),
		     "unknown option 'vlan'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=abcdefghijklmnop"),
		     "at most 15 characters");
	expect_error(PARSE("--kernel", "k", "--net", "bridge="),
		     "needs an interface name");
	expect_error(PARSE("--kernel", "k", "--net", "tap=a/b"),
		     "invalid name");
	expect_error(
		PARSE("--kernel", "k", "--net", "tap=t,mac=01:00:5e:00:00:01"),
		"multicast");
	expect_error(
		PARSE("--kernel", "k", "--net", "tap=t,mac=00:00:00:00:00:00"),
		"all zero");
	expect_error(
		PARSE("--kernel", "k", "--net", "tap=t,mac=52:54:00:12:34"),
		"expected a MAC");
	expect_error(
		PARSE("--kernel", "k", "--net", "tap=t,mac=52-54-00-12-34-56"),
		"expected a MAC");
	expect_error(
		PARSE("--kernel", "k", "--net", "tap=t,mac=52:54:00:12:34:5g"),
		"expected a MAC");
	expect_error(PARSE("--kernel", "k", "--net", "tap"), "needs a value");
}

Test(config, disk_and_net_counts)
{
	struct blk_options d;
	struct virtio_net_options n;
	char spec[] = "p,serial=x";

	cr_assert_eq(config_parse_disk(&d, spec, &err), 0);
	cr_assert_str_eq(d.disk.path, "p");
	cr_assert_str_eq(d.serial, "x");
	cr_assert_eq(config_parse_net(&n, "tap=x,tap=y", &err), 0);
	cr_assert_str_eq(n.tap, "y");
}

Test(config, fs_spec)
{
	cr_assert_eq(PARSE("--kernel", "k", "--fs", "/srv/data/", "--fs",
			   "/x,tag=other,readonly=on", "--fs",
			   "socket=/run/fs.sock,tag=ext"),
		     0, "%s", err.msg);
	cr_assert_eq(cfg.nr_fs, 3);
	cr_assert_str_eq(cfg.fs[0].dir, "/srv/data/");
	cr_assert_str_eq(cfg.fs[0].tag, "data");
	cr_assert_null(cfg.fs[0].socket);
	cr_assert_not(cfg.fs[0].readonly);
	cr_assert_str_eq(cfg.fs[1].tag, "other");
	cr_assert(cfg.fs[1].readonly);
	cr_assert_null(cfg.fs[2].dir);
	cr_assert_str_eq(cfg.fs[2].socket, "/run/fs.sock");
	cr_assert_str_eq(cfg.fs[2].tag, "ext");
	cr_assert(config_has_vhost_user(&cfg));
	/* Exactly 36 bytes fit (the config field is not NUL-terminated). */
	expect_error(PARSE("--kernel", "k", "--fs",
			   "d,tag=abcdefghijklmnopqrstuvwxyz0123456789x"),
		     "longer than 36 bytes");
	cr_assert_eq(PARSE("--kernel", "k", "--fs",
			   "d,tag=abcdefghijklmnopqrstuvwxyz0123456789"),
		     0, "%s", err.msg);
	cr_assert_eq(strlen(cfg.fs[0].tag), FS_TAG_MAX);
}

Test(config, fs_errors)
{
	expect_error(PARSE("--kernel", "k", "--fs", ""), "expected DIR");
	expect_error(PARSE("--kernel", "k", "--fs", "socket="), "expected DIR");
	expect_error(PARSE("--kernel", "k", "--fs", "socket=/s"),
		     "needs tag=NAME");
	expect_error(
		PARSE("--kernel", "k", "--fs", "socket=/s,tag=a,readonly=on"),
		"only applies to a DIR");
	expect_error(PARSE("--kernel", "k", "--fs", "/"), "add tag=NAME");
	expect_error(PARSE("--kernel", "k", "--fs", "a/.."), "add tag=NAME");
	expect_error(PARSE("--kernel", "k", "--fs",
			   "/abcdefghijklmnopqrstuvwxyz0123456789x"),
		     "longer than a tag may be");
	expect_error(PARSE("--kernel", "k", "--fs", "d,tag="), "needs a NAME");
	expect_error(PARSE("--kernel", "k", "--fs", "d,cache=auto"),
		     "unknown option 'cache'");
	expect_error(PARSE("--kernel", "k", "--fs", "d,readonly=maybe"),
		     "expected on or off");
	expect_error(PARSE("--kernel", "k", "--fs", "/a/x", "--fs", "/b/x"),
		     "tag 'x' is used twice");
	cr_assert_eq(err.class, ERR_INPUT);
}

Test(config, vhost_user_disk)
{
	cr_assert_eq(PARSE("--kernel", "k", "--disk", "a.img", "--disk",
			   "vhost-user=/run/b.sock,readonly=on"),
		     0, "%s", err.msg);
	cr_assert_null(cfg.disk[0].vhost_user);
	cr_assert_str_eq(cfg.disk[1].vhost_user, "/run/b.sock");
	cr_assert_null(cfg.disk[1].disk.path);
	cr_assert(cfg.disk[1].disk.readonly);
	cr_assert(config_has_vhost_user(&cfg));
	cr_assert_eq(PARSE("--kernel", "k", "--disk", "a.img"), 0);
	cr_assert_not(config_has_vhost_user(&cfg));
	expect_error(PARSE("--kernel", "k", "--disk", "vhost-user="),
		     "needs the back-end's socket PATH");
	expect_error(
		PARSE("--kernel", "k", "--disk", "vhost-user=/s,format=qcow2"),
		"does not apply");
	expect_error(PARSE("--kernel", "k", "--disk", "vhost-user=/s,serial=x"),
		     "does not apply");
}

/* Issue 10: ",," is a literal comma (QEMU's rule), in the path and values. */
Test(config, disk_doubled_commas)
{
	cr_assert_eq(PARSE("--kernel", "k", "--disk",
			   "/v/a,,b,,.raw,readonly=on,backing-dir=/x,,y"),
		     0, "%s", err.msg);
	cr_assert_str_eq(cfg.disk[0].disk.path, "/v/a,b,.raw");
	cr_assert(cfg.disk[0].disk.readonly);
	cr_assert_str_eq(cfg.disk[0].disk.backing_dir, "/x,y");
	cr_assert_eq(PARSE("--kernel", "k", "--disk", "a,,,format=raw"), 0,
		     "%s", err.msg);
	cr_assert_str_eq(cfg.disk[0].disk.path, "a,");
	cr_assert_eq(cfg.disk[0].disk.format, DISK_FMT_RAW);
	expect_error(PARSE("--kernel", "k", "--disk", "a,backing-dir="),
		     "backing-dir= needs a directory");
}

/* Issue 10: \r, \v, \f and '%' in a tap or bridge name are invalid names. */
Test(config, ifname_invalid_characters)
{
	static const char *const bad[] = {
		"tap=a\rb",  "tap=a\vb",   "tap=a\fb",
		"tap=tap%d", "bridge=b%r", "tap=a\x7f",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(PARSE("--kernel", "k", "--net", bad[i]),
			     "invalid name");
}

/* Issue 10: a command line no kernel can take is refused while parsing. */
Test(config, cmdline_too_long)
{
	static char big[LAYOUT_CMDLINE_MAX + 1];
	struct vm_config c;
	char *argv[] = { "--kernel", "k", "--cmdline", big };
	struct err e = { 0 };

	memset(big, 'a', sizeof(big) - 1);
	cr_assert_eq(config_parse(&c, 4, argv, &e), -E2BIG);
	cr_assert(strstr(e.msg, "--cmdline is"), "%s", e.msg);
}

Test(config, seccomp_switch)
{
	cr_assert_eq(PARSE("--kernel", "k"), 0);
	cr_assert_not(cfg.no_seccomp, "seccomp is on by default");
	cr_assert_eq(PARSE("--kernel", "k", "--seccomp=off"), 0);
	cr_assert(cfg.no_seccomp);
	cr_assert_eq(PARSE("--kernel", "k", "--seccomp", "on"), 0);
	cr_assert_not(cfg.no_seccomp);
	expect_error(PARSE("--kernel", "k", "--seccomp=maybe"),
		     "expected on or off");
}
