/* SPDX-License-Identifier: MIT */
#ifndef SQUEEZE_QCOW2_H
#define SQUEEZE_QCOW2_H

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vmm/base/err.h"
#include "vmm/base/types.h"

/*
 * The qcow2 engine (QEMU's docs/interop/qcow2.txt), split by concern, in
 * devices/block/qcow2/:
 *   header.c    header and extension parsing, validation
 *   cache.c     the L2 and refcount-block table caches
 *   refcount.c  refcounts, cluster allocation, deferred frees
 *   map.c       guest -> host mapping through L1/L2
 *   backing.c   backing chains (qcow2 or raw, read-only)
 *   read.c      synchronous reads, compressed clusters
 *   write.c     allocation, copy-on-write, discard, zeroes
 *   flush.c     ordered metadata write-back
 *   open.c      opening and closing an image
 *   disk.c      struct disk_ops glue and the async data path
 *   alloc.c     allocating writes of whole clusters, async
 *   create.c    writing a new empty image (squeeze img create)
 *   meta.c      the metadata map: no guest data on a table
 * Walks over a request's iovecs are vmm/base/iov.h's.
 *
 * Crash safety comes from write ordering, not from a journal. Metadata is
 * cached dirty and written back by qcow2_flush() as: refcount blocks, the
 * refcount table and the header, fdatasync (this also makes every data
 * cluster durable), then L2 tables and the L1 table, fdatasync; only then
 * are deferred refcount decrements applied. So a refcount is always on
 * disk before a reference to its cluster, a data cluster before the L2
 * entry naming it, and a dropped reference before the decrement. A crash
 * can leak clusters but never leaves a reference to a free cluster.
 */

#define QCOW2_MAGIC	       0x514649fbU /* "QFI\xfb" */
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_V2_HEADER_LEN    72
#define QCOW2_V3_HEADER_LEN    104
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_L1_BYTES     (32 * MiB)
#define QCOW2_MAX_RT_BYTES     (8 * MiB)
#define QCOW2_MAX_SIZE	       (1ULL << 56) /* host offsets have 56 bits */
#define QCOW2_MAX_CHAIN	       16

#define QCOW2_INCOMPAT_DIRTY	   (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT	   (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2	   (1ULL << 4)
#define QCOW2_INCOMPAT_KNOWN	   0x1fULL

#define QCOW2_EXT_END	      0x00000000U
#define QCOW2_EXT_BACKING_FMT 0xe2792acaU
#define QCOW2_EXT_FEATURES    0x6803f857U

/* L1/L2 entry bits. */
#define QCOW2_COPIED	  (1ULL << 63)
#define QCOW2_COMPRESSED  (1ULL << 62)
#define QCOW2_ZERO	  (1ULL << 0)
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ULL /* bits 9-55 */
#define QCOW2_L1_RESERVED 0x7f000000000001ffULL
#define QCOW2_L2_RESERVED 0x3f000000000001feULL
#define QCOW2_RT_RESERVED 0x1ffULL

struct qcow2_header {
	u32 version;
	u64 backing_off;
	u32 backing_len;
	u32 cluster_bits;
	u64 size;
	u32 crypt_method;
	u32 l1_size;
	u64 l1_off;
	u64 rt_off;
	u32 rt_clusters;
	u32 nb_snapshots;
	u64 snapshots_off;
	u64 incompat;
	u64 compat;
	u64 autoclear;
	u32 refcount_order;
	u32 header_len;
	u8 compression_type;
	/* From the first cluster; "" when absent. */
	char backing_name[QCOW2_MAX_BACKING_NAME + 1];
	char backing_fmt[32];
};

