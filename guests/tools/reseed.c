// SPDX-License-Identifier: MIT
/*
 * reseed < SEED: what a clone restored from a snapshot must do before it
 * does anything that has to differ from its siblings (docs/snapshot.md):
 * put fresh entropy from the host (stdin, its first 64 bytes) into the
 * kernel's input pool (RNDADDENTROPY, credited with nothing: its quality
 * is the host's business), then make the CRNG reseed from the pool at
 * once (RNDRESEEDCRNG). Linux 6.1 mixes a write to /dev/urandom, and the
 * bytes of RNDADDENTROPY, into the pool only: the CRNG, whose key every
 * clone shares, goes on unchanged until its next scheduled reseed. Built
 * static for the test initramfs, where busybox cannot call an ioctl.
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

static int fail(const char *what)
{
	fprintf(stderr, "reseed: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Up to @max bytes of stdin, to its end. */
static ssize_t read_seed(void *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max) {
		n = read(STDIN_FILENO, (char *)buf + got, max - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int main(void)
{
	struct pool_req req;
	ssize_t n;
	int fd, ret = 0;

	memset(&req, 0, sizeof(req));
	n = read_seed(req.data, sizeof(req.data));
	if (n < 0)
		return fail("stdin");
	if (n == 0) {
		fprintf(stderr, "reseed: no seed on stdin\n");
		return 1;
	}
	req.info.entropy_count = 0;
	req.info.buf_size = (int)n;
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
