/*
 * tracer.h - internals of libmemledger.so shared by its modules.
 *
 * The tracer lives inside someone else's process. Its rules:
 *  - It never allocates through the hooked allocator on its own behalf:
 *    its memory comes from mmap (arena.c, channel.c, livemap.c).
 *  - A reentrancy guard in initial-exec TLS makes every allocator call made
 *    while the tracer is working (by libunwind, dlsym, pthread_create, ...)
 *    pass straight through to the real allocator, unrecorded.
 *  - No lock is held across a call into the real allocator.
 *  - Every failure degrades to "stop tracing"; nothing here may crash or
 *    change what the program sees.
 *
 * Data path: a hook encodes one record into the calling thread's buffer
 * (record.h). Full buffers, and partial ones on a drain request, go to a
 * FIFO queue; the writer thread (writer.c) deflates them into the trace.
 * Rare process-wide records (stacks, modules, snapshots, threads, fds) go
 * through the meta channel (channel.c) into the same queue.
 */
#ifndef MEMLEDGER_TRACER_H
#define MEMLEDGER_TRACER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/trace.h"
#include "tracer/lock.h"

#define ML_HIDDEN __attribute__((visibility("hidden")))
#define ML_LIKELY(x) __builtin_expect(!!(x), 1)
#define ML_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---------------------------------------------------------------- config */

#define ML_BUF_SIZE (64u * 1024 - 64)  /* payload bytes of one buffer */
#define ML_TICK_SHIFT 14               /* event time unit: 2^14 TSC cycles */
#define ML_MAX_DEPTH 256
#define ML_DEFAULT_DEPTH 64
#define ML_DEFAULT_INTERVAL_MS 20
#define ML_MAX_QUEUED 512              /* buffers queued before writers wait */
#define ML_WAKE_BATCH 32               /* queued buffers that wake the writer early */
#define ML_LABEL_MAX 255

/* ---------------------------------------------------------------- buffers */

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

/* ---------------------------------------------------------------- threads */

enum ml_thread_counter {
	ML_TC_MALLOCS, ML_TC_FREES, ML_TC_BYTES, ML_TC_FREED, ML_TC_UNKNOWN,
	ML_TC_ALLOC_CYCLES,        /* TSC cycles inside the real allocator (sampled, hooks.c) */
	ML_TC_EVENTS,
	ML_TC_TRACER_CYCLES,       /* TSC cycles the hooks spent recording (sampled the same way) */
	ML_TC_COUNT
};

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
	uint32_t mtf[ML_MTF_SIZE]; /* move-to-front list of recent stack ids */
	int64_t sample_left;       /* --sample-bytes: bytes until the next sampled allocation */
	uint64_t rng;              /* its random state */
	uint32_t clock_events;     /* events since the TSC was last read */
	unsigned clock_round;      /* ml.round when it was */
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

/* Stack id of a live-map entry whose allocation was not sampled
 * (--sample-bytes): it has no record, and neither has its free. */
#define ML_UNSAMPLED UINT32_MAX

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

/** The tracer's thread-local state: initial-exec TLS, no allocation. */
struct ml_tls {
	int guard;                 /* >0: inside the tracer; hooks pass through */
	int internal;              /* >0: the tracer's own calls that may allocate */
	int shard_held;            /* live-map shard locked by this thread, + 1 */
	unsigned pend_head, pend_tail;
	unsigned pend_lost;
	struct ml_pending pend[ML_PEND];
	unsigned t_count;          /* random state: which allocator calls are timed (hooks.c) */
	int in_signal;             /* in a fatal-signal handler: locks are only tried */
	struct ml_thread *t;
};
extern __thread struct ml_tls ml_tls ML_HIDDEN __attribute__((tls_model("initial-exec")));

/* ---------------------------------------------------------------- global state */

enum ml_state {
	ML_UNINIT = 0, ML_INITIALIZING, ML_READY, ML_OFF,
};

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
	atomic_int state;          /* enum ml_state */
	atomic_int recording;      /* hooks record only while 1 */
	struct ml_real real;
	/* configuration */
	int depth;
	long interval_ns;
	int follow_exec;
	uint64_t sample_bytes;
	/* clocks */
	uint64_t tsc0;
	int64_t mono0_ns, unix0_ns;
	double tsc_per_ns;         /* calibrated as the run goes */
	/* identity */
	pid_t pid;
	int trace_gen;             /* bumped when a forked child starts its own trace */
	uintptr_t self_lo, self_hi;    /* the tracer's own text, skipped in stacks */
	char trace_path[4096];
	/* process-wide counters (owned by the registry lock unless atomic) */
	uint64_t retired[ML_TC_COUNT]; /* counters of threads no longer registered */
	atomic_ullong trim_calls;
	atomic_uint next_thread_idx;
	atomic_uint snapshot_seq;
	atomic_uint round;         /* writer rounds so far: quiet threads re-read the clock */
	int exit_code;             /* -1 unknown */
	int main_returned;
	atomic_int finished;       /* the END record is written */
	atomic_int freeres_called;
};
extern struct ml_global ml ML_HIDDEN;