/* Big-endian helpers: every number in the file is big-endian. */
static inline u64 qcow2_get64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline u32 qcow2_get32(const u8 *p)
{
	u32 v;

	__builtin_memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void qcow2_put64(u8 *p, u64 v)
{
	v = __builtin_bswap64(v);
	__builtin_memcpy(p, &v, 8);
}

static inline void qcow2_put32(u8 *p, u32 v)
{
	v = __builtin_bswap32(v);
	__builtin_memcpy(p, &v, 4);
}

/*
 * Parse and structurally validate the first cluster (@buf, @len bytes,
 * zero-padded by the caller if the file is shorter) of a file of
 * @file_size bytes. Feature bits are not judged here (img info reports
 * them); see qcow2_check_features(). 0 or -EINVAL with a reason in @err.
 */
int qcow2_parse_header(struct qcow2_header *h, const u8 *buf, size_t len,
		       u64 file_size, struct err *err);
/*
 * Read the first cluster of @fd (a file of @file_size bytes) and parse it
 * with qcow2_parse_header(): the one way the header is read.
 */
int qcow2_read_header(int fd, struct qcow2_header *h, u64 file_size,
		      struct err *err);
/* Refuse what this implementation cannot open (@writable: read-write). */
int qcow2_check_features(const struct qcow2_header *h, bool writable,
			 struct err *err);
/* Serialize the fixed fields (72 or 104 bytes; later ones untouched). */
void qcow2_build_header(const struct qcow2_header *h, u8 *buf);

/* A table cache (L2 tables or refcount blocks), one cluster per entry. */
struct qcow2_cache_entry {
	u64 off; /* host offset; 0: empty slot */
	u64 lru;
	bool dirty;
	u8 *data; /* one cluster, file byte order */
};

struct qcow2_cache {
	unsigned int nr;
	unsigned int last; /* index of the last hit */
	u64 tick;
	struct qcow2_cache_entry *e;
};

struct qcow2_backing;

struct qcow2 {
	struct qcow2_header h;
	int fd;
	bool writable;
	bool no_sync; /* qcow2_sync() does nothing (img convert -t unsafe) */
	u64 cluster_size;
	u32 l2_bits;  /* log2(entries per L2 table) */
	u32 rb_bits;  /* log2(refcounts per block) */
	u64 file_end; /* in use or allocated, aligned */
	u64 phys_end; /* the file's size (grown ahead) */
	u64 *l1;      /* host order */
	u64 *rt;      /* host order */
	u64 rt_entries;
	bool l1_dirty, rt_dirty;
	struct qcow2_cache l2c, rbc;
	u64 free_hint; /* cluster index to search from */
	u64 *frees;    /* deferred decrements (clusters) */
	size_t nr_frees, max_frees;
	bool corrupt;	/* logged when set */
	struct stat st; /* the image file's identity */
	u64 *meta;	/* bit per cluster: L2 table/refblock */
	u64 meta_words;
	struct qcow2_backing *backing;
	u8 *bounce;   /* one cluster for copy-on-write */
	u8 *wbuf;     /* one cluster: gathered guest data */
	u8 *dbuf;     /* one cluster: the last inflated */
	u64 dbuf_l2e; /* its L2 entry; 0: none */
	u8 *cbuf;     /* compressed input, two clusters */
	void *zs;     /* z_stream for inflate */
};

/* Kinds of guest cluster after the L1/L2 lookup. */
enum qcow2_kind {
	QCOW2_UNALLOC,	       /* backing file or zeros */
	QCOW2_ZEROES,	       /* v3 zero cluster */
	QCOW2_NORMAL,	       /* host at off */
	QCOW2_COMPRESSED_KIND, /* l2 entry in raw */
};

struct qcow2_map {
	enum qcow2_kind kind;
	u64 host; /* NORMAL: the host cluster */
	u64 l2e;  /* the raw L2 entry */
};

/*
 * Which backing files an image may name. Its names are data inside a file
 * the user may not have made: by default only a relative name that stays
 * below the image's own directory (no leading '/', no ".." component) is
 * followed. @backing_dir (--disk ...,backing-dir=DIR) also lets through a
 * name that resolves to a file inside DIR; @backing_off refuses any.
 */
struct qcow2_policy {
	bool backing_off;
	const char *backing_dir;
	bool no_sync; /* DISK_CACHE_UNSAFE: qcow2_sync() does nothing */
};

/* open/close (open.c); @pol NULL is the default policy. */
int qcow2_open_image(struct qcow2 **out, const char *path, bool writable,
		     const struct qcow2_policy *pol, unsigned int depth,
		     const struct stat *chain, unsigned int nchain,
		     struct err *err);
void qcow2_close_image(struct qcow2 *q);
/* A table of @n entries at @off of @fd, in host order, malloc'ed. */
int qcow2_load_table(int fd, u64 off, u64 n, u64 **out);
/* -ELOOP when @st is one of the @nchain files of @chain already open. */
int qcow2_check_chain(const struct stat *st, const struct stat *chain,
		      unsigned int nchain, const char *path, struct err *err);

/*
 * fdatasync(): every ordering barrier of the engine goes through it, so
 * that q->no_sync turns them all off at once. 0 or -errno.
 */
int qcow2_sync(struct qcow2 *q);

/* Mark the image corrupt, log once; returns -EIO. */
int qcow2_corrupt(struct qcow2 *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Cluster @off holds the header, the L1 table or the refcount table. */
bool qcow2_is_meta(const struct qcow2 *q, u64 off);
/* @off is a valid cluster offset for data or a table (not metadata). */
int qcow2_check_cluster(struct qcow2 *q, u64 off, const char *what, u64 idx,
			u64 idx2);

/* the metadata map (meta.c): live L2 tables and refcount blocks */
int qcow2_meta_init(struct qcow2 *q);
/* Cluster @off now holds (@on) or no longer holds an L2 table/refblock. */
int qcow2_meta_set(struct qcow2 *q, u64 off, bool on);
/* Does cluster @off hold metadata (any table, or the header)? */
bool qcow2_meta_test(const struct qcow2 *q, u64 off);
/* "the L2 table of L1 index 3": which table @off is, for messages. */
void qcow2_meta_name(const struct qcow2 *q, u64 off, char *buf, size_t len);
/*
 * Cluster @off was about to take guest data but holds metadata: mark the
 * image corrupt (the header's corrupt bit too), log once what (@fmt) and
 * which table, and return -EIO.
 */
int qcow2_meta_overlap(struct qcow2 *q, u64 off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* caches (cache.c) */
int qcow2_cache_init(struct qcow2_cache *c, unsigned int nr, u64 csize);
void qcow2_cache_free(struct qcow2_cache *c);
int qcow2_l2_get(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e);
int qcow2_rb_get(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e);
/* A fresh zero-filled dirty table at @off, without reading the file. */
int qcow2_l2_new(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e);
int qcow2_rb_new(struct qcow2 *q, u64 off, struct qcow2_cache_entry **e);
int qcow2_cache_write_dirty(struct qcow2 *q, struct qcow2_cache *c);
bool qcow2_cache_has_dirty(const struct qcow2_cache *c);

/* refcounts (refcount.c) */
u64 qcow2_rc_read(const u8 *block, u32 order, u64 idx);
void qcow2_rc_write(u8 *block, u32 order, u64 idx, u64 val);
int qcow2_refcount_get(struct qcow2 *q, u64 cluster, u64 *rc);
int qcow2_refcount_set(struct qcow2 *q, u64 cluster, u64 rc);
/* Allocate one cluster (refcount 1 in the cache); its offset in @off. */
int qcow2_alloc_cluster(struct qcow2 *q, u64 *off);
/* Allocate @n host-adjacent clusters (a table); the first in @off. */
int qcow2_alloc_contig(struct qcow2 *q, u64 n, u64 *off);
/* One more reference to @cluster (a shared compressed cluster). */
int qcow2_refcount_inc(struct qcow2 *q, u64 cluster);
/* Give back a cluster from qcow2_alloc_cluster() never referenced. */
int qcow2_unalloc_cluster(struct qcow2 *q, u64 off);
/* Decrement after the next metadata flush (a dropped reference). */
int qcow2_free_later(struct qcow2 *q, u64 off, u64 bytes);
int qcow2_apply_frees(struct qcow2 *q);

/* mapping (map.c) */
int qcow2_map(struct qcow2 *q, u64 voff, struct qcow2_map *m);
/* Classify (and validate) L2 entry @l2i of the table at L1 index @l1i. */
int qcow2_classify(struct qcow2 *q, u64 l2e, u64 l1i, u64 l2i,
		   struct qcow2_map *m);
/* The L2 table for @voff, writable (allocated / made private). */
int qcow2_l2_for_write(struct qcow2 *q, u64 voff, struct qcow2_cache_entry **e,
		       u64 *idx);
int qcow2_compressed_span(struct qcow2 *q, u64 l2e, u64 *off, u64 *len);
/* A compressed L2 entry's host byte offset and length (unchecked). */
void qcow2_compressed_parse(u32 cluster_bits, u64 l2e, u64 *off, u64 *len);

/* backing (backing.c) */
/*
 * @name as stored in @image, relative to @image's directory unless it is
 * absolute, in @out: 0, or -ENAMETOOLONG (@out then holds a truncation).
 */
int qcow2_backing_path(const char *image, const char *name, char *out,
		       size_t len);
int qcow2_backing_open(struct qcow2 *q, const char *path,
		       const struct qcow2_policy *pol, unsigned int depth,
		       const struct stat *chain, unsigned int nchain,
		       struct err *err);
/*
 * Open one file of a chain (@what names it in errors): a regular file or
 * block device, never blocking on a FIFO, read-locked unless @writable
 * (the disk layer holds the write lock of a writable image). Returns the
 * fd, with its stat in @st and its size (BLKGETSIZE64 for a device) in
 * @size, or -errno with one line in @err.
 */
int qcow2_open_file(const char *path, const char *what, bool writable,
		    struct stat *st, u64 *size, struct err *err);
/*
 * May an image follow its backing name @name (resolved already as @path)?
 * 0 with the path to open in @out (PATH_MAX bytes), or -EPERM with one
 * line naming the name and the option that allows it.
 */
int qcow2_backing_allowed(const char *name, const char *path,
			  const struct qcow2_policy *pol, char *out,
			  struct err *err);
/* True when @st is one of the files of @q's chain, @q itself included. */
bool qcow2_chain_has(const struct qcow2 *q, const struct stat *st);
int qcow2_backing_read(struct qcow2_backing *b, u64 off, void *buf, u64 len);
/* The backing file's size in bytes (reads past it are zeros). */
u64 qcow2_backing_size(const struct qcow2_backing *b);
/* Block status of the backing file (disk.h DISK_ST_*), @len > 0. */
int qcow2_backing_status(struct qcow2_backing *b, u64 off, u64 len, u64 *run,
			 u32 *flags);
void qcow2_backing_close(struct qcow2_backing *b);

/* reads (read.c) */
int qcow2_read_sync(struct qcow2 *q, u64 off, void *buf, u64 len);
/* Fill @buf with guest cluster content that is not a NORMAL cluster. */
int qcow2_read_special(struct qcow2 *q, const struct qcow2_map *m, u64 voff,
		       void *buf, u64 len);
int qcow2_pread_full(int fd, void *buf, u64 len, u64 off);
int qcow2_pwrite_full(int fd, const void *buf, u64 len, u64 off);

/* writes (write.c); @buf NULL means zeros. */
int qcow2_write_cluster(struct qcow2 *q, u64 voff, const void *buf, u64 len);
int qcow2_zero_range(struct qcow2 *q, u64 voff, u64 len);
/* Point guest cluster @voff at @host (written already), drop the old. */
int qcow2_commit_cluster(struct qcow2 *q, u64 voff, u64 host);

/*
 * status (status.c): how [off, off + len) reads, through the chain; see
 * disk_block_status() for @run and @flags.
 */
int qcow2_block_status(struct qcow2 *q, u64 off, u64 len, u64 *run, u32 *flags);

/*
 * compressed writes (compress.c), for filling a new image (img convert
 * -c): deflate each cluster and pack the results back to back into host
 * clusters, each host cluster counting one reference per compressed
 * cluster that touches it.
 */
struct qcow2_packer;
int qcow2_packer_new(struct qcow2 *q, struct qcow2_packer **out);
void qcow2_packer_free(struct qcow2_packer *p);
/*
 * Write guest cluster @voff (aligned; @buf one cluster, zero padded at
 * the end of the disk) compressed, or plain when deflate does not make it
 * smaller. The guest cluster must be unallocated: -EEXIST otherwise.
 */
int qcow2_write_compressed(struct qcow2_packer *p, u64 voff, const void *buf);

/*
 * resize (resize.c): set the virtual size of a writable image without
 * snapshots to @size (a multiple of 512). Growing moves the L1 table to a
 * larger one when it must, and makes the new space read as zeros even
 * over a longer backing file. Shrinking is refused (-ENOTEMPTY, with the
 * first allocated offset in @err) unless nothing past @size is allocated
 * and the rest of the last cluster reads as zeros.
 */
int qcow2_resize(struct qcow2 *q, u64 size, struct err *err);

/* flush (flush.c): ordered write-back, then fdatasync. */
int qcow2_flush(struct qcow2 *q);
/* Refcount blocks, table and header durable (with all data before). */
int qcow2_flush_refcounts(struct qcow2 *q);
int qcow2_write_header(struct qcow2 *q);
/* Table @t of @n entries (host order) to the file at @off, big-endian. */
int qcow2_write_table(struct qcow2 *q, const u64 *t, u64 n, u64 off);

/* create (create.c) */
struct qcow2_create_opts {
	u64 size;
	u32 cluster_bits;
	u32 version;		 /* 2 or 3 */
	const char *backing;	 /* as stored, or NULL */
	const char *backing_fmt; /* "qcow2" or "raw" */
	bool no_sync;		 /* no fdatasync() at the end */
};
/* Would these options make a valid image? (Nothing is written.) */
int qcow2_create_check(const struct qcow2_create_opts *o, struct err *err);
int qcow2_create_fd(int fd, const struct qcow2_create_opts *o, struct err *err);

#endif
