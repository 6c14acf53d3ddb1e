/*
 * channel.h - buffers between the hooks and the writer (channel.c): the
 * buffer pool, the FIFO queue the writer empties, and the meta channel
 * for rare process-wide records.
 *
 * Calls into writer.h, and is called from it: this is the one cycle left
 * between the two, on purpose. The channel is the queue's producer side;
 * writer.c is its consumer. A producer must be able to wake the consumer
 * (ml_writer_wake) and, while no writer thread runs (start-up, a forked
 * child before its writer exists), write the queue itself
 * (ml_write_queued); the consumer takes buffers from the queue and
 * returns them to the pool. Hiding the back edge behind function pointers
 * would add an indirect call on the hot path and hide the dependency
 * rather than remove it.
 */
#ifndef MEMLEDGER_TRACER_CHANNEL_H
#define MEMLEDGER_TRACER_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/tracer.h"

struct ml_thread;   /* threads.h */

/* ---------------------------------------------------------------- buffers */

#define ML_BUF_SIZE (64u * 1024 - 64)  /* payload bytes of one buffer */
#define ML_MAX_QUEUED 512              /* buffers queued before writers wait */
#define ML_WAKE_BATCH 32               /* queued buffers that wake the writer early */

/*
 * An events buffer holds three columns (see FORMAT.md): operations
 * (headers, references, stack codes, ticks), sizes, addresses. Kept apart
 * they compress much better with Huffman coding alone, which is what the
 * writer uses because it is several times faster than LZ matching.
 */
#define ML_COL0 (20u * 1024)               /* operations */
#define ML_COL1 (20u * 1024)               /* sizes */
#define ML_COL2 (ML_BUF_SIZE - ML_COL0 - ML_COL1)  /* addresses */
#define ML_COL_ROOM0 64                    /* worst case of one event, per column */
#define ML_COL_ROOM1 12
#define ML_COL_ROOM2 24

/** A buffer of records on its way to the trace file. */
struct ml_buf {
	struct ml_buf *next;       /* queue or free-list link */
	uint32_t frame;            /* ML_FRAME_META or ML_FRAME_EVENTS */
	uint32_t thread_idx;       /* events: the owning thread */
	uint64_t base_seq;         /* events: thread's allocation seq before the first record */
	uint64_t base_tick;        /* events: thread's tick before the first record */
	uint32_t len;              /* meta: bytes used, set when submitted */
	uint32_t clen[3];          /* events: bytes used in each column */
	size_t big;                /* meta: mapped size of a buffer made for one oversized record; 0 in the pool */
	uint8_t data[ML_BUF_SIZE];
};

static inline uint8_t *ml_buf_col(struct ml_buf *b, int k)
{
	return b->data + (k == 0 ? 0 : k == 1 ? ML_COL0 : ML_COL0 + ML_COL1);
}

/* The three column offsets of a thread's buffer, packed in one word so a
 * reader on another thread always sees a consistent set. */
static inline uint64_t ml_commit_pack(uint32_t o0, uint32_t o1, uint32_t o2)
{
	return (uint64_t)o0 | (uint64_t)o1 << 21 | (uint64_t)o2 << 42;
}

static inline uint32_t ml_commit_off(uint64_t c, int k)
{
	return (uint32_t)(c >> (21 * k)) & ((1u << 21) - 1);
}

ML_HIDDEN struct ml_buf *ml_buf_get(void);
ML_HIDDEN void ml_buf_put(struct ml_buf *b);
/** Queue a filled buffer for the writer (FIFO, keeps order). */
ML_HIDDEN void ml_buf_submit(struct ml_buf *b);
/** Pop the oldest queued buffer or NULL. */
ML_HIDDEN struct ml_buf *ml_queue_pop(void);
ML_HIDDEN int ml_queue_length(void);
/** The slow path of an event: hand over the current buffer, start a new one. */
ML_HIDDEN void ml_thread_refill(struct ml_thread *t);
/** Set an events buffer's column lengths from its thread's commit word. */
ML_HIDDEN void ml_buf_seal(struct ml_buf *b, uint64_t commit);

/* ---------------------------------------------------------------- meta records */

/** Meta records: begin (takes the meta lock), write body, end. */
struct ml_meta {
	uint8_t *p;                /* where the body goes; ml_meta_end computes the length */
	uint8_t *start;
	int locked;                /* the meta lock is held (always, outside signal handlers) */
	int len_bytes;             /* room reserved for the length: 3, or 4 for an oversized record */
	struct ml_buf *big;        /* the buffer of an oversized record */
};
/**
 * Reserve room for a meta record of at most `max` body bytes. A record
 * larger than a buffer (a long command line) gets a buffer of its own;
 * if none can be mapped, m->p is NULL: write nothing, still call
 * ml_meta_end.
 */
ML_HIDDEN void ml_meta_begin(struct ml_meta *m, int type, size_t max);
ML_HIDDEN void ml_meta_end(struct ml_meta *m);
ML_HIDDEN uint8_t *ml_put_str(uint8_t *p, const char *s, size_t max);
ML_HIDDEN uint8_t *ml_put_bytes(uint8_t *p, const void *s, size_t n);
/** Submit the current meta buffer, so that everything so far is queued. */
ML_HIDDEN void ml_meta_flush(void);
/** The same for the crash path: 0, or -1 when the meta lock stays busy. */
ML_HIDDEN int ml_meta_flush_try(void);

/* ---------------------------------------------------------------- fork */

ML_HIDDEN void ml_channel_lock_meta(void);
ML_HIDDEN void ml_channel_lock_queues(void);
ML_HIDDEN void ml_channel_unlock_all(void);
ML_HIDDEN void ml_channel_reset_for_child(void);

#endif
