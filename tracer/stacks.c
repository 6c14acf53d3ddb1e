/*
 * stacks.c - call-stack capture and interning.
 *
 * Every allocation carries a stack id. The stack is captured by the fast
 * unwinder (unwind.c: unwind rules cached per return address, computed
 * from .eh_frame by cfa.c, and a per-thread cache of whole stacks that
 * are checked slot by slot instead of unwound again); a stack with a
 * frame it does not model (a signal frame, a DWARF expression) is
 * captured by libunwind's unw_backtrace instead, and with
 * MEMLEDGER_UNWIND=libunwind every stack is. The tracer's own frames are
 * dropped, and the remaining return addresses are looked up in a global
 * hash table. Lookups take no lock: slots are published with release
 * stores and a table, once replaced, stays readable. Only a new stack
 * takes the lock, gets the next id and is written to the trace as an
 * ML_META_STACK record.
 *
 * After fork the child starts a new trace; each stack then carries the
 * generation it was last written in, and is written again on first use.
 */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/lock.h"
#include "tracer/lu_probe.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/tracer.h"
#include "tracer/unwind.h"

/*
 * A stack keeps its return addresses as its record writes them: each the
 * zigzag varint of its difference from the one before. That is 2 to 4
 * bytes a frame instead of 8, and the record is a copy.
 */
struct ml_stack {
	uint64_t hash;
	uint32_t id;
	uint32_t n;
	atomic_int gen;     /* trace generation its record was written in, -1: never */
	uint32_t len;       /* bytes of enc */
	uint8_t enc[];
};

/* Encode ips as a stack keeps them; the bytes written. out must hold
 * 10 bytes a frame. */
static size_t ips_encode(uint8_t *out, const uintptr_t *ips, uint32_t n)
{
	uint8_t *p = out;
	uintptr_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		p = ml_put_varint(p, ml_zigzag((int64_t)(ips[i] - prev)));
		prev = ips[i];
	}
	return (size_t)(p - out);
}

/* Do st's frames equal ips? (st->n == n already) */
static int ips_equal(const struct ml_stack *st, const uintptr_t *ips, uint32_t n)
{
	const uint8_t *p = st->enc, *end = st->enc + st->len;
	uintptr_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = 0;
		int shift = 0;
		do {
			if (p == end || shift > 63)
				return 0;
			v |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		prev += (uintptr_t)((v >> 1) ^ -(v & 1));
		if (prev != ips[i])
			return 0;
	}
	return p == end;
}

struct stack_table {
	uint32_t mask;
	uint32_t count;
	struct ml_stack *_Atomic slot[];
};

static struct stack_table *_Atomic table;
static ml_lock_t stacks_lock = ML_LOCK_INIT;
static uint32_t next_id = 1;
static struct ml_stack **by_id;   /* id -> stack, for re-emission after fork */
static uint32_t by_id_cap;

/* Remember st under its id; stacks lock held. */
static void by_id_put(struct ml_stack *st)
{
	if (st->id >= by_id_cap) {
		uint32_t cap = by_id_cap ? by_id_cap * 2 : 4096;
		while (cap <= st->id)
			cap *= 2;
		struct ml_stack **n = ml_map((size_t)cap * sizeof *n);
		if (!n)
			return;
		if (by_id)
			memcpy(n, by_id, (size_t)by_id_cap * sizeof *n);
		ml_unmap(by_id, (size_t)by_id_cap * sizeof *n);
		by_id = n;
		by_id_cap = cap;
	}
	by_id[st->id] = st;
}

/* 1: every capture by libunwind (MEMLEDGER_UNWIND=libunwind), for
 * comparing the fast unwinder with it (tests/e2e/t1100-t1104) */
static int unwind_mode;

void ml_stacks_init(void)
{
	ml_lu_probe_install();  /* before libunwind starts: see lu_probe.h */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	const char *m = getenv("MEMLEDGER_UNWIND");
	unwind_mode = m && !strcmp(m, "libunwind");
}

static inline uint64_t stack_hash(const uintptr_t *ips, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull * (n + 1);
	for (uint32_t i = 0; i < n; i++) {
		h ^= ips[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h;
}

static void stack_emit(struct ml_stack *st)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_STACK, 24 + (size_t)st->n * 10);
	uint8_t *p = m.p;
	p = ml_put_varint(p, st->id);
	p = ml_put_varint(p, st->n);
	if (p) {
		memcpy(p, st->enc, st->len);
		p += st->len;
	}
	m.p = p;
	ml_meta_end(&m);
	atomic_store_explicit(&st->gen, ml.trace_gen, memory_order_release);
}

static inline void stack_ensure_emitted(struct ml_stack *st)
{
	if (ML_LIKELY(atomic_load_explicit(&st->gen, memory_order_acquire) == ml.trace_gen))
		return;
	ml_lock(&stacks_lock);
	if (atomic_load_explicit(&st->gen, memory_order_relaxed) != ml.trace_gen)
		stack_emit(st);
	ml_unlock(&stacks_lock);
}

