/*
 * state.h - the tracer's global state: `ml`, one per process, and
 * `ml_tls`, one per thread. Both are defined in state.c and nowhere else.
 *
 * Who may touch what is written next to each field. The words used:
 *  - "init": written by the one thread that runs the tracer's start-up
 *    (lifecycle.c do_init, under ML_INITIALIZING, before `state` becomes
 *    ML_READY), or by a forked child's only thread (fork.c atfork_child),
 *    and only read afterwards. Reads need no lock.
 *  - "any": any thread, with the atomic operation the type implies.
 *  - "signal-safe": may be read or written from a signal handler (all of
 *    them are plain loads/stores or lock-free atomics; nothing here takes
 *    a lock or allocates).
 * `ml_tls` is only ever touched by its own thread, including from that
 * thread's signal handlers; that is why its fields are not atomic, and
 * why the reentrancy guard lives there.
 */
#ifndef MEMLEDGER_TRACER_STATE_H
#define MEMLEDGER_TRACER_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracer/tracer.h"

struct ml_thread;   /* threads.h */

/* ---------------------------------------------------------------- counters */

/** Per-thread counters (struct ml_thread.counters); ml.retired keeps
 * the sums of threads no longer registered. */
enum ml_thread_counter {
	ML_TC_MALLOCS, ML_TC_FREES, ML_TC_BYTES, ML_TC_FREED, ML_TC_UNKNOWN,
	ML_TC_ALLOC_CYCLES,        /* TSC cycles inside the real allocator (sampled, hooks.c) */
	ML_TC_EVENTS,
	ML_TC_TRACER_CYCLES,       /* TSC cycles the hooks spent recording (sampled the same way) */
	ML_TC_COUNT
};

/* ---------------------------------------------------------------- per thread */

/*
 * What an allocator call made by a signal handler did while its thread
 * was inside a hook (hooks.c): the interrupted hook records it later.
 * Addresses are stored inverted so the leak scan, which reads TLS, does
 * not take them for references.
 */
enum { ML_PEND_ALLOC = 1, ML_PEND_FREED, ML_PEND_FREE_LATER, ML_PEND_REINSERT, ML_PEND_ALLOC_FREED };
#define ML_PEND 16

struct ml_pending {
	uint8_t op;
	uint8_t kind;
	int known;                 /* ML_PEND_FREED: live entry found */
	uint64_t inv_ptr;          /* ~address */
	uint64_t size;
	struct ml_live_hidden {
		uint64_t inv_addr, size, seq;
		uint32_t idx, stack;
	} l;                       /* the live-map entry it removed */
};

/**
 * The tracer's thread-local state: initial-exec TLS (no allocation, no
 * lazy TLS set-up, usable from a signal handler). Every field is read
 * and written only by the owning thread and its signal handlers.
 */
struct ml_tls {
	/* Reentrancy guard: >0 while the thread is inside the tracer; hooks
	 * then pass straight through. Counted (it nests). Touch it only
	 * through the ml_guard_* helpers below. Signal-safe. */
	int guard;
	/* >0 around the tracer's own calls that may allocate (ML_INTERNAL):
	 * those allocations pass through, unlike those of a signal handler
	 * that interrupts a hook. Signal-safe. */
	int internal;
	/* livemap.c: live-map shard locked by this thread, + 1 (0: none), so
	 * a signal handler does not wait for a lock its own thread holds. */
	int shard_held;
	/* hooks.c: ring of what signal handlers did while this thread was in a
	 * hook; the handler writes at pend_tail, the hook replays from
	 * pend_head. pend_lost counts records that did not fit. */
	unsigned pend_head, pend_tail;
	unsigned pend_lost;
	struct ml_pending pend[ML_PEND];
	/* hooks.c: random state choosing which allocator calls are timed. */
	unsigned t_count;
	/* 1 while in the fatal-signal handler (signals.c): locks are only
	 * tried, never waited for (channel.c, writer.c). */
	int in_signal;
	/* This thread's registry entry (threads.c), NULL until registered. */
	struct ml_thread *t;
};
extern __thread struct ml_tls ml_tls ML_HIDDEN __attribute__((tls_model("initial-exec")));

/* ---------------------------------------------------------------- the guard */

