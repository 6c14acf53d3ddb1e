/*
 * hooks.c - the allocator functions the program calls, and the records
 * they write.
 *
 * Each hook calls the real function, then records what happened, under a
 * reentrancy guard so that whatever the tracer itself calls passes
 * straight through. Counting follows DESIGN.md exactly:
 *  - every successful malloc, calloc, memalign, posix_memalign,
 *    aligned_alloc, valloc, pvalloc, realloc(NULL, n) and
 *    reallocarray(NULL, ...) is one allocation;
 *  - realloc(p, n), p != NULL, n > 0, is one free of p plus one allocation,
 *    moved or not; realloc(p, 0) is one free; free(NULL) is nothing;
 *  - sizes are the requested bytes (calloc: n*m).
 * A free looks up the block in the live map *before* the real free and an
 * allocation is inserted *after* the real one returns; see livemap.c for
 * why that pairs events exactly across threads.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/hooks.h"
#include "tracer/lifecycle.h"
#include "tracer/livemap.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/unwind.h"

/* ---------------------------------------------------------------- bootstrap */

/*
 * ml_dlsym_next(...) may itself call calloc before the real functions
 * are known. Those few early requests are served from this static arena;
 * free() ignores its blocks and realloc() moves them out.
 */
static uint8_t boot_arena[64 * 1024] __attribute__((aligned(64)));
static atomic_size_t boot_pos;

static void *boot_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	size_t need = n + align + 16;
	size_t at = atomic_fetch_add(&boot_pos, need);
	if (at + need > sizeof boot_arena)
		return NULL;
	uintptr_t p = ((uintptr_t)boot_arena + at + 16 + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)p)[-1] = n;
	memset((void *)p, 0, n);
	return (void *)p;
}

static inline int is_boot(const void *p)
{
	return (const uint8_t *)p >= boot_arena && (const uint8_t *)p < boot_arena + sizeof boot_arena;
}

/* ---------------------------------------------------------------- records */

static inline void pend_replay(void);

static inline void tc_add(struct ml_thread *t, int c, uint64_t v)
{
	uint64_t old = atomic_load_explicit(&t->counters[c], memory_order_relaxed);
	atomic_store_explicit(&t->counters[c], old + v, memory_order_relaxed);
}

static inline struct ml_thread *cur_thread(void)
{
	struct ml_thread *t = ml_tls.t;
	if (ML_UNLIKELY(!t))
		t = ml_thread_register();
	return t;
}

/* Cursors into the three columns for the event being written. */
struct ev {
	uint8_t *o, *s, *a;   /* operations, sizes, addresses */
};

/* Room for one event in every column; 0 when nothing can be recorded. */
static inline int ev_begin(struct ml_thread *t, struct ev *e)
{
	if (ML_UNLIKELY(t->w[0] >= atomic_load_explicit(&t->lim0, memory_order_relaxed) ||
	                t->w[1] >= t->lim1 || t->w[2] >= t->lim2)) {
		ml_thread_refill(t);
		if (!t->w[0])
			return 0;
	}
	e->o = t->w[0];
	e->s = t->w[1];
	e->a = t->w[2];
	return 1;
}

/* The record is whole: publish the three offsets in one store. */
static inline void ev_end(struct ml_thread *t, const struct ev *e)
{
	struct ml_buf *b = atomic_load_explicit(&t->buf, memory_order_relaxed);
	t->w[0] = e->o;
	t->w[1] = e->s;
	t->w[2] = e->a;
	atomic_store_explicit(&t->commit,
	                      ml_commit_pack((uint32_t)(e->o - ml_buf_col(b, 0)),
	                                     (uint32_t)(e->s - ml_buf_col(b, 1)),
	                                     (uint32_t)(e->a - ml_buf_col(b, 2))),
	                      memory_order_release);
}

/*
 * The thread's clock, advanced from the TSC. Reading the TSC costs about
 * as much as the rest of an event here, so a busy thread reads it every
 * 8th event; a thread that was quiet reads it as soon as the writer's
 * round counter (every --interval) has moved on.
 *
 * A TICK record costs a real program's trace about 3 bytes after
 * compression, a hundred times an event: it breaks the repeats LZ
 * matching finds. So a thread writes one only when its clock has moved by
 * TICK_STEP ticks; and while it is the only thread that has recorded (so
 * no other thread's events are ordered against its times), one that made
 * under TICK_EVENTS events since its last TICK waits until its clock has
 * moved by TICK_BUSY. An event's time is thus late by at most TICK_STEP
 * ticks (or, in a single-threaded process, TICK_EVENTS events and
 * TICK_BUSY ticks), or one interval; never early. The first event after a
 * round or a time boundary always takes the exact time.
 */
#define TICK_STEP 16     /* 2^18 TSC cycles, about 0.1 ms at 2.6 GHz */
#define TICK_EVENTS 4096
#define TICK_BUSY 1024   /* about 6 ms */

