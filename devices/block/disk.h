/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_DISK_H
#define SQUEEZE_DISK_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * A disk image as virtio-blk sees it: a byte array of d->size bytes with
 * asynchronous requests. The format (raw, qcow2) is hidden behind
 * struct disk_ops; virtio/blk/blk.c never knows which one it talks to.
 * Every request comes in through one front door, disk_submit(), which
 * checks it once for all formats. All calls on one disk come from one
 * thread (the device's I/O thread).
 */

enum disk_op {
	DISK_OP_READ,
	DISK_OP_WRITE,
	DISK_OP_FLUSH, /* all completed before: durable */
	DISK_OP_DISCARD,
	DISK_OP_WRITE_ZEROES,
};

struct disk_req {
	enum disk_op op;
	u64 offset; /* bytes; a multiple of 512 */
	/* DISCARD/WRITE_ZEROES: the range; READ/WRITE: the iov total. */
	u64 len;
	/* READ/WRITE only; valid until done(). */
	const struct iovec *iov;
	int iovcnt;
	bool unmap; /* WRITE_ZEROES may deallocate */
	/* Called once on the I/O thread: @ret is 0 or -errno. */
	void (*done)(struct disk_req *req, int ret);
	void *opaque; /* the caller's */
};

enum disk_format {
	DISK_FMT_UNSPECIFIED,
	DISK_FMT_RAW,
	DISK_FMT_QCOW2,
	DISK_FMT_VMDK, /* read-only */
};
/*
 * UNSAFE: flushes succeed without making anything durable (qemu-img's
 * cache=unsafe). Only `squeeze img convert -t unsafe` asks for it, for a
 * scratch image; the command line's cache= does not take it.
 */
enum disk_cache { DISK_CACHE_WRITEBACK, DISK_CACHE_NONE, DISK_CACHE_UNSAFE };

/* How to open an image: the disk layer's own options. */
struct disk_options {
	const char *path;
	enum disk_format format;
	bool readonly;
	bool backing_off; /* qcow2: refuse a backing file */
	/* qcow2: absolute or ".." backing names allowed inside it */
	const char *backing_dir;
	enum disk_cache cache;
	/*
	 * For a caller with one request in flight at a time on its own
	 * thread (img convert): preadv/pwritev there, as SQUEEZE_AIO=sync
	 * does, rather than io_uring, whose buffered writes each take a trip
	 * through a kernel worker thread (25% slower there, measured).
	 */
	bool sync_io;
};

struct disk;

struct disk_ops {
	const char *name; /* "raw", "qcow2" */
	int (*open)(struct disk *d, const struct disk_options *c,
		    struct err *err);
	/*
	 * Queue @req, which disk_submit() has checked. 0: done() will be
	 * called (possibly before submit returns). -errno: refused at once,
	 * done() is not called.
	 */
	int (*submit)(struct disk *d, struct disk_req *req);
	/* Hand queued requests to the kernel (one syscall per batch). */
	void (*kick)(struct disk *d);
	/* Call done() for every finished request; never blocks. */
	void (*complete)(struct disk *d);
	void (*close)(struct disk *d);
	/* Optional: is @st one of the other files it reads (backing)? */
	bool (*uses_file)(const struct disk *d, const struct stat *st);
	/* Optional: see disk_block_status(); without it all is data. */
	int (*block_status)(struct disk *d, u64 off, u64 len, u64 *run,
			    u32 *flags);
};

struct disk {
	const struct disk_ops *ops;
	u64 size;	/* virtual size in bytes */
	u32 block_size; /* logical block size, >= 512 */
	bool readonly;
	bool can_discard;
	bool can_write_zeroes;
	/* Readable when complete() has work, or -1; the I/O thread polls it. */
	int event_fd;
	/*
	 * The image, opened (O_DIRECT for cache=none) and OFD-locked by
	 * disk_open() before ops->open() runs; disk_close() closes it
	 * after ops->close(). Formats use it, never close it.
	 */
	int fd;
	bool direct;   /* fd has O_DIRECT */
	bool blockdev; /* fd is a host block device */
	bool no_sync;  /* cache=unsafe: a flush does nothing */
	bool aio_sync; /* sync_io or SQUEEZE_AIO=sync: no io_uring */
	void *priv;    /* the format's state */
};

/*
 * Open @c->path with the format it names. An unspecified format means raw,
 * except that a file starting with the qcow2 magic is refused: the format
 * is never guessed from guest-writable data. Takes an OFD lock (write lock
 * unless read-only) so a second squeeze cannot open the image read-write.
 * Returns 0 or -errno with a one-line reason in @err.
 */
int disk_open(struct disk *d, const struct disk_options *c, struct err *err);
void disk_close(struct disk *d);

/*
 * True when @st (a stat of some file) is the image or one of the files
 * of its backing chain: nothing may write to those while the VM runs.
 */
bool disk_uses_file(const struct disk *d, const struct stat *st);

/*
 * May a file name read from inside an image be opened? @name as stored (a
 * backing file, a VMDK extent), @path the same resolved against the
 * image's directory. A relative name with no ".." component: yes, @path.
 * An absolute or climbing one only if @dir (--disk ...,backing-dir=DIR)
 * is set and it resolves to a file inside DIR (that real path in @out).
 * 0 with the path to open in @out (PATH_MAX bytes), or -EPERM with one
 * line "@who: @what name 'NAME' is an absolute path; ..." in @err.
 */
int disk_name_allowed(const char *who, const char *what, const char *name,
		      const char *path, const char *dir, char *out,
		      struct err *err);

/*
 * The backing file a qcow2 image records, from its header alone (nothing
 * it names is opened; no lock, never blocks): @name as stored ("" when
 * none), @path that name against the image's directory as squeeze would
 * follow it, @format the recorded format ("" when none). For a caller that
 * must judge a chain before it opens it (a domain's <backingStore>).
 * 0, or -errno with one line in @err (not qcow2, unreadable, bad header).
 */
struct disk_backing_info {
	char name[PATH_MAX];
	char path[PATH_MAX];
	char format[32];
};
int disk_qcow2_backing(const char *image, struct disk_backing_info *b,
		       struct err *err);

/*
 * Take the OFD lock disk_open() takes (a read lock when @readonly, else a
 * write lock) on @fd: 0, -EBUSY when another open file holds a conflicting
 * one, or -errno. Backing files take read locks, and tools that rewrite
 * an image (squeeze img create) a write lock, so that nothing overwrites
 * a file a running VM uses (devices/block/lock.c).
 */
int disk_lock_fd(int fd, bool readonly);

/*
 * After disk_lock_fd() said -EBUSY: who holds a lock on @fd's file, for
 * the error line ("squeeze (pid 1234)", "this squeeze (...)", or "another
 * process" when /proc does not tell).
 */
#define DISK_HOLDER_LEN 96
void disk_lock_holder(int fd, char *buf, size_t len);

/*
 * The front door: hand @req to the format, after the checks every format
 * relies on, made here once for all of them, in this order:
 *   - a known op; a READ or WRITE carries 1..IOV_MAX iovecs whose total
 *     is exactly req->len (-EINVAL);
 *   - [offset, offset + len) lies inside the disk (-EINVAL; FLUSH has no
 *     range);
 *   - a read-only disk takes only READ and FLUSH (-EROFS).
 * 0: done() will be called, possibly before disk_submit() returns, and
 * done() may submit again; -errno: refused, done() is not called.
 */
int disk_submit(struct disk *d, struct disk_req *req);

/* Hand what was submitted to the kernel (one syscall per batch). */
void disk_kick(struct disk *d);

/* Call done() for every finished request; never blocks. */
void disk_complete(struct disk *d);

/*
 * SQUEEZE_AIO=sync in the environment, read by disk_open(), makes every
 * format use aio's synchronous preadv/pwritev fallback instead of
 * io_uring (for tests; aio also falls back by itself where io_uring
 * cannot be set up).
 */
#define DISK_AIO_ENV "SQUEEZE_AIO"

/* What a range of the disk is (disk_block_status()). */
#define DISK_ST_HOLE (1U << 0) /* no layer of the image allocates it */
#define DISK_ST_ZERO (1U << 1) /* it reads as zeros */

/*
 * How [@off, @off + @len) of the disk reads, from @off on: *@flags holds
 * DISK_ST_* for the first *@run bytes (1 <= *@run <= @len), which read
 * alike; the next byte may differ. A backing chain is seen through: a
 * range the top image leaves to its backing file has the backing file's
 * status. Synchronous, on the disk's thread. 0, or -errno (an image
 * table that cannot be read).
 */
int disk_block_status(struct disk *d, u64 off, u64 len, u64 *run, u32 *flags);

/*
 * The same for the bytes [@off, @off + @len) of a plain file of @size
 * bytes (raw images, raw backing files, flat extents): its holes, found
 * with SEEK_DATA and SEEK_HOLE; data where the file system cannot tell.
 */
int disk_file_status(int fd, u64 size, u64 off, u64 len, u64 *run, u32 *flags);

/* Helpers for synchronous callers (tools, tests): submit, then wait. */
int disk_rw_sync(struct disk *d, enum disk_op op, u64 offset, void *buf,
		 u64 len);
int disk_flush_sync(struct disk *d);

extern const struct disk_ops disk_raw_ops;
extern const struct disk_ops disk_qcow2_ops;
extern const struct disk_ops disk_vmdk_ops;

#endif
