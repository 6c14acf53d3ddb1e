/*
 * threads.h - the thread registry and the pthread hooks (threads.c).
 *
 * Every thread that records gets an ml_thread: its events buffer, its
 * counters and its identity. The registry is one list, only ever
 * prepended to, so readers may walk it without the lock; an entry is
 * reused only once the kernel says its thread is gone.
 */
#ifndef MEMLEDGER_TRACER_THREADS_H
#define MEMLEDGER_TRACER_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracer/state.h"
#include "tracer/tracer.h"

struct ml_buf;      /* channel.h */
struct ml_ucache;   /* unwind.c */

/**
 * Per-thread tracer state. The owner thread writes every field below
 * `counters` without atomics; other threads only read `pos`, `buf` and
 * the counters (relaxed), `commit` and `buf`, and write `lim0` to request
 * a drain.
 */
struct ml_thread {
	uint8_t *w[3];             /* where the next record goes, per column */
	_Atomic(uint8_t *) lim0;   /* w[0] >= lim0: slow path (full, or NULL: drain) */
	uint8_t *lim1, *lim2;
	_Atomic uint64_t commit;   /* column offsets after the last whole record */
	struct ml_buf *_Atomic buf;
	uint64_t prev_addr;        /* address of the previous allocation, for deltas */
	uint64_t tick;             /* time of the latest record, in ticks */
	uint64_t seq;              /* allocations made so far by this thread */
	uint64_t last_free;        /* seq of the previous own free in this frame (FREE_SEQ) */
	uint32_t ring_n;           /* addresses freed lately, newest first (format/trace.h) */
	uint64_t ring[ML_ADDR_RING];
	uint32_t idx;              /* thread index within this trace */
	uint32_t mtf_n;
	uint32_t mtf[ML_MTF_SIZE]; /* move-to-front list of recent stack ids, */
	uint64_t mtf_size[ML_MTF_SIZE];  /* each with its latest allocation's size */
	int64_t sample_left;       /* --sample-bytes: bytes until the next sampled allocation */
	uint64_t rng;              /* its random state */
	uint32_t clock_events;     /* events since the TSC was last read */
	unsigned clock_round;      /* ml.round when it was */
	uint32_t tick_events;      /* clock_events when the last TICK was written */
	_Atomic uint64_t counters[ML_TC_COUNT];

	/* registry, owned by the registry lock */
	struct ml_thread *next_all;
	_Atomic pid_t tid;         /* 0: free entry; ML_TID_RESERVED: created, not started */
	int exited;                /* thread-exit record written */
	int settled;               /* joined or detached: its pthread_t may be reused */
	atomic_int detach_req;     /* detached before it registered: its start record says so */
	pthread_t self;
	uintptr_t stack_lo, stack_hi;  /* its stack, for the scan and StackInuse */
	uintptr_t tls_lo, tls_hi;      /* its static TLS block and TCB */
	struct ml_ucache *ucache;      /* unwinding state and side stack (unwind.c); kept when the entry is reused */
};

#define ML_TID_RESERVED (-1)

ML_HIDDEN void ml_threads_init(void);
/** The calling thread's state, registering the thread on first use. */
ML_HIDDEN struct ml_thread *ml_thread_register(void);
ML_HIDDEN void ml_thread_exit_record(struct ml_thread *t);
ML_HIDDEN void ml_registry_lock(void);
ML_HIDDEN void ml_registry_unlock(void);
/** Call fn for each registered thread, registry lock held. */
ML_HIDDEN void ml_threads_foreach(void (*fn)(struct ml_thread *, void *), void *arg);
/** The same without the lock (a fatal-signal handler, the writer's samples). */
ML_HIDDEN void ml_threads_foreach_unlocked(void (*fn)(struct ml_thread *, void *), void *arg);
ML_HIDDEN void ml_threads_reset_for_child(struct ml_thread *self);
ML_HIDDEN int ml_threads_live(void);
ML_HIDDEN void ml_threads_reap(void);
ML_HIDDEN void ml_threads_info_lock(void);
ML_HIDDEN void ml_threads_info_unlock(void);
/** Bytes of thread stacks in memory (StackInuse). */
ML_HIDDEN uint64_t ml_stack_bytes(void);
/** Every thread's counters plus ml.retired. */
ML_HIDDEN void ml_counters_sum(uint64_t out[ML_TC_COUNT]);
/** The real pthread_create, for the tracer's own (writer) thread. */
ML_HIDDEN int ml_real_pthread_create(pthread_t *th, const pthread_attr_t *attr,
                                     void *(*fn)(void *), void *arg);

#endif
