// SPDX-License-Identifier: MIT
/*
 * Drives struct disk (the qcow2 engine or raw) directly for
 * suite_qcow2.sh, which judges the results with qemu-img:
 *
 *   open IMG [ro,nobacking] open and close; the error line and exit 2 if
 *                          the open is refused
 *   dump IMG OUT           read the whole image (odd chunk sizes) into OUT
 *   random IMG MODEL SEED N
 *                          N random writes, discards, zeroes, flushes and
 *                          read-back checks against an in-memory model;
 *                          the model is written to MODEL (raw) at the end
 *   crash IMG LOG SEED     write, discard and flush 4 KiB blocks forever,
 *                          logging each op before it starts and each
 *                          completed flush (write(2): survives SIGKILL)
 *   verify RAW LOG [BASE]  check RAW (qemu-img convert of the crashed
 *                          image) against LOG: every block is what the
 *                          last flushed op made it, or a later op's value
 *                          (BASE: the raw content before the run)
 *
 * Exit 0 on success, 1 on a mismatch or I/O error (with one line why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/disk.h"
#include "vmm/base/types.h"

#define BLK 4096

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int open_img_opts(struct disk *d, const char *path, bool ro,
			 bool no_backing)
{
	struct disk_options c = { .path = path,
				  .format = DISK_FMT_QCOW2,
				  .readonly = ro,
				  .backing_off = no_backing,
				  .backing_dir = getenv("BACKING_DIR") };
	struct err err;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->event_fd = -1;
	ret = disk_qcow2_ops.open(d, &c, &err);
	if (ret) {
		fprintf(stderr, "open: %s\n", err.msg);
		return ret;
	}
	d->ops = &disk_qcow2_ops;
	return 0;
}

static int open_img(struct disk *d, const char *path, bool ro)
{
	return open_img_opts(d, path, ro, false);
}

static int write_file(const char *path, const void *buf, u64 len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int read_all(struct disk *d, u8 *buf)
{
	u64 off = 0, chunk, s = 7;
	int ret;

	while (off < d->size) {
		chunk = ((rnd(&s) % 4096) + 1) * 512;
		chunk = MIN(d->size - off, chunk);
		ret = disk_rw_sync(d, DISK_OP_READ, off, buf + off, chunk);
		if (ret) {
			fprintf(stderr, "read at %llu: %s\n",
				(unsigned long long)off, strerror(-ret));
			return ret;
		}
		off += chunk;
	}
	return 0;
}

static int cmd_dump(const char *img, const char *out)
{
	struct disk d;
	u8 *buf;
	int ret;

	if (open_img(&d, img, true))
		return 1;
	buf = malloc(d.size + 1);
	ret = buf ? read_all(&d, buf) : -ENOMEM;
	if (!ret)
		ret = write_file(out, buf, d.size);
	free(buf);
	disk_close(&d);
	return ret ? 1 : 0;
}

static void fill(u8 *p, u64 len, u64 seed)
{
	u64 i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(rnd(&seed) >> 11);
}

static int random_op(struct disk *d, u8 *model, u8 *buf, u64 *s)
{
	u64 sectors = d->size / 512, r = rnd(s) % 100;
	u64 off = (rnd(s) % sectors) * 512;
	u64 len = ((rnd(s) % 256) + 1) * 512;
	enum disk_op op;
	int ret;

	if (r < 10)
		len *= 16;
	len = MIN(len, d->size - off);
	if (r < 60) {
		fill(buf, len, rnd(s) | 1);
		ret = disk_rw_sync(d, DISK_OP_WRITE, off, buf, len);
		memcpy(model + off, buf, len);
	} else if (r < 70) {
		op = r < 65 ? DISK_OP_DISCARD : DISK_OP_WRITE_ZEROES;
		ret = disk_rw_sync(d, op, off, NULL, len);
		memset(model + off, 0, len);
	} else if (r < 75) {
		ret = disk_flush_sync(d);
	} else {
		ret = disk_rw_sync(d, DISK_OP_READ, off, buf, len);
		if (!ret && memcmp(buf, model + off, len)) {
			fprintf(stderr, "mismatch reading %llu+%llu\n",
				(unsigned long long)off,
				(unsigned long long)len);
			return -EIO;
		}
	}
	if (ret)
		fprintf(stderr, "op at %llu+%llu: %s\n",
			(unsigned long long)off, (unsigned long long)len,
			strerror(-ret));
	return ret;
}

static int cmd_random(const char *img, const char *out, u64 seed, long n)
{
	struct disk d;
	u8 *model, *buf;
	int ret;
	long i;

	if (open_img(&d, img, false))
		return 1;
	model = malloc(d.size + 1);
	buf = malloc(4096 * 512);
	ret = model && buf ? read_all(&d, model) : -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = random_op(&d, model, buf, &seed);
	if (!ret)
		ret = disk_flush_sync(&d);
	disk_close(&d);
	if (!ret)
		ret = write_file(out, model, d.size);
	free(model);
	free(buf);
	return ret ? 1 : 0;
}

static void block_pattern(u8 *p, u64 seq, u64 blk)
{
	u64 i, v = seq * 1000003 + blk;

	for (i = 0; i < BLK / 8; i++)
		((u64 *)p)[i] = v + i;
}

static void log_line(int fd, char kind, u64 seq, u64 blk)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%c %llu %llu\n", kind,
			 (unsigned long long)seq, (unsigned long long)blk);

	if (write(fd, line, n) != n)
		exit(1);
}

static int cmd_crash(const char *img, const char *log, u64 seed)
{
	int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	u8 buf[BLK] __attribute__((aligned(8)));
	u64 seq, blocks, blk;
	struct disk d;
	int ret = 0;

	if (lfd < 0 || open_img(&d, img, false))
		return 1;
	blocks = d.size / BLK;
	for (seq = 1; !ret; seq++) {
		blk = rnd(&seed) % blocks;
		if (seq % 16 == 0) {
			ret = disk_flush_sync(&d);
			log_line(lfd, 'F', seq, 0);
		} else if (seq % 7 == 0) {
			log_line(lfd, 'D', seq, blk);
			ret = disk_rw_sync(&d, DISK_OP_DISCARD, blk * BLK, NULL,
					   BLK);
		} else {
			log_line(lfd, 'W', seq, blk);
			block_pattern(buf, seq, blk);
			ret = disk_rw_sync(&d, DISK_OP_WRITE, blk * BLK, buf,
					   BLK);
		}
	}
	fprintf(stderr, "crash loop: %s\n", strerror(-ret));
	return 1;
}

/* Per block: the value durable at the last flush, and any later ones. */
struct expect {
	u64 flushed; /* seq; 0: initial content; ~0: discard */
	u64 *later;
	unsigned int nr_later;
};