static inline void ev_tick(struct ml_thread *t, struct ev *e)
{
	unsigned round = atomic_load_explicit(&ml.round, memory_order_relaxed);
	if (ML_LIKELY((++t->clock_events & 7) != 0 && round == t->clock_round))
		return;
	int fresh = round != t->clock_round;
	t->clock_round = round;
	int64_t d = (int64_t)(ml_rdtsc() - ml.tsc0);
	uint64_t tick = d > 0 ? (uint64_t)d >> ML_TICK_SHIFT : 0;
	int sole = atomic_load_explicit(&ml.next_thread_idx, memory_order_relaxed) <= 2;
	if (ML_UNLIKELY(tick > t->tick) &&
	    (fresh || (tick - t->tick >= TICK_STEP &&
	               (!sole || t->clock_events - t->tick_events >= TICK_EVENTS ||
	                tick - t->tick >= TICK_BUSY)))) {
		*e->o++ = ML_EV_TICK;
		e->o = ml_put_varint(e->o, tick - t->tick);
		t->tick = tick;
		t->tick_events = t->clock_events;
	}
}

/* Move-to-front coding of stack ids, each kept with the size of its
 * latest allocation: a slot code 2 * slot + w when id is recent (w = 1:
 * the size differs and is written), else ML_STACK_SLOT_EXPLICIT. A real
 * program's allocation that repeats its call path and size is then one
 * small code, with no size. format/decode.c mirrors this exactly. */
static inline unsigned mtf_code(struct ml_thread *t, uint32_t id, uint64_t size)
{
	uint32_t n = t->mtf_n;
	for (uint32_t i = 0; i < n; i++) {
		if (t->mtf[i] == id) {
			unsigned w = t->mtf_size[i] != size;
			memmove(&t->mtf[1], &t->mtf[0], i * sizeof t->mtf[0]);
			memmove(&t->mtf_size[1], &t->mtf_size[0], i * sizeof t->mtf_size[0]);
			t->mtf[0] = id;
			t->mtf_size[0] = size;
			return 2 * i + w;
		}
	}
	if (n < ML_MTF_SIZE)
		t->mtf_n = ++n;
	memmove(&t->mtf[1], &t->mtf[0], (n - 1) * sizeof t->mtf[0]);
	memmove(&t->mtf_size[1], &t->mtf_size[0], (n - 1) * sizeof t->mtf_size[0]);
	t->mtf[0] = id;
	t->mtf_size[0] = size;
	return ML_STACK_SLOT_EXPLICIT;
}

/*
 * Addresses (format/trace.h, ML_ADDR_RING): the allocator mostly hands
 * back a block it was just given, so an address that a recent own free
 * released is coded as its place in the list of those; format/decode.c
 * mirrors both functions exactly.
 */
static inline void ring_push(struct ml_thread *t, uint64_t seq, uint64_t addr)
{
	const struct ml_buf *b = atomic_load_explicit(&t->buf, memory_order_relaxed);
	if (seq <= b->base_seq || t->seq - seq >= ML_ADDR_RECENT)
		return;
	if (t->ring_n < ML_ADDR_RING)
		t->ring_n++;
	memmove(&t->ring[1], &t->ring[0], (t->ring_n - 1) * sizeof t->ring[0]);
	t->ring[0] = addr;
}

static inline uint64_t addr_code(struct ml_thread *t, uint64_t addr)
{
	for (uint32_t i = 0; i < t->ring_n; i++) {
		if (t->ring[i] == addr) {
			t->ring_n--;
			memmove(&t->ring[i], &t->ring[i + 1], (t->ring_n - i) * sizeof t->ring[0]);
			return i;
		}
	}
	return ML_ADDR_RING + ml_zigzag((int64_t)(addr - t->prev_addr));
}

/* The allocation part shared by ALLOC, malloc and realloc records: for
 * malloc the header byte carries the stack slot, otherwise the record's
 * header and kind are already written and a stack code follows. */
static inline void ev_alloc_body(struct ml_thread *t, struct ev *e, int kind,
                                 uint32_t stack, uint64_t size, uint64_t addr)
{
	unsigned code = mtf_code(t, stack, size);
	if (kind == ML_KIND_MALLOC) {
		*e->o++ = (uint8_t)(ML_EV_MALLOC | code);
		if (code == ML_STACK_SLOT_EXPLICIT)
			e->o = ml_put_varint(e->o, stack);
	} else {
		e->o = ml_put_varint(e->o, code == ML_STACK_SLOT_EXPLICIT ? ML_STACK_SLOT_EXPLICIT + (uint64_t)stack
		                                                           : code);
	}
	if (code & 1)  /* a new size, or an explicit stack (63) */
		e->s = ml_put_varint(e->s, size);
	e->a = ml_put_varint(e->a, addr_code(t, addr));
	t->prev_addr = addr;
}

/*
 * --sample-bytes N: like heapprofd, sample allocations as a Poisson
 * process over allocated bytes, one per N bytes on average, so a large
 * block is always caught and small ones in proportion. The gap to the
 * next sample is exponential with mean N.
 */
