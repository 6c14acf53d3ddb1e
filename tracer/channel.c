/*
 * channel.c - buffers between the hooks and the writer.
 *
 * Buffers come from an mmap'd pool. A filled buffer is submitted to one
 * FIFO queue, which the writer empties in order, so records of one thread
 * (and the meta records) reach the file in the order they were made.
 *
 * The meta channel is one shared buffer behind the meta lock, for the
 * rare records any thread may produce (stacks, modules, snapshots, thread
 * and descriptor events). A meta record's length is written as a padded
 * 3-byte varint once its body is complete. A record too large for a
 * buffer (a command line of several MiB) gets a mapped buffer of its own,
 * queued in order, with a 4-byte length.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/lock.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

#define SLAB_BUFS 16

static ml_lock_t pool_lock = ML_LOCK_INIT;
static struct ml_buf *pool;

static ml_lock_t queue_lock = ML_LOCK_INIT;
static struct ml_buf *queue_head, *queue_tail;
static int queue_len;

static ml_lock_t meta_lock = ML_LOCK_INIT;
static struct ml_buf *meta_buf;

struct ml_buf *ml_buf_get(void)
{
	ml_lock(&pool_lock);
	struct ml_buf *b = pool;
	if (b)
		pool = b->next;
	ml_unlock(&pool_lock);
	if (!b) {
		struct ml_buf *slab = ml_map(SLAB_BUFS * sizeof *slab);
		if (!slab)
			return NULL;
		ml_lock(&pool_lock);
		for (int i = 1; i < SLAB_BUFS; i++) {
			slab[i].next = pool;
			pool = &slab[i];
		}
		ml_unlock(&pool_lock);
		b = &slab[0];
	}
	b->next = NULL;
	b->len = 0;
	b->clen[0] = b->clen[1] = b->clen[2] = 0;
	return b;
}

void ml_buf_put(struct ml_buf *b)
{
	if (b->big) {
		ml_unmap(b, b->big);
		return;
	}
	ml_lock(&pool_lock);
	b->next = pool;
	pool = b;
	ml_unlock(&pool_lock);
}


void ml_buf_submit(struct ml_buf *b)
{
	ml_lock(&queue_lock);
	b->next = NULL;
	if (queue_tail)
		queue_tail->next = b;
	else
		queue_head = b;
	queue_tail = b;
	int n = ++queue_len;
	ml_unlock(&queue_lock);

	if (!ml_writer_running()) {
		/* No writer (early start-up, or a child before its writer
		 * exists): keep a little, then write in this thread. */
		if (n >= 8)
			ml_write_queued();
		return;
	}
	/* Wake the writer for a batch, not for every buffer: a wake-up puts
	 * the writer on this thread's CPU (the kernel's wake-affine rule),
	 * and the two would then share one core while another idles. */
	if (n == ML_WAKE_BATCH)
		ml_writer_wake();
}

/*
 * Back-pressure: a thread allocating faster than the writer compresses
 * waits here, holding no lock, rather than growing the queue without
 * bound. The wait is bounded so a stalled writer cannot hang the program.
 */
static void queue_backpressure(void)
{
	for (int i = 0; i < 20000 && ml_writer_running() &&
	     ml_queue_length() > ML_MAX_QUEUED; i++) {
		struct timespec ts = { 0, 50000 };
		nanosleep(&ts, NULL);
	}
}

struct ml_buf *ml_queue_pop(void)
{
	ml_lock(&queue_lock);
	struct ml_buf *b = queue_head;
	if (b) {
		queue_head = b->next;
		if (!queue_head)
			queue_tail = NULL;
		queue_len--;
	}
	ml_unlock(&queue_lock);
	return b;
}

int ml_queue_length(void)
{
	return __atomic_load_n(&queue_len, __ATOMIC_RELAXED);
}

