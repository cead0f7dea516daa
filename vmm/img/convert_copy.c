// SPDX-License-Identifier: MIT
/*
 * The copy loop of `img convert`: the source's block status skips what
 * reads as zeros without reading it (holes of a raw file, unallocated or
 * zero clusters through a whole backing chain); what is read is scanned
 * grain by grain, and only grains holding a non-zero byte are written.
 *
 * Two threads, so that reading and writing overlap (each is mostly the
 * kernel copying pages): a reader thread plans and reads chunks into a
 * ring of SLOTS buffers, in order; the calling thread writes them, in
 * the same order, and alone decides to stop (a signal, an error). The
 * ring's lock guards only head, tail, quit and done; a slot between tail
 * and head belongs to the writer, every other slot to the reader.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/img/convert.h"

#define CHUNK (2 * MiB)
#define SLOTS 4

/* One step of the copy: @skip bytes of zeros, then @len bytes in @buf. */
struct cv_slot {
	u64 off, skip, len;
	int ret;       /* -errno: the step failed, and the copy ends there */
	bool planning; /* the error came from the block status */
	u8 *buf;       /* CHUNK bytes */
};

struct cv_ring {
	struct cv_copy *c;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cv_slot slot[SLOTS];
	u64 head, tail; /* slots filled, slots written */
	bool quit;	/* the writer stopped: the reader must too */
	bool done;	/* the reader has filled its last slot */
};

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

/* Plan and read one step at @off into @s. */
static void fill(struct cv_copy *c, struct cv_slot *s, u64 off)
{
	s->off = off;
	s->ret = plan(c, off, &s->skip, &s->len);
	s->planning = s->ret != 0;
	if (!s->ret && s->len)
		s->ret = read_src(c, off, s->buf, s->len);
}

/* What one side tells the other through the ring. */
enum ring_event {
	SLOT_FILLED,  /* reader: head++ */
	SLOT_WRITTEN, /* writer: tail++, the slot may be filled again */
	READER_DONE,  /* reader: no more slots */
	WRITER_QUIT,  /* writer: stop reading */
};

static void ring_post(struct cv_ring *r, enum ring_event e)
{
	pthread_mutex_lock(&r->lock);
	switch (e) {
	case SLOT_FILLED:
		r->head++;
		break;
	case SLOT_WRITTEN:
		r->tail++;
		break;
	case READER_DONE:
		r->done = true;
		break;
	case WRITER_QUIT:
		r->quit = true;
		break;
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void *reader(void *arg)
{
	struct cv_ring *r = arg;
	struct cv_slot *s;
	u64 off = 0;
	bool failed = false, quit;

	while (off < r->c->size && !failed) {
		pthread_mutex_lock(&r->lock);
		while (r->head - r->tail == SLOTS && !r->quit)
			pthread_cond_wait(&r->cond, &r->lock);
		s = &r->slot[r->head % SLOTS];
		quit = r->quit;
		pthread_mutex_unlock(&r->lock);
		if (quit)
			break;
		fill(r->c, s, off);
		off += s->skip + s->len;
		failed = s->ret != 0;
		ring_post(r, SLOT_FILLED);
	}
	ring_post(r, READER_DONE);
	return NULL;
}

/* The next filled slot, or NULL when the reader has no more. */
static struct cv_slot *next_slot(struct cv_ring *r)
{
	struct cv_slot *s = NULL;

	pthread_mutex_lock(&r->lock);
	while (r->tail == r->head && !r->done)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->tail != r->head)
		s = &r->slot[r->tail % SLOTS];
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* Write one filled slot. 0 or -errno, with @err set. */
static int drain(struct cv_copy *c, const struct cv_slot *s, struct err *err)
{
	int ret;

	if (s->ret && s->planning)
		return err_input(err, s->ret, "cannot read the source: %s",
				 strerror(-s->ret));
	if (s->ret)
		return err_input(err, s->ret,
				 "cannot read the source at %llu: %s",
				 (unsigned long long)s->off, strerror(-s->ret));
	ret = s->len ? write_nonzero(c, s->off, s->buf, s->len) : 0;
	if (ret)
		err_host(err, ret, "cannot write: %s", strerror(-ret));
	return ret;
}

/* The writer's half: slots in order until the end, an error or a signal. */
static int write_all(struct cv_ring *r, struct err *err)
{
	struct cv_copy *c = r->c;
	struct cv_slot *s;
	int shown = -1, ret = 0;

	progress(c, 0, &shown);
	while (!ret && (s = next_slot(r))) {
		if (stopped(c))
			return -EINTR;
		ret = drain(c, s, err);
		progress(c, s->off + s->skip + s->len, &shown);
		ring_post(r, SLOT_WRITTEN);
	}
	return ret;
}

int cv_copy_run(struct cv_copy *c, struct err *err)
{
	struct cv_ring r = { .c = c };
	pthread_t t;
	u8 *bufs;
	int i, ret;

	if (posix_memalign((void **)&bufs, 4096, SLOTS * CHUNK))
		return err_host(err, -ENOMEM, "out of memory");
	for (i = 0; i < SLOTS; i++)
		r.slot[i].buf = bufs + (u64)i * CHUNK;
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	ret = -pthread_create(&t, NULL, reader, &r);
	if (ret) {
		err_host(err, ret, "cannot start a thread: %s", strerror(-ret));
		goto out_free;
	}
	ret = write_all(&r, err);
	ring_post(&r, WRITER_QUIT);
	pthread_join(t, NULL);
	if (c->progress)
		printf("\n");
out_free:
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
	free(bufs);
	return ret;
}