static struct ml_stack *table_find(struct stack_table *tb, uint64_t h,
                                   const uintptr_t *ips, uint32_t n)
{
	for (uint32_t i = (uint32_t)h & tb->mask;; i = (i + 1) & tb->mask) {
		struct ml_stack *st = atomic_load_explicit(&tb->slot[i], memory_order_acquire);
		if (!st)
			return NULL;
		if (st->hash == h && st->n == n && ips_equal(st, ips, n))
			return st;
	}
}

static void table_put(struct stack_table *tb, struct ml_stack *st)
{
	uint32_t i = (uint32_t)st->hash & tb->mask;
	while (atomic_load_explicit(&tb->slot[i], memory_order_relaxed))
		i = (i + 1) & tb->mask;
	atomic_store_explicit(&tb->slot[i], st, memory_order_release);
	tb->count++;
}

/* Replace the table by one twice as large. The old one stays mapped but
 * its pages go back to the system (ml_map_release): a reader still
 * probing it reads empty slots and falls back to the locked path, which
 * reads the current table. */
static struct stack_table *table_grow(struct stack_table *old)
{
	uint32_t cap = old ? (old->mask + 1) * 2 : 4096;
	struct stack_table *tb = ml_map(sizeof *tb + (size_t)cap * sizeof tb->slot[0]);
	if (!tb)
		return NULL;
	tb->mask = cap - 1;
	for (uint32_t i = 0; old && i <= old->mask; i++) {
		struct ml_stack *st = atomic_load_explicit(&old->slot[i], memory_order_relaxed);
		if (st)
			table_put(tb, st);
	}
	atomic_store_explicit(&table, tb, memory_order_release);
	if (old)
		ml_map_release(old, sizeof *old + (size_t)(old->mask + 1) * sizeof old->slot[0]);
	return tb;
}

/* The encoding of a new stack, under the stacks lock (static: a signal
 * handler's alternate stack may be small). */
static uint8_t enc_buf[(ML_MAX_DEPTH + 16) * 10];

static uint32_t stack_intern_slow(const uintptr_t *ips, uint32_t n, uint64_t h)
{
	uint32_t id = 0;
	ml_lock(&stacks_lock);
	struct stack_table *tb = atomic_load_explicit(&table, memory_order_relaxed);
	struct ml_stack *st = tb ? table_find(tb, h, ips, n) : NULL;
	if (!st) {
		if ((!tb || (tb->count + 1) * 2 > tb->mask + 1) && !(tb = table_grow(tb)))
			goto out_unlock;
		size_t len = ips_encode(enc_buf, ips, n);
		st = ml_arena_alloc(sizeof *st + len);
		if (!st)
			goto out_unlock;
		st->hash = h;
		st->n = n;
		st->id = next_id++;
		atomic_store_explicit(&st->gen, -1, memory_order_relaxed);
		st->len = (uint32_t)len;
		memcpy(st->enc, enc_buf, len);
		table_put(tb, st);
		by_id_put(st);
	}
	if (atomic_load_explicit(&st->gen, memory_order_relaxed) != ml.trace_gen)
		stack_emit(st);
	id = st->id;
out_unlock:
	ml_unlock(&stacks_lock);
	return id;
}

void ml_stack_ensure(uint32_t id)
{
	ml_lock(&stacks_lock);
	struct ml_stack *st = id < by_id_cap ? by_id[id] : NULL;
	if (st && atomic_load_explicit(&st->gen, memory_order_relaxed) != ml.trace_gen)
		stack_emit(st);
	ml_unlock(&stacks_lock);
}

/* Intern a freshly unwound stack: its id, and its record in *out. */
static uint32_t stack_intern(const uintptr_t *ips, int n, void **out)
{
	uint64_t h = stack_hash(ips, (uint32_t)n);
	struct stack_table *tb = atomic_load_explicit(&table, memory_order_acquire);
	struct ml_stack *st = tb ? table_find(tb, h, ips, (uint32_t)n) : NULL;
	if (ML_LIKELY(st != NULL)) {
		stack_ensure_emitted(st);
		*out = st;
		return st->id;
	}
	uint32_t id = stack_intern_slow(ips, (uint32_t)n, h);
	tb = atomic_load_explicit(&table, memory_order_acquire);
	*out = tb ? table_find(tb, h, ips, (uint32_t)n) : NULL;
	return id;
}

void ml_stack_ensure_written(void *stack)
{
	stack_ensure_emitted(stack);
}

uint32_t ml_stack_capture(void)
{
	if (ML_UNLIKELY(unwind_mode))
		return ml_stack_capture_libunwind(stack_intern, ml.depth);
	return ml_stack_capture_cached(stack_intern, ml.depth);
}

void ml_stacks_lock(void)
{
	ml_lock(&stacks_lock);
}

void ml_stacks_unlock(void)
{
	ml_unlock(&stacks_lock);
}
