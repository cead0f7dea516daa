// SPDX-License-Identifier: MIT
/*
 * make bench-exec, the parts that run anywhere:
 *   - generating the exec initramfs (init, spec, the Debian cloud
 *     kernel's modules resolved through modules.dep), median of 50;
 *   - virtio-console throughput through the in-process driver, each way,
 *     beside a plain pipe between two threads (the host's own limit for
 *     the same pipes), median of 3 runs of 512 MiB.
 *	exec_bench [DEBIAN_DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/driver/lib/con_drv.h"
#include "vmm/exec/initramfs.h"

#define BYTES (512 * MiB)
#define CHUNK (64 * 1024)
#define RUNS  3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

static void bench_initramfs(const char *deb)
{
	static const char *const mods[] = { "virtio_pci", "virtio_console",
					    "virtiofs", "overlay" };
	char rel[128] = "", dir[512], path[512], *argv[] = { "true" };
	struct exec_initramfs in = {
		.spec = { .argv = argv, .argc = 1 },
		.modules = mods,
		.nr_modules = 4,
		.init = exec_init_blob,
		.init_len = exec_init_blob_end - exec_init_blob,
	};
	double t[50];
	struct membuf out;
	struct err err;
	size_t len = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/version", deb);
	f = fopen(path, "r");
	if (!f || !fgets(rel, sizeof(rel), f)) {
		printf("initramfs: skipped: %s not fetched (make debian)\n",
		       deb);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	rel[strcspn(rel, "\n")] = 0;
	snprintf(dir, sizeof(dir), "%s/root/lib/modules/%s", deb, rel);
	in.release = rel;
	in.modules_dir = dir;
	for (i = 0; i < 50; i++) {
		memset(&out, 0, sizeof(out));
		t[i] = now();
		if (exec_initramfs_build(&out, &in, &err)) {
			printf("initramfs: FAILED: %s\n", err.msg);
			return;
		}
		t[i] = now() - t[i];
		len = out.len;
		membuf_free(&out);
	}
	printf("initramfs: %zu KiB (init %zu KiB + spec + modules of %s), generated in %.2f ms (median of 50)\n",
	       len / 1024, in.init_len / 1024, rel, median(t, 50) * 1000);
}

struct pump {
	int fd;
	bool write;
};

static void *pump(void *arg)
{
	static u8 wbuf[CHUNK];
	u8 rbuf[CHUNK];
	struct pump *p = arg;
	u64 done = 0;
	ssize_t n;

	while (done < BYTES) {
		n = p->write ? write(p->fd, wbuf, CHUNK) :
			       read(p->fd, rbuf, CHUNK);
		if (n <= 0)
			break;
		done += n;
	}
	return NULL;
}

/* The host's own limit: the same pipe, written and read by two threads. */
static double pipe_rate(void)
{
	pthread_t a, b;
	int p[2];
	double t;

	if (pipe(p) < 0)
		return 0;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	t = now();
	pthread_create(&a, NULL, pump, &(struct pump){ p[1], true });
	pthread_create(&b, NULL, pump, &(struct pump){ p[0], false });
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	t = now() - t;
	close(p[0]);
	close(p[1]);
	return BYTES / t / 1e6;
}

/* One direction through the device: @out (guest to host) or not. */
static double con_rate(bool out, u32 chunk)
{
	struct vcon_options o = { .nr_ports = 1 };
	struct con_drv_stream s = { .chunk = chunk, .seed = 1 };
	struct drv_env env;
	struct virtio_console *vc;
	struct virtio_pci *vp;
	struct con_drv d;
	struct err err;
	pthread_t th;
	int p[2];
	double t = 0;

	if (pipe2(p, O_CLOEXEC) < 0 || drv_env_init(&env, 64 * MiB, &err))
		return 0;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(out ? p[1] : p[0], F_SETFL, O_NONBLOCK);
	o.port[0] = (struct vcon_port_options){ "bench", out ? -1 : p[0],
						out ? p[1] : -1 };
	vc = virtio_console_create(&env.mem, &o, 0, &err);
	vp = vc ? virtio_pci_add(&env.pci, virtio_console_vdev(vc),
				 &env.irq_ctl, &err) :
		  NULL;
	if (!vp || con_drv_open(&d, &env, 0, 256, false) ||
	    con_drv_ports_up(&d, 1, 2000) ||
	    con_drv_send(&d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1))
		goto out;
	s.out_bytes = out ? BYTES : 0;
	s.in_bytes = out ? 0 : BYTES;
	t = now();
	pthread_create(&th, NULL, pump,
		       &(struct pump){ out ? p[0] : p[1], !out });
	if (con_drv_stream(&d, &s))
		printf("console: stream failed\n");
	pthread_join(th, NULL);
	t = now() - t;
out:
	virtio_pci_destroy(vp);
	virtio_console_destroy(vc);
	drv_env_destroy(&env);
	close(p[0]);
	close(p[1]);
	return t > 0 ? BYTES / t / 1e6 : 0;
}

int main(int argc, char **argv)
{
	double host[RUNS], g2h[RUNS], h2g[RUNS], h2g4[RUNS], h;
	int i;

	bench_initramfs(argc > 1 ? argv[1] : "build/debian");
	for (i = 0; i < RUNS; i++) {
		host[i] = pipe_rate();
		g2h[i] = con_rate(true, CHUNK);
		h2g[i] = con_rate(false, CHUNK);
		h2g4[i] = con_rate(false, 4096);
	}
	h = median(host, RUNS);
	printf("console: host pipe (2 threads) %.0f MB/s\n", h);
	printf("console: guest to host %.0f MB/s (%.2f of the pipe), host to guest %.0f MB/s (%.2f of the pipe); 64 KiB buffers, median of %d runs of %llu MiB\n",
	       median(g2h, RUNS), median(g2h, RUNS) / h, median(h2g, RUNS),
	       median(h2g, RUNS) / h, RUNS, (unsigned long long)(BYTES / MiB));
	printf("console: host to guest into 4 KiB buffers (what Linux posts) %.0f MB/s (%.2f of the pipe)\n",
	       median(h2g4, RUNS), median(h2g4, RUNS) / h);
	return 0;
}
