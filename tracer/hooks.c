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

#include "tracer/tracer.h"

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
 * round counter (every --interval) has moved on. An event's time is thus
 * late by at most 7 events of its thread, or one interval.
 */
static inline void ev_tick(struct ml_thread *t, struct ev *e)
{
	unsigned round = atomic_load_explicit(&ml.round, memory_order_relaxed);
	if (ML_LIKELY((++t->clock_events & 7) != 0 && round == t->clock_round))
		return;
	t->clock_round = round;
	int64_t d = (int64_t)(ml_rdtsc() - ml.tsc0);
	uint64_t tick = d > 0 ? (uint64_t)d >> ML_TICK_SHIFT : 0;
	if (ML_UNLIKELY(tick > t->tick)) {
		*e->o++ = ML_EV_TICK;
		e->o = ml_put_varint(e->o, tick - t->tick);
		t->tick = tick;
	}
}

/* Move-to-front coding of stack ids: a slot when id is recent, else
 * ML_STACK_SLOT_EXPLICIT. format/decode.c mirrors this exactly. */
static inline unsigned mtf_code(struct ml_thread *t, uint32_t id)
{
	uint32_t n = t->mtf_n;
	for (uint32_t i = 0; i < n; i++) {
		if (t->mtf[i] == id) {
			memmove(&t->mtf[1], &t->mtf[0], i * sizeof t->mtf[0]);
			t->mtf[0] = id;
			return i;
		}
	}
	if (n < ML_MTF_SIZE)
		t->mtf_n = ++n;
	memmove(&t->mtf[1], &t->mtf[0], (n - 1) * sizeof t->mtf[0]);
	t->mtf[0] = id;
	return ML_STACK_SLOT_EXPLICIT;
}

/* The allocation part shared by ALLOC, malloc and realloc records: for
 * malloc the header byte carries the stack slot, otherwise the record's
 * header and kind are already written and a stack code follows. */
