// SPDX-License-Identifier: MIT
/*
 * The copy loop of `img convert`: the source's block status skips what
 * reads as zeros without reading it (holes of a raw file, unallocated or
 * zero clusters through a whole backing chain); what is read is scanned
 * grain by grain, and only grains holding a non-zero byte are written.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/img/convert.h"

#define CHUNK (2 * MiB)

static bool is_zero(const u8 *p, u64 len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

static bool stopped(const struct cv_copy *c)
{
	sigset_t pending;
	int sig;

	if (!c->stop || sigpending(&pending))
		return false;
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(c->stop, sig) && sigismember(&pending, sig))
			return true;
	return false;
}

static void progress(const struct cv_copy *c, u64 done, int *shown)
{
	int pct = c->size ? (int)(done * 10000 / c->size) : 10000;

	if (!c->progress || pct == *shown)
		return;
	*shown = pct;
	printf("\r    (%d.%02d/100%%)", pct / 100, pct % 100);
	fflush(stdout);
}

/* Write the grains of @buf ([off, off + len)) that are not all zeros. */
static int write_nonzero(struct cv_copy *c, u64 off, const u8 *buf, u64 len)
{
	u64 g = cv_writer_grain(c->w), pos = 0, start, n;
	int ret;

	while (pos < len) {
		n = MIN(g - (off + pos) % g, len - pos);
		if (is_zero(buf + pos, n)) {
			pos += n;
			continue;
		}
		start = pos;
		while (pos < len) {
			n = MIN(g - (off + pos) % g, len - pos);
			if (is_zero(buf + pos, n))
				break;
			pos += n;
		}
		ret = cv_writer_write(c->w, off + start, buf + start,
				      pos - start);
		if (ret)
			return ret;
		c->written += pos - start;
	}
	return 0;
}

/*
 * From @off: how many bytes to skip (*@skip) or to read (*@read), never
 * crossing a CHUNK boundary. Skips are cut to whole grains so that reads
 * start on a grain.
 */
static int plan(struct cv_copy *c, u64 off, u64 *skip, u64 *read)
{
	u64 g = cv_writer_grain(c->w), src = c->src->size;
	u64 n = MIN(CHUNK - off % CHUNK, c->size - off), run, end;
	u32 flags;
	int ret;

	*skip = *read = 0;
	if (off >= src) {
		*skip = c->size - off; /* past the source: zeros */
		return 0;
	}
	ret = disk_block_status(c->src, off, MIN(n, src - off), &run, &flags);
	if (ret)
		return ret;
	end = off + run;
	if (flags & DISK_ST_ZERO) {
		if (end < c->size)
			end = ALIGN_DOWN(end, g);
		if (end > off) {
			*skip = end - off;
			return 0;
		}
		run = MIN(g - off % g, n); /* a grain part zero, part data */
	}
	*read = MIN(ALIGN_UP(off + run, g), off + n) - off;
	return 0;
}

static int read_src(struct cv_copy *c, u64 off, u8 *buf, u64 len)
{
	u64 src = c->src->size, n = off < src ? MIN(len, src - off) : 0;
	int ret = 0;

	if (n)
		ret = disk_rw_sync(c->src, DISK_OP_READ, off, buf, n);
	memset(buf + n, 0, len - n);
	return ret;
}

int cv_copy_run(struct cv_copy *c, struct err *err)
{
	u64 off = 0, skip, len;
	int shown = -1, ret = 0;
	u8 *buf;

	if (posix_memalign((void **)&buf, 4096, CHUNK))
		return err_host(err, -ENOMEM, "out of memory");
	progress(c, 0, &shown);
	while (off < c->size && !ret) {
		if (stopped(c)) {
			ret = -EINTR;
			break;
		}
		ret = plan(c, off, &skip, &len);
		if (ret) {
			err_input(err, ret, "cannot read the source: %s",
				  strerror(-ret));
			break;
		}
		if (len) {
			ret = read_src(c, off, buf, len);
			if (ret)
				err_input(err, ret,
					  "cannot read the source at %llu: %s",
					  (unsigned long long)off,
					  strerror(-ret));
			else if ((ret = write_nonzero(c, off, buf, len)))
				err_host(err, ret, "cannot write: %s",
					 strerror(-ret));
		}
		off += skip + len;
		progress(c, off, &shown);
	}
	if (c->progress)
		printf("\n");
	free(buf);
	return ret;
}
