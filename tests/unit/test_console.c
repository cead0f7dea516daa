// SPDX-License-Identifier: MIT
/*
 * Unit tests of the console: the Ctrl-A escape filter and file output.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
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
	unlink(path);		/* must be created, with our mode */
	umask(022);
	cfg.console_path = path;
	cr_assert_eq(console_open(&con, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(con.in_fd, -1, "a file console takes no input");
	console_serial_ops.write(&con, (const u8 *)"hi\n", 3);
	console_close(&con);
	console_close(&con);	/* twice is fine */
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

	cr_assert_lt(console_open(&con, &cfg, &err), 0);
	cr_assert(strstr(err.msg, "/nonexistent/dir/out"), "%s", err.msg);
	console_close(&con);
}