static int64_t sample_gap(struct ml_thread *t)
{
	uint64_t x = t->rng ? t->rng : (uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	double u = ((double)(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
	return (int64_t)(-__builtin_log(u) * (double)ml.sample_bytes) + 1;
}

/* 1 when this allocation is to be recorded with its stack. */
static inline int sampled(struct ml_thread *t, size_t size)
{
	if (ML_LIKELY(!ml.sample_bytes))
		return 1;
	t->sample_left -= (int64_t)size;
	if (t->sample_left > 0)
		return 0;
	t->sample_left = sample_gap(t);
	return 1;
}

/* An allocation that was not sampled: counted exactly, entered in the
 * live map (so its free is counted too), but not written. */
static void record_unsampled(struct ml_thread *t, void *ptr, size_t size)
{
	struct ml_live l = { (uintptr_t)ptr, size, 0, t->idx, ML_UNSAMPLED };
	ml_live_insert(&l);
	tc_add(t, ML_TC_MALLOCS, 1);
	tc_add(t, ML_TC_BYTES, size);
}

static void record_alloc_stack(void *ptr, size_t size, int kind, int with_stack,
                               int insert)
{
	struct ml_thread *t = cur_thread();
	struct ev e;
	if (!t)
		return;
	if (!sampled(t, size)) {
		record_unsampled(t, ptr, size);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	uint32_t stack = with_stack ? ml_stack_capture() : 0;
	struct ml_live l = { (uintptr_t)ptr, size, ++t->seq, t->idx, stack };
	if (insert)
		ml_live_insert(&l);
	ev_tick(t, &e);
	if (kind != ML_KIND_MALLOC) {
		*e.o++ = ML_EV_ALLOC;
		*e.o++ = (uint8_t)kind;
	}
	ev_alloc_body(t, &e, kind, stack, size, (uintptr_t)ptr);
	ev_end(t, &e);
	tc_add(t, ML_TC_MALLOCS, 1);
	tc_add(t, ML_TC_BYTES, size);
	tc_add(t, ML_TC_EVENTS, 1);
}

static void record_alloc(void *ptr, size_t size, int kind)
{
	pend_replay();  /* a handler's free may have released this address */
	record_alloc_stack(ptr, size, kind, 1, 1);
}

/* Reference to the allocation being freed: own distance, or foreign. */
static inline void ev_old_ref(struct ml_thread *t, struct ev *e, const struct ml_live *l)
{
	if (l->idx == t->idx) {
		e->o = ml_put_varint(e->o, t->seq - l->seq + 1);
		return;
	}
	e->o = ml_put_varint(e->o, 0);
	e->o = ml_put_varint(e->o, l->idx);
	e->o = ml_put_varint(e->o, l->seq);
}

/* The record of the free of ptr, whose live entry (if known) is *l. */
static void record_free_entry(struct ml_thread *t, void *ptr, int known, const struct ml_live *l)
{
	struct ev e;
	if (ML_UNLIKELY(known && l->stack == ML_UNSAMPLED)) {
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, l->size);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	ev_tick(t, &e);
	if (ML_LIKELY(known)) {
		if (l->idx == t->idx) {
			uint64_t d = t->seq - l->seq + 1;
			int64_t ds = (int64_t)(l->seq - t->last_free);
			if (d <= ML_EV_FREE_NEAR_MAX + 1) {
				*e.o++ = (uint8_t)(d - 1);
			} else if (ds >= ML_EV_FREE_SEQ_MIN - ML_EV_FREE_SEQ_ZERO &&
			           ds <= 0xff - ML_EV_FREE_SEQ_ZERO) {
				/* a far free next to the previous one (a structure
				 * torn down in order): one byte that repeats */
				*e.o++ = (uint8_t)(ML_EV_FREE_SEQ_ZERO + ds);
			} else {
				*e.o++ = ML_EV_FREE_FAR;
				e.o = ml_put_varint(e.o, d);
			}
			t->last_free = l->seq;
			ring_push(t, l->seq, l->addr);
		} else {
			*e.o++ = ML_EV_FREE_FOREIGN;
			e.o = ml_put_varint(e.o, l->idx);
			e.o = ml_put_varint(e.o, l->seq);
		}
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, l->size);
	} else {
		*e.o++ = ML_EV_FREE_UNKNOWN;
		e.a = ml_put_varint(e.a, (uintptr_t)ptr);
		tc_add(t, ML_TC_UNKNOWN, 1);
	}
	ev_end(t, &e);
	tc_add(t, ML_TC_EVENTS, 1);
}

/* Record the free of ptr, before the real free. Returns the thread. */
static struct ml_thread *record_free(void *ptr)
{
	struct ml_thread *t = cur_thread();
	if (!t)
		return t;
	pend_replay();
	struct ml_live l;
	int known = ml_live_remove((uintptr_t)ptr, &l);
	record_free_entry(t, ptr, known, &l);
	return t;
}

/* realloc that moved or resized a block: one free plus one allocation. */
static void record_realloc(const struct ml_live *old, int known, void *oldptr,
                           void *ptr, size_t size, int kind)
{
	struct ml_thread *t = cur_thread();
	struct ev e;
	if (!t)
		return;
	pend_replay();
	if (ML_UNLIKELY(known && old->stack == ML_UNSAMPLED)) {
		/* the old block was never written: its free is only counted */
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, old->size);
		record_alloc(ptr, size, kind);
		return;
	}
	if (!sampled(t, size)) {
		/* the free half is written; the new block is not sampled */
		record_free_entry(t, oldptr, known, old);
		record_unsampled(t, ptr, size);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	uint32_t stack = ml_stack_capture();
	ev_tick(t, &e);
	if (known) {
		*e.o++ = ML_EV_REALLOC;
		ev_old_ref(t, &e, old);
		if (old->idx == t->idx)
			ring_push(t, old->seq, old->addr);
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, old->size);
	} else {
		*e.o++ = ML_EV_REALLOC_UNKNOWN;
		e.a = ml_put_varint(e.a, (uintptr_t)oldptr);
		tc_add(t, ML_TC_UNKNOWN, 1);
	}
	*e.o++ = (uint8_t)kind;
	struct ml_live l = { (uintptr_t)ptr, size, ++t->seq, t->idx, stack };
	ml_live_insert(&l);
	ev_alloc_body(t, &e, kind, stack, size, (uintptr_t)ptr);
	ev_end(t, &e);
	tc_add(t, ML_TC_MALLOCS, 1);
	tc_add(t, ML_TC_BYTES, size);
	tc_add(t, ML_TC_EVENTS, 1);
}

/* ---------------------------------------------------------------- small stacks */

/*
 * Near the end of the thread's own stack (deep recursion), the whole
 * record runs on the side stack (ml_side_run), so the program keeps the
 * stack it would have had without the tracer, less the hook's own frame.
 * Elsewhere the record runs in place, within ML_STACK_BUDGET.
 */
static inline int stack_short(void)
{
	const struct ml_thread *t = ml_tls.t;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	return t && sp - t->stack_lo < ML_STACK_ROOM;
}

enum { REC_ALLOC, REC_FREE, REC_REALLOC };

struct side_rec {
	int op, kind, known;
	void *ptr, *old;
	size_t size;
	const struct ml_live *e;
	struct ml_thread *t;
};

static void side_rec_fn(void *arg)
{
	struct side_rec *r = arg;
	switch (r->op) {
	case REC_ALLOC:
		record_alloc(r->ptr, r->size, r->kind);
		break;
	case REC_FREE:
		r->t = record_free(r->ptr);
		break;
	case REC_REALLOC:
		record_realloc(r->e, r->known, r->old, r->ptr, r->size, r->kind);
		break;
	}
}

/*
 * The same on the side stack. The request lives in TLS, not in the
 * hook's frame: this path exists to save the program's stack. A signal
 * handler that interrupts before the switch finds the hook's guard set
 * and never gets here.
 */
static __thread struct side_rec side_req;

static __attribute__((noinline, cold)) int side_alloc(void *ptr, size_t size, int kind)
{
	side_req = (struct side_rec){ .op = REC_ALLOC, .ptr = ptr, .size = size, .kind = kind };
	return ml_side_run(side_rec_fn, &side_req);
}

static __attribute__((noinline, cold)) int side_free(void *ptr, struct ml_thread **t)
{
	side_req = (struct side_rec){ .op = REC_FREE, .ptr = ptr };
	int rc = ml_side_run(side_rec_fn, &side_req);
	*t = side_req.t;
	return rc;
}

static __attribute__((noinline, cold)) int side_realloc(const struct ml_live *e, int known, void *oldptr,
                                                        void *ptr, size_t size, int kind)
{
	side_req = (struct side_rec){ .op = REC_REALLOC, .kind = kind, .known = known, .ptr = ptr,
	                              .old = oldptr, .size = size, .e = e };
	return ml_side_run(side_rec_fn, &side_req);
}

/* record_alloc, record_free and record_realloc as the hooks call them. */
static inline void rec_alloc(void *ptr, size_t size, int kind)
{
	if (ML_UNLIKELY(stack_short()) && side_alloc(ptr, size, kind) == 0)
		return;
	record_alloc(ptr, size, kind);
}

static inline struct ml_thread *rec_free(void *ptr)
{
	struct ml_thread *t;
	if (ML_UNLIKELY(stack_short()) && side_free(ptr, &t) == 0)
		return t;
	return record_free(ptr);
}

static inline void rec_realloc(const struct ml_live *e, int known, void *oldptr,
                               void *ptr, size_t size, int kind)
{
	if (ML_UNLIKELY(stack_short()) && side_realloc(e, known, oldptr, ptr, size, kind) == 0)
		return;
	record_realloc(e, known, oldptr, ptr, size, kind);
}

/* ---------------------------------------------------------------- entry */

/* The TSC, read once everything before has finished and before anything
 * after starts: RDTSC alone may run early or late by the tens of cycles
 * that make a short allocator call look 20% shorter than it is. */
static inline uint64_t tsc_fenced(void)
{
	__builtin_ia32_lfence();
	uint64_t t = __builtin_ia32_rdtsc();
	__builtin_ia32_lfence();
	return t;
}

/*
 * The allocator's share of CPU time (alloc_cpu_fraction). One call in
 * TIMING_ONE_IN on average is timed, chosen at random (a per-thread LCG),
 * so a program that alternates malloc and free gets both timed alike;
 * each timed call counts TIMING_ONE_IN times. Only the real allocator
 * call goes into ML_TC_ALLOC_CYCLES; the tracer's own recording of that
 * call goes into ML_TC_TRACER_CYCLES, which the share leaves out of the
 * process's CPU time (format/memstats.c). timing_start returns the TSC,
 * or 0 for an untimed call.
 */
#define TIMING_SHIFT 4                       /* log2 of the sampling factor */
#define TIMING_ONE_IN (1u << TIMING_SHIFT)   /* one call in 16 is timed */

static inline uint64_t timing_start(void)
{
	uint32_t x = ml_tls.t_count * 1664525u + 1013904223u;
	ml_tls.t_count = x;
	/* timed when the LCG's top TIMING_SHIFT bits (its best ones) are 0 */
	return x >> (32 - TIMING_SHIFT) ? 0 : tsc_fenced();
}

/*
 * The TSC counts time off the CPU too: a window in which the thread was
 * preempted would count the other tasks' time slices, and on a loaded
 * machine that alone made the share several times too large. A slice is
 * a millisecond or more, an allocator call almost never takes a quarter
 * of one: longer windows are left out (on both sides: allocator and
 * recording), which loses little besides the rare very slow call.
 */
#define TIMED_MAX (1ull << 20)   /* TSC cycles: 250-500 us */

/*
 * What the two fenced reads of an empty window cost (about 60 cycles
 * here, 25 ns): as much as a whole malloc from glibc's tcache. Each
 * window is counted less this mean, so the sums are unbiased (a single
 * window may come out negative; the counters add modulo 2^64 and a
 * snapshot reads a negative total as 0). Measured once, on the first
 * timed call; interrupted windows (over 1000 cycles) are left out.
 */
static uint64_t fence_cost;

static __attribute__((noinline, cold)) uint64_t fence_cost_measure(void)
{
	uint64_t sum = 0, n = 0;
	for (int i = 0; i < 256; i++) {
		uint64_t a = tsc_fenced(), b = tsc_fenced();
		if (b - a < 1000) {
			sum += b - a;
			n++;
		}
	}
	uint64_t c = n ? sum / n : 0;
	__atomic_store_n(&fence_cost, c ? c : 1, __ATOMIC_RELAXED);
	return c;
}

/* A timed call: [t0, t1) in the allocator, [rec0, rec1) recording. */
static inline void timing_end(uint64_t t0, uint64_t t1, uint64_t rec0, uint64_t rec1)
{
	struct ml_thread *t = ml_tls.t;
	if (!t)
		return;
	uint64_t o = __atomic_load_n(&fence_cost, __ATOMIC_RELAXED);
	if (ML_UNLIKELY(!o))
		o = fence_cost_measure();
	if (t1 - t0 < TIMED_MAX)
		tc_add(t, ML_TC_ALLOC_CYCLES, (t1 - t0 - o) * TIMING_ONE_IN);
	if (rec1 - rec0 < TIMED_MAX)
		tc_add(t, ML_TC_TRACER_CYCLES, (rec1 - rec0 - o) * TIMING_ONE_IN);
}

/* ---------------------------------------------------------------- signal handlers */

/*
 * A signal handler that calls malloc or free while its thread is inside a
 * hook (or inside the allocator called from one) cannot record: the
 * interrupted hook may hold a live-map lock and half-written cursors. It
 * makes the real call and queues what happened in a small per-thread
 * ring; the interrupted hook records it before its own map operation and
 * again when it leaves. A free still takes its block out of the live map
 * before the real free, as every free does, unless its own interrupted
 * hook holds that shard: then the removal waits for the replay. The
 * tracer's own allocations (ML_INTERNAL) are not queued.
 */
enum { HOOK_PASS = 0, HOOK_RECORD = 1, HOOK_NESTED = 2 };

static inline int hook_enter(void)
{
	if (ML_LIKELY(!ml_guarded() && ml_active())) {
		ml_guard_enter();
		return HOOK_RECORD;
	}
	if (ml_guarded() && !ml_tls.internal && ml_active() && ml_tls.t)
		return HOOK_NESTED;
	return HOOK_PASS;
}

static struct ml_pending *pend_slot(void)
{
	unsigned tail = ml_tls.pend_tail;
	if (tail - ml_tls.pend_head >= ML_PEND) {
		ml_tls.pend_lost++;
		return NULL;
	}
	return &ml_tls.pend[tail % ML_PEND];
}

static void pend_commit(void)
{
	atomic_signal_fence(memory_order_release);
	ml_tls.pend_tail++;
}

static void pend_alloc(void *p, size_t size, int kind)
{
	struct ml_pending *e = pend_slot();
	if (!e)
		return;
	e->op = ML_PEND_ALLOC;
	e->kind = (uint8_t)kind;
	e->inv_ptr = ~(uintptr_t)p;
	e->size = size;
	pend_commit();
}

static void hide(struct ml_live_hidden *h, const struct ml_live *l)
{
	h->inv_addr = ~l->addr;
	h->size = l->size;
	h->seq = l->seq;
	h->idx = l->idx;
	h->stack = l->stack;
}

static void unhide(struct ml_live *l, const struct ml_live_hidden *h)
{
	l->addr = ~h->inv_addr;
	l->size = h->size;
	l->seq = h->seq;
	l->idx = h->idx;
	l->stack = h->stack;
}

/* Before the real free of p in a nested call. `reinsert`: the block may
 * come back (realloc that fails). */
static void pend_free(void *p)
{
	/* A block the handler itself allocated and that is not recorded yet:
	 * the pair is recorded together, without the live map. */
	for (unsigned i = ml_tls.pend_head; i != ml_tls.pend_tail; i++) {
		struct ml_pending *a = &ml_tls.pend[i % ML_PEND];
		if (a->op == ML_PEND_ALLOC && a->inv_ptr == ~(uintptr_t)p) {
			a->op = ML_PEND_ALLOC_FREED;
			return;
		}
	}
	struct ml_pending *e = pend_slot();
	if (!e)
		return;
	struct ml_live l;
	int rc = ml_live_remove_try((uintptr_t)p, &l);
	e->inv_ptr = ~(uintptr_t)p;
	if (rc < 0) {
		e->op = ML_PEND_FREE_LATER;
	} else {
		e->op = ML_PEND_FREED;
		e->known = rc;
		if (rc)
			hide(&e->l, &l);
	}
	pend_commit();
}

static void record_alloc_stack(void *ptr, size_t size, int kind, int with_stack, int insert);
static void record_free_entry(struct ml_thread *t, void *ptr, int known, const struct ml_live *l);

/* Record what signal handlers queued. Called inside a hook (guard set),
 * holding no lock. */
static void pend_replay_slow(void)
{
	struct ml_thread *t = ml_tls.t;
	while (ml_tls.pend_head != ml_tls.pend_tail) {
		atomic_signal_fence(memory_order_acquire);
		struct ml_pending e = ml_tls.pend[ml_tls.pend_head % ML_PEND];
		ml_tls.pend_head++;
		void *ptr = (void *)(uintptr_t)~e.inv_ptr;
		struct ml_live l;
		switch (e.op) {
		case ML_PEND_ALLOC:
			/* no stack: unwinding in the handler would race the hook */
			record_alloc_stack(ptr, e.size, e.kind, 0, 1);
			break;
		case ML_PEND_ALLOC_FREED:
			if (!t)
				break;
			if (ml.sample_bytes) {  /* sampled runs: counted, not written */
				tc_add(t, ML_TC_MALLOCS, 1);
				tc_add(t, ML_TC_BYTES, e.size);
				tc_add(t, ML_TC_FREES, 1);
				tc_add(t, ML_TC_FREED, e.size);
				break;
			}
			record_alloc_stack(ptr, e.size, e.kind, 0, 0);
			l.addr = (uintptr_t)ptr;
			l.size = e.size;
			l.seq = t->seq;
			l.idx = t->idx;
			l.stack = 0;
			record_free_entry(t, ptr, 1, &l);
			break;
		case ML_PEND_FREED:
			unhide(&l, &e.l);
			if (t && (!e.known || l.stack != ML_UNSAMPLED))
				record_free_entry(t, ptr, e.known, &l);
			break;
		case ML_PEND_FREE_LATER: {
			int known = ml_live_remove((uintptr_t)ptr, &l);
			if (t && (!known || l.stack != ML_UNSAMPLED))
				record_free_entry(t, ptr, known, &l);
			break;
		}
		case ML_PEND_REINSERT:
			unhide(&l, &e.l);
			ml_live_insert(&l);
			break;
		}
	}
}

static inline void pend_replay(void)
{
	if (ML_UNLIKELY(ml_tls.pend_head != ml_tls.pend_tail))
		pend_replay_slow();
}

static inline void hook_leave(void)
{
	pend_replay();
	ml_guard_leave();
}

/* Before the first recorded call: bring the tracer up unless this thread
 * is already inside it. */
static inline void ensure_init(void)
{
	if (ML_UNLIKELY(atomic_load_explicit(&ml.state, memory_order_acquire) < ML_READY) &&
	    !ml_guarded())
		ml_init_slow();
}

/*
 * A hook for an allocator function that returns its block: bring the
 * tracer up, call the real function, record the block. Before the real
 * functions are known (dlsym at start-up), serve from the boot arena.
 */
#define ALLOC_HOOK(name, kind, align, size, params, args)          \
	EXPORT void *name params                                  \
	{                                                         \
		ensure_init();                                    \
		if (ML_UNLIKELY(!ml.real.name))                   \
			return boot_alloc((size), (align));       \
		int h = hook_enter();                             \
		if (h != HOOK_RECORD) {                           \
			void *q = ml.real.name args;              \
			if (h == HOOK_NESTED && q)                \
				pend_alloc(q, (size), (kind));    \
			return q;                                 \
		}                                                 \
		uint64_t t0 = timing_start();                     \
		void *p = ml.real.name args;                      \
		uint64_t t1 = t0 ? tsc_fenced() : 0;              \
		int e = errno;                                    \
		if (ML_LIKELY(p != NULL))                         \
			rec_alloc(p, (size), (kind));             \
		if (ML_UNLIKELY(t0 != 0))                         \
			timing_end(t0, t1, t1, tsc_fenced());     \
		hook_leave();                                     \
		errno = e;                                        \
		return p;                                         \
	}

ALLOC_HOOK(malloc, ML_KIND_MALLOC, 16, n, (size_t n), (n))
ALLOC_HOOK(memalign, ML_KIND_MEMALIGN, align, n, (size_t align, size_t n), (align, n))
ALLOC_HOOK(aligned_alloc, ML_KIND_ALIGNED_ALLOC, align, n, (size_t align, size_t n), (align, n))
ALLOC_HOOK(valloc, ML_KIND_VALLOC, 4096, n, (size_t n), (n))
ALLOC_HOOK(pvalloc, ML_KIND_PVALLOC, 4096, n, (size_t n), (n))

EXPORT void free(void *p)
{
	if (ML_UNLIKELY(!p || is_boot(p)))
		return;
	ensure_init();
	int h = hook_enter();
	if (h != HOOK_RECORD) {
		if (h == HOOK_NESTED)
			pend_free(p);
		if (ml.real.free)
			ml.real.free(p);
		return;
	}
	int e = errno;
	uint64_t rec0 = timing_start();
	rec_free(p);
	uint64_t t0 = rec0 ? tsc_fenced() : 0;
	ml.real.free(p);
	if (ML_UNLIKELY(rec0 != 0))
		timing_end(t0, tsc_fenced(), rec0, t0);
	hook_leave();
	errno = e;
}

EXPORT void *calloc(size_t n, size_t m)
{
	ensure_init();
	if (ML_UNLIKELY(!ml.real.calloc)) {
		size_t sz;
		if (__builtin_mul_overflow(n, m, &sz))
			return NULL;
		return boot_alloc(sz, 16);
	}
	int h = hook_enter();
	if (h != HOOK_RECORD) {
		void *q = ml.real.calloc(n, m);
		if (h == HOOK_NESTED && q)
			pend_alloc(q, n * m, ML_KIND_CALLOC);
		return q;
	}
	uint64_t t0 = timing_start();
	void *p = ml.real.calloc(n, m);
	uint64_t t1 = t0 ? tsc_fenced() : 0;
	int e = errno;
	if (ML_LIKELY(p != NULL))
		rec_alloc(p, n * m, ML_KIND_CALLOC);
	if (ML_UNLIKELY(t0 != 0))
		timing_end(t0, t1, t1, tsc_fenced());
	hook_leave();
	errno = e;
	return p;
}

/* realloc from a signal handler inside a hook: queue the free of the old
 * block (taken out of the map first) and the new block. */
static void *realloc_nested(void *old, size_t size, int kind)
{
	void *p;
	if (!old) {
		p = ml.real.realloc(NULL, size);
		if (p)
			pend_alloc(p, size, kind);
		return p;
	}
	unsigned mark = ml_tls.pend_tail;
	pend_free(old);
	p = ml.real.realloc(old, size);
	if (p && size) {
		pend_alloc(p, size, kind);
	} else if (!p && size && ml_tls.pend_tail != mark) {
		/* failed: the old block lives on */
		struct ml_pending *e = &ml_tls.pend[mark % ML_PEND];
		if (e->op == ML_PEND_FREED && e->known)
			e->op = ML_PEND_REINSERT;
		else
			e->op = 0;
	}
	return p;
}

/*
 * realloc, and reallocarray as glibc implements it: an overflow check,
 * then realloc. (Calling glibc's own reallocarray would enter the realloc
 * hook a second time from inside this one.)
 */
static void *realloc_common(void *old, size_t n, size_t m, int kind)
{
	size_t size;
	if (__builtin_mul_overflow(n, m, &size)) {
		errno = ENOMEM;
		return NULL;
	}
	if (ML_UNLIKELY(is_boot(old))) {
		void *p = malloc(size);
		if (p) {
			size_t had = ((size_t *)old)[-1];
			memcpy(p, old, had < size ? had : size);
		}
		return p;
	}
	ensure_init();
	if (!ml.real.realloc)
		return old ? NULL : boot_alloc(size, 16);
	int h = hook_enter();
	if (h == HOOK_NESTED)
		return realloc_nested(old, size, kind);
	if (h != HOOK_RECORD)
		return ml.real.realloc(old, size);
	void *p;
	int err;
	uint64_t rec0 = timing_start(), t0, t1;
	if (!old) {
		t0 = rec0;
		p = ml.real.realloc(NULL, size);
		t1 = rec0 ? tsc_fenced() : 0;
		err = errno;
		if (p)
			rec_alloc(p, size, kind);
	} else if (size == 0) {
		/* realloc(p, 0) frees p (glibc returns NULL). */
		err = errno;
		rec_free(old);
		errno = err;
		t0 = rec0 ? tsc_fenced() : 0;
		p = ml.real.realloc(old, 0);
		t1 = rec0 ? tsc_fenced() : 0;
		err = errno;
	} else {
		pend_replay();
		struct ml_live e;
		int known = ml_live_remove((uintptr_t)old, &e);
		t0 = rec0 ? tsc_fenced() : 0;
		p = ml.real.realloc(old, size);
		t1 = rec0 ? tsc_fenced() : 0;
		err = errno;
		if (p)
			rec_realloc(&e, known, old, p, size, kind);
		else if (known)
			ml_live_insert(&e);  /* failed: the old block lives on */
	}
	if (ML_UNLIKELY(rec0 != 0)) {
		/* the recording before and after the real call */
		uint64_t rec1 = tsc_fenced();
		/* two recording windows, before and after the call */
		timing_end(t0, t1, rec0, rec1 - (t1 - t0) - __atomic_load_n(&fence_cost, __ATOMIC_RELAXED));
	}
	hook_leave();
	errno = err;
	return p;
}

EXPORT void *realloc(void *old, size_t n)
{
	return realloc_common(old, n, 1, ML_KIND_REALLOC);
}

EXPORT void *reallocarray(void *old, size_t n, size_t m)
{
	return realloc_common(old, n, m, ML_KIND_REALLOCARRAY);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	ensure_init();
	if (ML_UNLIKELY(!ml.real.posix_memalign)) {
		*out = boot_alloc(n, align);
		return *out ? 0 : ENOMEM;
	}
	int h = hook_enter();
	if (h != HOOK_RECORD) {
		int rc = ml.real.posix_memalign(out, align, n);
		if (h == HOOK_NESTED && rc == 0 && *out)
			pend_alloc(*out, n, ML_KIND_POSIX_MEMALIGN);
		return rc;
	}
	uint64_t t0 = timing_start();
	int rc = ml.real.posix_memalign(out, align, n);
	uint64_t t1 = t0 ? tsc_fenced() : 0;
	int e = errno;
	if (rc == 0 && *out)
		rec_alloc(*out, n, ML_KIND_POSIX_MEMALIGN);
	if (ML_UNLIKELY(t0 != 0))
		timing_end(t0, t1, t1, tsc_fenced());
	hook_leave();
	errno = e;
	return rc;
}

/** Record the live blocks inherited from the parent as the child's own
 * (kind 'inherited'), under thread index 0. Called in a forked child. */
struct inherit_ctx {
	struct ml_thread *t;
	uint64_t seq;
};

static void inherit_one(struct ml_live *l, void *arg)
{
	struct inherit_ctx *c = arg;
	struct ml_thread *t = c->t;
	struct ev e;
	if (l->stack == ML_UNSAMPLED) {
		l->idx = 0;
		tc_add(t, ML_TC_MALLOCS, 1);
		tc_add(t, ML_TC_BYTES, l->size);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	l->idx = 0;
	l->seq = ++t->seq;
	/* Stacks lock under a shard lock breaks the lock order, but this
	 * runs in a freshly forked child, where no other thread exists. */
	if (l->stack)
		ml_stack_ensure(l->stack);
	*e.o++ = ML_EV_ALLOC;
	*e.o++ = ML_KIND_INHERITED;
	ev_alloc_body(t, &e, ML_KIND_INHERITED, l->stack, l->size, l->addr);
	ev_end(t, &e);
	tc_add(t, ML_TC_MALLOCS, 1);
	tc_add(t, ML_TC_BYTES, l->size);
	tc_add(t, ML_TC_EVENTS, 1);
}

void ml_record_inherited(struct ml_thread *pseudo)
{
	struct inherit_ctx c = { pseudo, 0 };
	ml_live_foreach(inherit_one, &c);
}

/**
 * Write a time boundary (a snapshot, the start of exit) with its exact
 * TSC into the calling thread's own events, so ingest orders the thread's
 * events against it exactly rather than to a tick.
 */
void ml_mark(uint64_t tsc)
{
	struct ml_thread *t = ml_tls.t;
	struct ev e;
	if (!t || !ev_begin(t, &e))
		return;
	*e.o++ = ML_EV_MARK;
	e.o = ml_put_varint(e.o, tsc > ml.tsc0 ? tsc - ml.tsc0 : 0);
	ev_end(t, &e);
}
