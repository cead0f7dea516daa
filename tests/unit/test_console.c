// SPDX-License-Identifier: MIT
/*
 * Unit tests of the console: the Ctrl-A escape filter and file output.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/machine/console.h"

static struct console con;

Test(console, filter_passes_plain_bytes)
{
	u8 buf[] = "ls -l\r";

	memset(&con, 0, sizeof(con));
	cr_assert_eq(console_filter(&con, buf, 6), 6);
	cr_assert_arr_eq(buf, "ls -l\r", 6);
}

Test(console, ctrl_a_ctrl_a_is_a_literal_ctrl_a)
{
	u8 buf[] = { 'a', 0x01, 0x01, 'b' };

	memset(&con, 0, sizeof(con));
	cr_assert_eq(console_filter(&con, buf, 4), 3);
	cr_assert_arr_eq(buf, ((u8[]){ 'a', 0x01, 'b' }), 3);
}

Test(console, ctrl_a_x_quits_even_split_across_reads)
{
	u8 a[] = { 'q', 0x01 }, b[] = { 'x' };

	memset(&con, 0, sizeof(con));
	cr_assert_eq(console_filter(&con, a, 2), 1);
	cr_assert_eq(console_filter(&con, b, 1), -1);
}

Test(console, other_key_after_ctrl_a_is_dropped)
{
	u8 buf[] = { 0x01, 'c', 'd' };

	memset(&con, 0, sizeof(con));
	cr_assert_eq(console_filter(&con, buf, 3), 1);
	cr_assert_eq(buf[0], 'd');
}

Test(console, file_console_truncates_and_is_0644)
{
	char path[] = "/tmp/squeeze-console-XXXXXX";
	struct vm_config cfg = { .console = CONSOLE_FILE };
	struct err err;
	char back[16] = { 0 };
	struct stat st;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "old contents", 12), 12);
	close(fd);
	unlink(path); /* must be created, with our mode */
	umask(022);
	cfg.console_path = path;
	cr_assert_eq(console_open(&con, &cfg, NULL, NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(con.in_fd, -1, "a file console takes no input");
	console_serial_ops.write(&con, (const u8 *)"hi\n", 3);
	console_close(&con);
	console_close(&con); /* twice is fine */
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, back, sizeof(back)), 3);
	cr_assert_str_eq(back, "hi\n");
	close(fd);
	unlink(path);
}

Test(console, unwritable_file_is_an_error)
{
	struct vm_config cfg = { .console = CONSOLE_FILE,
				 .console_path = "/nonexistent/dir/out" };
	struct err err;

	cr_assert_lt(console_open(&con, &cfg, NULL, NULL, &err), 0);
	cr_assert(strstr(err.msg, "/nonexistent/dir/out"), "%s", err.msg);
	console_close(&con);
}

static bool is_input(void *opaque, const struct stat *st)
{
	const struct stat *in = opaque;

	return in->st_dev == st->st_dev && in->st_ino == st->st_ino;
}

/* Issue 10: a console file that is an input is refused and untouched. */
Test(console, input_file_is_refused_untouched)
{
	char path[] = "/tmp/squeeze-console-XXXXXX";
	struct vm_config cfg = { .console = CONSOLE_FILE };
	struct err err = { 0 };
	struct stat in;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "disk data", 9), 9);
	cr_assert_eq(fstat(fd, &in), 0);
	close(fd);
	cfg.console_path = path;
	cr_assert_lt(console_open(&con, &cfg, is_input, &in, &err), 0);
	cr_assert(strstr(err.msg, "is a file the VM reads"), "%s", err.msg);
	cr_assert_eq(err.class, ERR_INPUT);
	console_close(&con);
	cr_assert_eq(stat(path, &in), 0);
	cr_assert_eq(in.st_size, 9, "the input was truncated");
	unlink(path);
}

/* Issue 10: a FIFO nobody reads is an error at once, never a hang. */
Test(console, fifo_without_reader_fails_at_once, .timeout = 10)
{
	char dir[] = "/tmp/squeeze-fifo-XXXXXX", path[64];
	struct vm_config cfg = { .console = CONSOLE_FILE };
	struct err err = { 0 };

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cfg.console_path = path;
	cr_assert_eq(console_open(&con, &cfg, NULL, NULL, &err), -ENXIO);
	cr_assert(strstr(err.msg, "nobody reads"), "%s", err.msg);
	console_close(&con);
	unlink(path);
	rmdir(dir);
}