static inline void ev_alloc_body(struct ml_thread *t, struct ev *e, int kind,
                                 uint32_t stack, uint64_t size, uint64_t addr)
{
	unsigned slot = mtf_code(t, stack);
	if (kind == ML_KIND_MALLOC) {
		*e->o++ = (uint8_t)(ML_EV_MALLOC | slot);
		if (slot == ML_STACK_SLOT_EXPLICIT)
			e->o = ml_put_varint(e->o, stack);
	} else {
		e->o = ml_put_varint(e->o, slot == ML_STACK_SLOT_EXPLICIT ? ML_MTF_SIZE + (uint64_t)stack : slot);
	}
	e->s = ml_put_varint(e->s, size);
	e->a = ml_put_varint(e->a, ml_zigzag((int64_t)(addr - t->prev_addr)));
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
static void record_unsampled(struct ml_thread *t, void *ptr, size_t size, uint64_t t0)
{
	struct ml_live l = { (uintptr_t)ptr, size, 0, t->idx, ML_UNSAMPLED };
	ml_live_insert(&l);
	tc_add(t, ML_TC_MALLOCS, 1);
	tc_add(t, ML_TC_BYTES, size);
	if (t0)
		tc_add(t, ML_TC_ALLOC_CYCLES, (ml_rdtsc() - t0) * 16);
}

static void record_alloc(void *ptr, size_t size, int kind, uint64_t t0)
{
	struct ml_thread *t = cur_thread();
	struct ev e;
	if (!t)
		return;
	if (!sampled(t, size)) {
		record_unsampled(t, ptr, size, t0);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	uint32_t stack = ml_stack_capture();
	struct ml_live l = { (uintptr_t)ptr, size, ++t->seq, t->idx, stack };
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
	if (t0)
		tc_add(t, ML_TC_ALLOC_CYCLES, (ml_rdtsc() - t0) * 16);
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

/* Record the free of ptr, before the real free. Returns the thread. */
static struct ml_thread *record_free(void *ptr)
{
	struct ml_thread *t = cur_thread();
	struct ev e;
	if (!t || !ev_begin(t, &e))
		return t;
	struct ml_live l;
	int known = ml_live_remove((uintptr_t)ptr, &l);
	if (ML_UNLIKELY(known && l.stack == ML_UNSAMPLED)) {
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, l.size);
		return t;
	}
	ev_tick(t, &e);
	if (ML_LIKELY(known)) {
		if (l.idx == t->idx) {
			uint64_t d = t->seq - l.seq + 1;
			if (d <= ML_EV_FREE_NEAR_MAX + 1) {
				*e.o++ = (uint8_t)(d - 1);
			} else {
				*e.o++ = ML_EV_FREE_FAR;
				e.o = ml_put_varint(e.o, d);
			}
		} else {
			*e.o++ = ML_EV_FREE_FOREIGN;
			e.o = ml_put_varint(e.o, l.idx);
			e.o = ml_put_varint(e.o, l.seq);
		}
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, l.size);
	} else {
		*e.o++ = ML_EV_FREE_UNKNOWN;
		e.a = ml_put_varint(e.a, (uintptr_t)ptr);
		tc_add(t, ML_TC_UNKNOWN, 1);
	}
	ev_end(t, &e);
	tc_add(t, ML_TC_EVENTS, 1);
	return t;
}

/* realloc that moved or resized a block: one free plus one allocation. */
static void record_realloc(const struct ml_live *old, int known, void *oldptr,
                           void *ptr, size_t size, int kind, uint64_t t0)
{
	struct ml_thread *t = cur_thread();
	struct ev e;
	if (!t)
		return;
	if (ML_UNLIKELY(known && old->stack == ML_UNSAMPLED)) {
		/* the old block was never written: its free is only counted */
		tc_add(t, ML_TC_FREES, 1);
		tc_add(t, ML_TC_FREED, old->size);
		record_alloc(ptr, size, kind, t0);
		return;
	}
	if (!sampled(t, size)) {
		/* the free half is written; the new block is not sampled */
		if (ev_begin(t, &e)) {
			ev_tick(t, &e);
			if (known) {
				*e.o++ = ML_EV_FREE_FAR;
				if (old->idx == t->idx) {
					e.o = ml_put_varint(e.o, t->seq - old->seq + 1);
				} else {
					e.o[-1] = ML_EV_FREE_FOREIGN;
					e.o = ml_put_varint(e.o, old->idx);
					e.o = ml_put_varint(e.o, old->seq);
				}
				tc_add(t, ML_TC_FREES, 1);
				tc_add(t, ML_TC_FREED, old->size);
			} else {
				*e.o++ = ML_EV_FREE_UNKNOWN;
				e.a = ml_put_varint(e.a, (uintptr_t)oldptr);
				tc_add(t, ML_TC_UNKNOWN, 1);
			}
			ev_end(t, &e);
		}
		record_unsampled(t, ptr, size, t0);
		return;
	}
	if (!ev_begin(t, &e))
		return;
	uint32_t stack = ml_stack_capture();
	ev_tick(t, &e);
	if (known) {
		*e.o++ = ML_EV_REALLOC;
		ev_old_ref(t, &e, old);
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
	if (t0)
		tc_add(t, ML_TC_ALLOC_CYCLES, (ml_rdtsc() - t0) * 16);
}

/* ---------------------------------------------------------------- entry */

/* Every 16th call is timed, to estimate the CPU share of the allocator. */
static inline uint64_t timing_start(void)
{
	return (++ml_tls.t_count & 15) == 0 ? ml_rdtsc() : 0;
}

/* Hooks record when the tracer is up and this thread is not inside it. */
static inline int hook_enter(void)
{
	if (ML_LIKELY(!ml_tls.guard && ml_active())) {
		ml_tls.guard = 1;
		return 1;
	}
	return 0;
}

static inline void hook_leave(void)
{
	ml_tls.guard = 0;
}

/* Before the first recorded call: bring the tracer up unless this thread
 * is already inside it. */
static inline void ensure_init(void)
{
	if (ML_UNLIKELY(atomic_load_explicit(&ml.state, memory_order_acquire) < ML_READY) &&
	    !ml_tls.guard)
		ml_init_slow();
}

#define EXPORT __attribute__((visibility("default")))

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
		if (!hook_enter())                                \
			return ml.real.name args;                 \
		uint64_t t0 = timing_start();                     \
		void *p = ml.real.name args;                      \
		if (ML_LIKELY(p != NULL))                         \
			record_alloc(p, (size), (kind), t0);      \
		hook_leave();                                     \
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
	if (!hook_enter()) {
		if (ml.real.free)
			ml.real.free(p);
		return;
	}
	struct ml_thread *t = record_free(p);
	uint64_t t0 = timing_start();
	ml.real.free(p);
	if (t0 && t)
		tc_add(t, ML_TC_ALLOC_CYCLES, (ml_rdtsc() - t0) * 16);
	hook_leave();
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
	if (!hook_enter())
		return ml.real.calloc(n, m);
	uint64_t t0 = timing_start();
	void *p = ml.real.calloc(n, m);
	if (ML_LIKELY(p != NULL))
		record_alloc(p, n * m, ML_KIND_CALLOC, t0);
	hook_leave();
	return p;
}

/* realloc and reallocarray share this: `real` is the function to call. */
static void *realloc_common(void *old, size_t n, size_t m, int kind)
{
	size_t size;
	int overflow = __builtin_mul_overflow(n, m, &size);
	if (ML_UNLIKELY(is_boot(old))) {
		if (overflow) {
			errno = ENOMEM;
			return NULL;
		}
		void *p = malloc(size);
		if (p) {
			size_t had = ((size_t *)old)[-1];
			memcpy(p, old, had < size ? had : size);
		}
		return p;
	}
	ensure_init();
	void *(*real_realloc)(void *, size_t) = ml.real.realloc;
	void *(*real_array)(void *, size_t, size_t) = ml.real.reallocarray;
#define CALL_REAL(o) (kind == ML_KIND_REALLOCARRAY ? real_array((o), n, m) : real_realloc((o), n))
	if (!real_realloc || !real_array)
		return old ? NULL : (overflow ? NULL : boot_alloc(size, 16));
	if (!hook_enter())
		return CALL_REAL(old);
	void *p;
	uint64_t t0 = timing_start();
	if (!old) {
		p = CALL_REAL(NULL);
		if (p)
			record_alloc(p, size, kind, t0);
	} else if (!overflow && size == 0) {
		/* realloc(p, 0) frees p (glibc returns NULL). */
		record_free(old);
		p = CALL_REAL(old);
	} else {
		struct ml_live e;
		int known = ml_live_remove((uintptr_t)old, &e);
		p = CALL_REAL(old);
		if (p)
			record_realloc(&e, known, old, p, size, kind, t0);
		else if (known)
			ml_live_insert(&e);  /* failed: the old block lives on */
	}
#undef CALL_REAL
	hook_leave();
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
	if (!hook_enter())
		return ml.real.posix_memalign(out, align, n);
	uint64_t t0 = timing_start();
	int rc = ml.real.posix_memalign(out, align, n);
	if (rc == 0 && *out)
		record_alloc(*out, n, ML_KIND_POSIX_MEMALIGN, t0);
	hook_leave();
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
