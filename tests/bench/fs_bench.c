// SPDX-License-Identifier: MIT
/*
 * virtio-fs through the in-process driver against the virtiofsd squeeze's
 * own code starts, and the host's own stat loop for comparison:
 *
 *   fs_bench read SHARE FILE BLOCK_BYTES DEPTH SECONDS
 *       sequential FUSE_READs of FILE (under SHARE), DEPTH in flight,
 *       wrapping at the end of the file
 *   fs_bench stat SHARE SUBDIR N      FUSE_LOOKUP of SUBDIR/f00000.. then
 *                                     FUSE_GETATTR of each node found
 *   fs_bench hoststat DIR N           fstatat() of the same names, here
 *
 * Each prints one line: "fs_bench: MODE ops=N seconds=S rate=R mibps=M
 * us_per_op=U". The guest side here is the driver standing in for a
 * kernel: no page cache in between, every request crosses to virtiofsd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/driver/lib/fuse_drv.h"
#include "virtio/fs/fs.h"

#define BENCH_MEM (512 * MiB)
#define MAX_DEPTH 32

struct bench {
	struct drv_env env;
	struct virtio_fs *fs;
	struct virtio_pci *vp;
	struct fuse_drv drv;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void report(const char *mode, u64 ops, double secs, u64 bytes)
{
	printf("fs_bench: %s ops=%llu seconds=%.3f rate=%.0f mibps=%.1f us_per_op=%.2f\n",
	       mode, (unsigned long long)ops, secs, ops / secs,
	       bytes / secs / MiB, secs * 1e6 / (ops ? ops : 1));
}

static int setup(struct bench *b, const char *share)
{
	struct fs_options o = { .dir = share, .tag = "bench" };
	struct err err = { 0 };

	if (drv_env_init_shared(&b->env, BENCH_MEM, &err))
		goto fail;
	b->fs = virtio_fs_create(&b->env.mem, &o, 0, &err);
	if (!b->fs)
		goto fail;
	b->vp = virtio_pci_add(&b->env.pci, virtio_fs_vdev(b->fs),
			       &b->env.irq_ctl, &err);
	if (!b->vp)
		goto fail;
	if (fuse_drv_open(&b->drv, &b->env, 0, 128) || fuse_drv_init(&b->drv)) {
		err_host(&err, -EIO, "driver set-up or FUSE_INIT failed");
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "fs_bench: %s\n", err.msg);
	return -1;
}

static void teardown(struct bench *b)
{
	virtio_pci_destroy(b->vp);
	virtio_fs_destroy(b->fs);
	drv_env_destroy(&b->env);
}

/* The slot's request: the next BLOCK of the file. */
struct rd {
	struct fuse_drv_req r;
	struct fuse_read_in in;
};

static int read_bench(struct bench *b, const char *name, u32 block,
		      unsigned int depth, double seconds)
{
	static struct rd slot[MAX_DEPTH];
	struct fuse_entry_out e;
	struct fuse_drv_req *done;
	u64 fh, off = 0, ops = 0, size;
	double t0, end;
	unsigned int i;

	if (fuse_drv_lookup(&b->drv, FUSE_ROOT_ID, name, &e) ||
	    fuse_drv_open_node(&b->drv, e.nodeid, O_RDONLY, false, &fh))
		return -1;
	size = e.attr.size - e.attr.size % block;
	for (i = 0; i < depth; i++) {
		slot[i].r = (struct fuse_drv_req){
			.opcode = FUSE_READ,
			.nodeid = e.nodeid,
			.in = &slot[i].in,
			.in_len = sizeof(slot[i].in),
			.data_out = { drv_alloc(&b->env, block, 4096), block,
				      true },
		};
		if (!slot[i].r.data_out.gpa)
			return -1;
	}
	t0 = now_s();
	end = t0 + seconds;
	for (i = 0; i < depth; i++) {
		slot[i].in = (struct fuse_read_in){ .fh = fh,
						    .offset = off,
						    .size = block };
		off = (off + block) % size;
		if (fuse_drv_submit(&b->drv, &slot[i].r) < 0)
			return -1;
	}
	fuse_drv_kick(&b->drv);
	while (b->drv.nr_inflight) {
		if (fuse_drv_reap(&b->drv, 5000, &done) || done->error ||
		    done->reply_len != sizeof(struct fuse_out_header) + block) {
			fprintf(stderr, "fs_bench: a read failed\n");
			return -1;
		}
		ops++;
		if (now_s() >= end)
			continue;
		((struct rd *)done)->in.offset = off;
		off = (off + block) % size;
		if (fuse_drv_submit(&b->drv, done) < 0)
			return -1;
		fuse_drv_kick(&b->drv);
	}
	report("read", ops, now_s() - t0, ops * block);
	return 0;
}

static int stat_bench(struct bench *b, const char *subdir, unsigned int n)
{
	struct fuse_entry_out e, dir;
	struct fuse_attr_out a;
	u64 *nodes = calloc(n, sizeof(*nodes));
	char name[16];
	unsigned int i;
	double t0;

	if (!nodes || fuse_drv_lookup(&b->drv, FUSE_ROOT_ID, subdir, &dir))
		return -1;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%05u", i);
		if (fuse_drv_lookup(&b->drv, dir.nodeid, name, &e))
			return -1;
		nodes[i] = e.nodeid;
	}
	report("lookup", n, now_s() - t0, 0);
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (fuse_drv_getattr(&b->drv, nodes[i], &a))
			return -1;
	report("getattr", n, now_s() - t0, 0);
	free(nodes);
	return 0;
}

static int host_stat(const char *dir, unsigned int n)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct stat st;
	char name[16];
	unsigned int i;
	double t0 = now_s();

	if (dfd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%05u", i);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
			return -1;
	}
	report("hoststat", n, now_s() - t0, 0);
	close(dfd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fs_bench read SHARE FILE BLOCK DEPTH SECONDS\n"
			"       fs_bench stat SHARE SUBDIR N\n"
			"       fs_bench hoststat DIR N\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int ret;

	if (argc == 4 && !strcmp(argv[1], "hoststat"))
		return host_stat(argv[2], atoi(argv[3])) ? 1 : 0;
	if (!((argc == 7 && !strcmp(argv[1], "read")) ||
	      (argc == 5 && !strcmp(argv[1], "stat"))))
		return usage();
	if (argc == 7 && (atoi(argv[5]) < 1 || atoi(argv[5]) > MAX_DEPTH))
		return usage();
	if (setup(&b, argv[2])) {
		teardown(&b);
		return 1;
	}
	if (argc == 7)
		ret = read_bench(&b, argv[3], strtoul(argv[4], NULL, 0),
				 atoi(argv[5]), strtod(argv[6], NULL));
	else
		ret = stat_bench(&b, argv[3], atoi(argv[4]));
	if (ret)
		fprintf(stderr, "fs_bench: %s failed\n", argv[1]);
	teardown(&b);
	return ret ? 1 : 0;
}