/* ---------------------------------------------------------------- clocks */

static inline uint64_t ml_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}
ML_HIDDEN int64_t ml_mono_ns(void);
ML_HIDDEN int64_t ml_unix_ns(void);
/**
 * A time boundary (snapshot, exit, ...): every thread reads a fresh clock
 * for its next event, so no event after this point is dated before it.
 */
static inline void ml_clock_fence(void)
{
	atomic_fetch_add_explicit(&ml.round, 1, memory_order_relaxed);
}

/** Nanoseconds since the trace started, for a TSC value. */
ML_HIDDEN uint64_t ml_tsc_to_ns(uint64_t tsc);

/* ---------------------------------------------------------------- arena.c */

/** Zeroed memory from mmap, rounded up to pages; NULL on failure. */
ML_HIDDEN void *ml_map(size_t size);
ML_HIDDEN void ml_unmap(void *p, size_t size);
/** Small permanent allocations (never freed), 16-byte aligned. */
ML_HIDDEN void *ml_arena_alloc(size_t size);
/** fork: the arena lock is the last in the lock order. */
ML_HIDDEN void ml_arena_lock(void);
ML_HIDDEN void ml_arena_unlock(void);

/* ---------------------------------------------------------------- init (lifecycle.c) */

/**
 * dlsym(RTLD_NEXT, name) inside the reentrancy guard: glibc may allocate
 * while looking a symbol up, and that memory is the tracer's, not the
 * program's. Same for RTLD_DEFAULT with ml_dlsym_default.
 */
ML_HIDDEN void *ml_dlsym_next(const char *name);
ML_HIDDEN void *ml_dlsym_default(const char *name);

/* The tracer's own calls that may allocate: their allocations pass
 * through, unlike those of a signal handler that interrupts a hook. */
#define ML_INTERNAL(stmt) do { ml_tls.internal++; stmt; ml_tls.internal--; } while (0)

