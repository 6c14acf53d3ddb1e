/*
 * lock.h - the tracer's locks and wake-ups: a spinlock with a polite
 * back-off and raw futex waits. Both are plain words, so zero state is
 * valid state and a forked child can reset them by storing 0.
 *
 * The tracer never holds one of these across a call into the real
 * allocator. Lock order (ascending; never take a lower one while holding
 * a higher one): registry, modules, stacks, meta, live-map shards, sink,
 * queue, pool, thread start-info, arena, maps. atfork_prepare (fork.c)
 * takes them all in this order.
 */
#ifndef MEMLEDGER_TRACER_LOCK_H
#define MEMLEDGER_TRACER_LOCK_H

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct { atomic_int v; } ml_lock_t;
#define ML_LOCK_INIT { 0 }

static inline void ml_lock(ml_lock_t *l)
{
	for (unsigned spins = 0;; spins++) {
		if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
		    !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
			return;
		if (spins < 64)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

/** Try for about `spins` rounds; return 1 when the lock is held. */
static inline int ml_trylock_spin(ml_lock_t *l, unsigned long spins)
{
	for (unsigned long i = 0; i < spins; i++) {
		if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
		    !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
			return 1;
		if (i < 64)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
	return 0;
}

static inline void ml_unlock(ml_lock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

/** Wait while *word == expect, at most timeout_ns (0: forever). */
static inline void ml_futex_wait(atomic_int *word, int expect, long timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000L, timeout_ns % 1000000000L };
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expect, timeout_ns ? &ts : NULL, NULL, 0);
}

static inline void ml_futex_wake(atomic_int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

#endif