/* @v: a write's seq, ~0 for a discard, 0 for the block in @base. */
static bool block_is(const u8 *p, u64 v, u64 blk, const u8 *base)
{
	u8 want[BLK] __attribute__((aligned(8)));

	if (v == 0 && base)
		return !memcmp(p, base + blk * BLK, BLK);
	if (v == 0 || v == ~0ULL)
		memset(want, 0, BLK);
	else
		block_pattern(want, v, blk);
	return !memcmp(p, want, BLK);
}

static int check_blocks(const u8 *raw, const u8 *base, u64 blocks,
			struct expect *e)
{
	u64 b;
	unsigned int i;
	bool ok;

	for (b = 0; b < blocks; b++) {
		ok = block_is(raw + b * BLK, e[b].flushed, b, base);
		for (i = 0; i < e[b].nr_later && !ok; i++)
			ok = block_is(raw + b * BLK, e[b].later[i], b, base);
		if (!ok) {
			fprintf(stderr,
				"block %llu: not the flushed value (seq %llu) nor a later one\n",
				(unsigned long long)b,
				(unsigned long long)e[b].flushed);
			return 1;
		}
	}
	return 0;
}

static u8 *load(const char *path, u64 *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	u8 *buf = NULL;

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st)) {
		buf = malloc(st.st_size + 1);
		if (buf && read(fd, buf, st.st_size) != st.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = st.st_size;
	}
	close(fd);
	return buf;
}

static int cmd_verify(const char *rawp, const char *log, const char *basep)
{
	FILE *f = fopen(log, "r");
	u64 blocks, seq, blk, b, flushes = 0, len, blen = 0;
	u8 *raw = load(rawp, &len), *base = NULL;
	struct expect *e;
	char kind;
	int ret;

	if (basep)
		base = load(basep, &blen);
	if (!f || !raw || (basep && (!base || blen != len)))
		return 1;
	blocks = len / BLK;
	e = calloc(blocks, sizeof(*e));
	if (!e)
		return 1;
	while (fscanf(f, " %c %llu %llu", &kind, (unsigned long long *)&seq,
		      (unsigned long long *)&blk) == 3) {
		if (kind == 'F') {
			/* Everything before this flush is now durable. */
			for (b = 0; b < blocks; b++) {
				unsigned int n = e[b].nr_later;

				if (n)
					e[b].flushed = e[b].later[n - 1];
				e[b].nr_later = 0;
			}
			flushes++;
			continue;
		}
		if (blk >= blocks)
			return 1;
		e[blk].later = realloc(e[blk].later,
				       (e[blk].nr_later + 1) * sizeof(u64));
		e[blk].later[e[blk].nr_later++] = kind == 'D' ? ~0ULL : seq;
	}
	ret = check_blocks(raw, base, blocks, e);
	printf("verified %llu blocks after %llu flushes\n",
	       (unsigned long long)blocks, (unsigned long long)flushes);
	return ret;
}

static int cmd_open(const char *img, const char *flags)
{
	struct disk d;

	if (open_img_opts(&d, img, strstr(flags, "ro"),
			  strstr(flags, "nobacking")))
		return 2;
	disk_close(&d);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "open"))
		return cmd_open(argv[2], argc == 4 ? argv[3] : "");
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return cmd_dump(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "random"))
		return cmd_random(argv[2], argv[3], strtoull(argv[4], NULL, 0),
				  strtol(argv[5], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "crash"))
		return cmd_crash(argv[2], argv[3], strtoull(argv[4], NULL, 0));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	fprintf(stderr, "usage: qcow2_harness dump|random|crash|verify ...\n");
	return 2;
}