/* Set a thread's cursors to the start of buffer b. */
static void thread_start_buf(struct ml_thread *t, struct ml_buf *b)
{
	for (int k = 0; k < 3; k++)
		t->w[k] = ml_buf_col(b, k);
	t->lim1 = ml_buf_col(b, 1) + ML_COL1 - ML_COL_ROOM1;
	t->lim2 = ml_buf_col(b, 2) + ML_COL2 - ML_COL_ROOM2;
	atomic_store_explicit(&t->commit, 0, memory_order_release);
	atomic_store_explicit(&t->lim0, ml_buf_col(b, 0) + ML_COL0 - ML_COL_ROOM0,
	                      memory_order_relaxed);
}

/** Record a buffer's column lengths from a commit word. */
void ml_buf_seal(struct ml_buf *b, uint64_t commit)
{
	for (int k = 0; k < 3; k++)
		b->clen[k] = ml_commit_off(commit, k);
}

void ml_thread_refill(struct ml_thread *t)
{
	struct ml_buf *b = atomic_load_explicit(&t->buf, memory_order_relaxed);
	uint64_t commit = atomic_load_explicit(&t->commit, memory_order_relaxed);
	if (b && !commit) {
		/* Empty buffer, woken by a drain request: keep it. */
		atomic_store_explicit(&t->lim0, ml_buf_col(b, 0) + ML_COL0 - ML_COL_ROOM0,
		                      memory_order_relaxed);
		return;
	}
	if (b) {
		ml_buf_seal(b, commit);
		atomic_store_explicit(&t->buf, NULL, memory_order_relaxed);
		ml_buf_submit(b);
		queue_backpressure();
	}
	b = ml_buf_get();
	if (!b) {
		/* Out of memory for buffers: stop recording rather than fail. */
		atomic_store(&ml.recording, 0);
		t->w[0] = t->w[1] = t->w[2] = NULL;
		atomic_store_explicit(&t->lim0, NULL, memory_order_relaxed);
		return;
	}
	b->frame = ML_FRAME_EVENTS;
	b->thread_idx = t->idx;
	b->base_seq = t->seq;
	b->base_tick = t->tick;
	/* Each frame decodes on its own: the delta and move-to-front state
	 * restart with it. */
	t->prev_addr = 0;
	t->mtf_n = 0;
	t->last_free = t->seq;
	t->ring_n = 0;
	atomic_store_explicit(&t->buf, b, memory_order_relaxed);
	thread_start_buf(t, b);
}

/* ---------------------------------------------------------------- meta */

#define META_LEN_BYTES 3
#define BIG_LEN_BYTES 4

/* A record too large for a buffer: one of its own, queued in order with
 * the records before it. Meta lock held. */
static void meta_begin_big(struct ml_meta *m, int type, size_t max)
{
	size_t need = 1 + BIG_LEN_BYTES + max;
	size_t size = offsetof(struct ml_buf, data) + need;
	struct ml_buf *b = need < (1u << 28) ? ml_map(size) : NULL;
	m->start = m->p = NULL;
	if (!b)
		return;
	if (meta_buf && meta_buf->len) {
		ml_buf_submit(meta_buf);
		meta_buf = NULL;
	}
	b->big = size;
	b->frame = ML_FRAME_META;
	b->data[0] = (uint8_t)type;
	m->big = b;
	m->len_bytes = BIG_LEN_BYTES;
	m->start = b->data + 1;
	m->p = m->start + BIG_LEN_BYTES;
}

