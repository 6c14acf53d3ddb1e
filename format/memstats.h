/*
 * memstats.h - the PrintMemStats()-style block, shared by the tracer
 * (memledger_print_stats) and the CLI (memledger stats).
 *
 * The formatter allocates nothing and uses no stdio, so the tracer can
 * call it inside the traced program.
 */
#ifndef MEMLEDGER_FORMAT_MEMSTATS_H
#define MEMLEDGER_FORMAT_MEMSTATS_H

#include <stddef.h>
#include <stdint.h>

/** One snapshot's metrics. A negative value means "not known". */
struct ml_memstats {
	const char *label;
	int64_t ts_ns;            /* since the process started */
	int64_t alloc, total_alloc, sys, heap_inuse, heap_idle, heap_released;
	int64_t stack_inuse, heap_objects, mallocs, frees, live;
	int64_t num_gc;           /* -1 for native programs */
	int64_t trim_calls;       /* malloc_trim calls: the native NumGC counterpart */
	int64_t rss, threads;
	double alloc_cpu_fraction; /* < 0: unknown */
	double gc_cpu_fraction;    /* < 0: not a Go program */
};

/**
 * Write the block for `cur` into dst (at most cap bytes, NUL-terminated)
 * with deltas and rates against `prev` when prev is non-NULL. Returns the
 * length written (truncated output is still terminated).
 */
size_t ml_memstats_format(char *dst, size_t cap, const struct ml_memstats *cur,
                          const struct ml_memstats *prev);

/*
 * The metrics that combine several snapshot counters (format/trace.h,
 * enum ml_snap_field), in one place for the tracer, ingest and `stats`.
 */

/** Sys: glibc's arena and mmapped chunks, thread stacks, and the
 * anonymous memory the program mapped itself. */
int64_t ml_counters_sys(const uint64_t *f);

/**
 * alloc_cpu_fraction: the time inside the real allocator over the
 * process's CPU time less the tracer's own, within [0, 1]; -1 when
 * unknown (no CPU time yet).
 */
double ml_counters_alloc_share(const uint64_t *f);

/** "1.54 MiB" style: bytes in binary units with two decimals. */
size_t ml_fmt_bytes(char *dst, size_t cap, int64_t bytes);

#endif
