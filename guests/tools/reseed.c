// SPDX-License-Identifier: MIT
/*
 * reseed HEX: what a clone restored from a snapshot must do before it
 * does anything that has to differ from its siblings (docs/snapshot.md):
 * put fresh entropy from the host (HEX, up to 64 bytes) into the kernel's
 * input pool, credited (RNDADDENTROPY), then make the CRNG take it at once
 * (RNDRESEEDCRNG). Linux 6.1 mixes a write to /dev/urandom, and the bytes
 * of RNDADDENTROPY, into the pool only: the CRNG, whose key every clone
 * shares, goes on unchanged until its next scheduled reseed. Built static
 * for the test initramfs, where busybox has no way to call an ioctl.
 * Exit status 0, or 1 with one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SEED_MAX 64

/* rand_pool_info with room for its data. */
struct pool_req {
	struct rand_pool_info info;
	__u32 data[SEED_MAX / sizeof(__u32)];
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HEX into @out: its length in bytes, or -1 when it is not even hex. */
static int parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n == 0 || n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static int fail(const char *what)
{
	fprintf(stderr, "reseed: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct pool_req req;
	int n, fd, ret = 0;

	memset(&req, 0, sizeof(req));
	n = argc == 2 ? parse_hex(argv[1], (unsigned char *)req.data,
				  sizeof(req.data)) :
			-1;
	if (n < 0) {
		fprintf(stderr, "usage: reseed HEX (1 to %d bytes)\n",
			SEED_MAX);
		return 1;
	}
	req.info.entropy_count = n * 8;
	req.info.buf_size = n;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("/dev/urandom");
	if (ioctl(fd, RNDADDENTROPY, &req) < 0)
		ret = fail("RNDADDENTROPY");
	else if (ioctl(fd, RNDRESEEDCRNG) < 0)
		ret = fail("RNDRESEEDCRNG");
	close(fd);
	return ret;
}