void ml_meta_begin(struct ml_meta *m, int type, size_t max)
{
	static uint8_t scratch[ML_BUF_SIZE];
	size_t need = 1 + META_LEN_BYTES + max;
	m->locked = 1;
	m->big = NULL;
	m->len_bytes = META_LEN_BYTES;
	if (ML_UNLIKELY(ml_tls.in_signal)) {
		if (!ml_trylock_spin(&meta_lock, 200000)) {
			/* Held by the thread that crashed: write nowhere. */
			m->locked = 0;
			m->start = scratch;
			m->p = scratch + META_LEN_BYTES;
			return;
		}
	} else {
		ml_lock(&meta_lock);
	}
	if (need > ML_BUF_SIZE && m->locked) {
		meta_begin_big(m, type, max);
		return;
	}
	if (meta_buf && ML_BUF_SIZE - meta_buf->len < need) {
		ml_buf_submit(meta_buf);
		meta_buf = NULL;
	}
	if (!meta_buf) {
		meta_buf = ml_buf_get();
		if (meta_buf)
			meta_buf->frame = ML_FRAME_META;
	}
	if (!meta_buf || need > ML_BUF_SIZE) {
		/* Nowhere to write: give the caller scratch space that is dropped. */
		m->start = scratch;
		m->p = scratch + META_LEN_BYTES;
		return;
	}
	uint8_t *p = meta_buf->data + meta_buf->len;
	*p++ = (uint8_t)type;
	m->start = p;
	m->p = p + META_LEN_BYTES;
}

void ml_meta_end(struct ml_meta *m)
{
	if (!m->locked)
		return;
	if (m->big) {
		size_t len = m->p ? (size_t)(m->p - m->start) - BIG_LEN_BYTES : 0;
		for (int i = 0; i < BIG_LEN_BYTES; i++)
			m->start[i] = (uint8_t)(((len >> (7 * i)) & 0x7f) | (i < BIG_LEN_BYTES - 1 ? 0x80 : 0));
		m->big->len = (uint32_t)(m->p - m->big->data);
		ml_buf_submit(m->big);
		m->big = NULL;
		ml_unlock(&meta_lock);
		return;
	}
	if (meta_buf && m->start > meta_buf->data && m->start < meta_buf->data + ML_BUF_SIZE) {
		size_t len = (size_t)(m->p - m->start) - META_LEN_BYTES;
		m->start[0] = (uint8_t)(0x80 | (len & 0x7f));
		m->start[1] = (uint8_t)(0x80 | ((len >> 7) & 0x7f));
		m->start[2] = (uint8_t)((len >> 14) & 0x7f);
		meta_buf->len = (uint32_t)(m->p - meta_buf->data);
	}
	ml_unlock(&meta_lock);
}

void ml_meta_flush(void)
{
	ml_lock(&meta_lock);
	if (meta_buf && meta_buf->len) {
		ml_buf_submit(meta_buf);
		meta_buf = NULL;
	}
	ml_unlock(&meta_lock);
}

/** For the crash path: flush the meta channel only if its lock comes free soon. */
int ml_meta_flush_try(void)
{
	if (!ml_trylock_spin(&meta_lock, 200000))
		return -1;
	if (meta_buf && meta_buf->len) {
		struct ml_buf *b = meta_buf;
		meta_buf = NULL;
		ml_unlock(&meta_lock);
		ml_buf_submit(b);
		return 0;
	}
	ml_unlock(&meta_lock);
	return 0;
}

uint8_t *ml_put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;
	p = ml_put_varint(p, n);
	memcpy(p, s ? s : "", n);
	return p + n;
}

uint8_t *ml_put_bytes(uint8_t *p, const void *s, size_t n)
{
	p = ml_put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

/* fork: hold every channel lock across fork so the child inherits them
 * free and consistent. The meta lock comes before the live-map shards and
 * the sink in the lock order, the queue and the pool after them. */
void ml_channel_lock_meta(void)
{
	ml_lock(&meta_lock);
}

void ml_channel_lock_queues(void)
{
	ml_lock(&queue_lock);
	ml_lock(&pool_lock);
}

void ml_channel_unlock_all(void)
{
	ml_unlock(&pool_lock);
	ml_unlock(&queue_lock);
	ml_unlock(&meta_lock);
}

/** In a forked child: drop the parent's queued and partial records. */
void ml_channel_reset_for_child(void)
{
	struct ml_buf *b;
	while ((b = queue_head)) {
		queue_head = b->next;
		ml_buf_put(b);
	}
	queue_tail = NULL;
	queue_len = 0;
	if (meta_buf)
		ml_buf_put(meta_buf);
	meta_buf = NULL;
}