/*
 * One protocol: a count. ml_guard_enter/ml_guard_leave pair up around
 * the tracer's own work and nest; ml_guarded says whether the thread is
 * inside; ml_guard_suspend/ml_guard_restore set the guard aside for a
 * stretch where the program's own code runs and must be recorded (the
 * runtime's clean-up at exit) or where a fatal-signal handler starts
 * afresh. All are async-signal-safe.
 */
static inline void ml_guard_enter(void)
{
	ml_tls.guard++;
}

static inline void ml_guard_leave(void)
{
	ml_tls.guard--;
}

/** 1 when the calling thread is inside the tracer. */
static inline int ml_guarded(void)
{
	return ml_tls.guard != 0;
}

/** Clear the guard; returns what it was, for ml_guard_restore. */
static inline int ml_guard_suspend(void)
{
	int saved = ml_tls.guard;
	ml_tls.guard = 0;
	return saved;
}

static inline void ml_guard_restore(int saved)
{
	ml_tls.guard = saved;
}

/* The tracer's own calls that may allocate: their allocations pass
 * through, unlike those of a signal handler that interrupts a hook. */
#define ML_INTERNAL(stmt) do { ml_tls.internal++; stmt; ml_tls.internal--; } while (0)

/* ---------------------------------------------------------------- per process */

enum ml_state {
	ML_UNINIT = 0, ML_INITIALIZING, ML_READY, ML_OFF,
};

/** The allocator the hooks forward to (dlsym(RTLD_NEXT)). */
struct ml_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*memalign)(size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
};

struct ml_global {
	/* enum ml_state. Any thread, signal-safe. Moves UNINIT ->
	 * INITIALIZING (by compare-and-swap: one thread wins) -> READY or OFF;
	 * a failed fork child sets OFF. */
	atomic_int state;
	/* Hooks record only while 1. Set by init, cleared at the end of the
	 * trace or when the trace breaks (writer.c, channel.c, fork.c). Any
	 * thread, signal-safe; read with ml_active(). */
	atomic_int recording;
	/* init. */
	struct ml_real real;

	/* Configuration, from the environment (lifecycle.c read_config). init. */
	int depth;                 /* frames per stack */
	long interval_ns;          /* sampling interval of the writer */
	int follow_exec;           /* trace exec'd images (0: --no-follow) */
	uint64_t sample_bytes;     /* --sample-bytes, 0: record everything */

	/* Clocks (clock.c). tsc0, mono0_ns, unix0_ns: init, and again by a
	 * forked child. tsc_per_ns: calibrated as the run goes by whichever
	 * thread takes a snapshot (snapshot.c calibrate); a
	 * plain double, read racily by others (a stale value only dates
	 * records slightly differently). */
	uint64_t tsc0;
	int64_t mono0_ns, unix0_ns;
	double tsc_per_ns;

	/* Identity. pid, trace_gen: init and forked child. self_lo/self_hi:
	 * the tracer's own text, skipped in stacks (modules.c, init).
	 * trace_path: the file being written (writer.c, when the sink opens,
	 * init and forked child). All signal-safe to read. */
	pid_t pid;
	int trace_gen;             /* bumped when a forked child starts its own trace */
	uintptr_t self_lo, self_hi;
	char trace_path[4096];

	/* Process-wide counters. retired: under the registry lock (threads.c),
	 * read by snapshots. The atomics: any thread. */
	uint64_t retired[ML_TC_COUNT]; /* counters of threads no longer registered */
	atomic_ullong trim_calls;      /* malloc_trim calls (snapshot.c's hook) */
	atomic_uint next_thread_idx;   /* next thread index in this trace (threads.c) */
	atomic_uint snapshot_seq;      /* snapshots so far (snapshot.c) */
	atomic_uint round;             /* writer rounds so far: quiet threads re-read the clock */

	/* Ending (lifecycle.c). exit_code and main_returned: written by the
	 * thread that calls exit or returns from main, read by the one that
	 * ends the trace (the same thread, or a destructor after it). */
	int exit_code;             /* -1 unknown */
	int main_returned;
	atomic_int finished;       /* the END record is written; any thread, signal-safe */
	atomic_int freeres_called; /* the runtimes' caches were released at exit */
};
extern struct ml_global ml ML_HIDDEN;

/** 1 when hooks may record. Any thread, signal-safe. */
static inline int ml_active(void)
{
	return atomic_load_explicit(&ml.recording, memory_order_relaxed);
}

#endif