/* Inside a hook named `name`: `real_name`, the next definition of it. */
#define ML_REAL(name) \
	static __typeof__(&name) real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(&name))ml_dlsym_next(#name)

/** Bring the tracer up if it is not; return 1 when hooks may record. */
ML_HIDDEN int ml_init_slow(void);

static inline int ml_active(void)
{
	return atomic_load_explicit(&ml.recording, memory_order_relaxed);
}

/** The calling thread's state, registering the thread on first use. */
ML_HIDDEN struct ml_thread *ml_thread_register(void);

/* ---------------------------------------------------------------- channel.c */

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

/* ---------------------------------------------------------------- writer.c */

/** Open the trace file and write the header; 0 or -1. */
ML_HIDDEN int ml_sink_open(void);
ML_HIDDEN int ml_writer_start(void);
/** Ask every thread to hand over its partial buffer at its next event. */
ML_HIDDEN void ml_drain_request(void);
/**
 * Write everything: queued buffers, the meta channel and every thread's
 * partial buffer, synchronously in the calling thread. `final` finishes
 * the deflate stream. Safe to call from a fatal-signal handler: it waits
 * for locks only a bounded time.
 */
ML_HIDDEN void ml_flush_all(int final);
/** Before the writer runs: write what is recorded so far, unless the
 * program has no descriptor to spare (then the writer will). */
ML_HIDDEN void ml_flush_early(void);
ML_HIDDEN void ml_writer_wake(void);

/* ---------------------------------------------------------------- stacks.c */

/**
 * unwind.c: the caller's stack as an interned id, through the calling
 * thread's cache of recent stacks and cached CFI rules (libunwind for
 * frames they cannot model); intern(ips, n, &stack) interns a freshly
 * unwound one. ml_stack_capture_libunwind always uses libunwind.
 */
ML_HIDDEN uint32_t ml_stack_capture_cached(uint32_t (*intern)(const uintptr_t *, int, void **), int max);
ML_HIDDEN uint32_t ml_stack_capture_libunwind(uint32_t (*intern)(const uintptr_t *, int, void **), int max);
/**
 * Stack budget (unwind.c, hooks.c). A hook may be called on a small
 * stack: a signal handler's sigaltstack, a coroutine's stack, or the end
 * of a thread's stack. The budget is what the tracer adds to what the
 * program would use calling the real allocator itself:
 *  - ML_STACK_BUDGET bytes in general: the hook's frame and the common
 *    path of a record (a cached stack, or a walk with cached rules; the
 *    large buffers live in per-thread memory). Measured 500-560 bytes.
 *  - ML_STACK_BUDGET_SHORT bytes when the thread's own stack has less
 *    than ML_STACK_ROOM left (deep recursion): the whole record then
 *    runs on the side stack. Measured about 100 bytes.
 * The deep work (computing an unwind rule, which runs dl_iterate_phdr
 * and the CFA programs; libunwind's unw_backtrace) always runs on a
 * per-thread side stack of ML_SIDE_STACK bytes (libunwind, the deepest,
 * used 8 KiB of it when measured), with asynchronous
 * signals blocked meanwhile. tests/e2e/t0540 paints the stacks and
 * checks these figures.
 */
#define ML_STACK_BUDGET 1024
#define ML_STACK_BUDGET_SHORT 256
#define ML_STACK_ROOM (32u * 1024)
#define ML_SIDE_STACK (64u * 1024)
/**
 * Run fn(arg) on the calling thread's side stack (directly when already
 * on it). 0, or -1 when the thread has none (no memory): fn did not run.
 */
ML_HIDDEN int ml_side_run(void (*fn)(void *), void *arg);
/** Make sure an interned stack is written in this trace (after a fork); returns 1. */
ML_HIDDEN int ml_stack_still_emitted(void *stack);

/** Capture the caller's stack and return its interned id (0: none). */
ML_HIDDEN uint32_t ml_stack_capture(void);
/** Make sure stack `id` is written in the current trace (after fork). */
ML_HIDDEN void ml_stack_ensure(uint32_t id);
ML_HIDDEN void ml_stacks_init(void);
ML_HIDDEN void ml_stacks_lock(void);
ML_HIDDEN void ml_stacks_unlock(void);

/* ---------------------------------------------------------------- livemap.c */

struct ml_live {
	uint64_t addr;
	uint64_t size;
	uint64_t seq;
	uint32_t idx;
	uint32_t stack;
};
ML_HIDDEN void ml_live_insert(const struct ml_live *e);
/** Remove addr; return 1 and fill *out if it was live. */
ML_HIDDEN int ml_live_remove(uint64_t addr, struct ml_live *out);
/** The same from a signal handler: -1 when addr's shard cannot be locked
 * now (this thread holds it, or it stays busy). */
ML_HIDDEN int ml_live_remove_try(uint64_t addr, struct ml_live *out);
/** Call fn for every live entry (no lock may be held by the caller). */
ML_HIDDEN void ml_live_foreach(void (*fn)(struct ml_live *, void *), void *arg);
ML_HIDDEN size_t ml_live_count(void);
ML_HIDDEN void ml_live_lock_all(void);
ML_HIDDEN void ml_live_unlock_all(void);

/* ---------------------------------------------------------------- modules.c */

/** Record every module not yet recorded; mark unloaded ones gone. */
ML_HIDDEN void ml_modules_scan(void);
ML_HIDDEN void ml_modules_reset_for_child(void);
ML_HIDDEN void ml_modules_lock(void);
ML_HIDDEN void ml_modules_unlock(void);
/** Find the tracer's own text range (for skipping its frames). */
ML_HIDDEN void ml_modules_find_self(void);
/** Call fn for each writable segment of each module except the tracer's own. */
ML_HIDDEN void ml_modules_writable(void (*fn)(uintptr_t lo, uintptr_t hi, void *), void *arg);

/* ---------------------------------------------------------------- maps.c */

/** Bytes of the anonymous memory the program mapped itself (Sys "other"). */
ML_HIDDEN uint64_t ml_maps_bytes(void);
/** Copy at most max of those ranges that are readable and writable
 * (roots of the leak scan) into out; return how many. */
ML_HIDDEN size_t ml_maps_copy(uintptr_t (*out)[2], size_t max);
ML_HIDDEN size_t ml_maps_count(void);
/** fork: the maps lock is a leaf (nothing is taken while it is held). */
ML_HIDDEN void ml_maps_lock(void);
ML_HIDDEN void ml_maps_unlock(void);

/* ---------------------------------------------------------------- snapshot.c */

/** Record a snapshot; returns its seq. Fills *out when non-NULL. flags
 * holds the public MEMLEDGER_SCAN and these private bits:
 *  - ML_SNAP_FROM_SIGNAL: taken inside a signal handler (no mallinfo2);
 *  - ML_SNAP_BY_WRITER: a sample by the writer thread, so its own CPU
 *    time is known (it is the tracer's, not the program's);
 *  - ML_SNAP_EXTERNAL: asked from outside the program (control channel,
 *    --snapshot-every), recorded as snapshot flag 4. */
#define ML_SNAP_FROM_SIGNAL (1u << 31)
#define ML_SNAP_BY_WRITER (1u << 30)
#define ML_SNAP_EXTERNAL (1u << 29)
struct ml_snapshot_values;
ML_HIDDEN unsigned ml_snapshot(int kind, const char *label, unsigned flags,
                               struct ml_snapshot_values *out);

/* ---------------------------------------------------------------- threads.c, fds.c, scan.c */

ML_HIDDEN void ml_threads_init(void);
ML_HIDDEN void ml_thread_exit_record(struct ml_thread *t);
ML_HIDDEN void ml_registry_lock(void);
ML_HIDDEN void ml_registry_unlock(void);
/** Call fn for each registered thread, registry lock held. */
ML_HIDDEN void ml_threads_foreach(void (*fn)(struct ml_thread *, void *), void *arg);
ML_HIDDEN void ml_threads_reset_for_child(struct ml_thread *self);
ML_HIDDEN int ml_threads_live(void);
ML_HIDDEN uint64_t ml_stack_bytes(void);
ML_HIDDEN void ml_counters_sum(uint64_t out[ML_TC_COUNT]);

ML_HIDDEN void ml_res_open(int kind, long handle, int origin);
ML_HIDDEN void ml_res_close(long handle, int kind);
ML_HIDDEN void ml_fds_reset_for_child(void);
/** A forked child: record the descriptors it inherited (after its PROC record). */
ML_HIDDEN void ml_fds_emit_inherited(void);

/** Classify every live block; emit ML_META_SCAN and ML_META_LEAKS. */
ML_HIDDEN void ml_scan(unsigned snapshot_seq, uintptr_t caller_sp);
/** Nanoseconds spent in scans so far (the tracer's own work). */
ML_HIDDEN uint64_t ml_scan_total_ns(void);

/* ---------------------------------------------------------------- internal plumbing */

/** Writer and sink (writer.c). */
ML_HIDDEN int ml_sink_open_as(int is_child);
ML_HIDDEN int ml_sink_fd(void);
ML_HIDDEN int ml_sink_move_fd(void);
ML_HIDDEN int ml_sink_owns_fd(int fd);
ML_HIDDEN void ml_sink_reset_for_child(void);
ML_HIDDEN void ml_sink_lock(void);
ML_HIDDEN void ml_sink_unlock(void);
ML_HIDDEN void ml_write_queued(void);
ML_HIDDEN int ml_writer_running(void);
/** A line for `memledger run` in $MEMLEDGER_STATUS (writer.c): "WHAT PID [ERRNO] PATH". */
ML_HIDDEN void ml_status_note(const char *what, int err, const char *path);
/** errno of the failure that stopped the trace (writer.c), 0 if none. */
ML_HIDDEN int ml_sink_error(void);
/** Stop and join the writer thread (1 if one was running); ml_writer_start restarts it. */
ML_HIDDEN int ml_writer_stop(void);
/** Channel (channel.c): fork support and the crash-path meta flush. */
ML_HIDDEN void ml_channel_lock_meta(void);
ML_HIDDEN void ml_channel_lock_queues(void);
ML_HIDDEN void ml_channel_unlock_all(void);
ML_HIDDEN void ml_channel_reset_for_child(void);
ML_HIDDEN int ml_meta_flush_try(void);
/** Threads (threads.c). */
ML_HIDDEN int ml_real_pthread_create(pthread_t *th, const pthread_attr_t *attr,
                                     void *(*fn)(void *), void *arg);
ML_HIDDEN void ml_threads_foreach_unlocked(void (*fn)(struct ml_thread *, void *), void *arg);
ML_HIDDEN void ml_threads_reap(void);
ML_HIDDEN void ml_threads_info_lock(void);
ML_HIDDEN void ml_threads_info_unlock(void);
/** hooks.c: a time boundary in the calling thread's events. */
ML_HIDDEN void ml_mark(uint64_t tsc);
/** hooks.c: a forked child's inherited blocks. */
ML_HIDDEN void ml_record_inherited(struct ml_thread *pseudo);
ML_HIDDEN void ml_fds_init(void);

#endif
