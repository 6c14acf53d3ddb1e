/*
 * clock.h - the tracer's clocks. Events are dated with the TSC (cheap,
 * read on the hot path), converted to nanoseconds with the rate that
 * snapshots calibrate against CLOCK_MONOTONIC (ml.tsc_per_ns, state.h).
 * Everything here is async-signal-safe.
 */
#ifndef MEMLEDGER_TRACER_CLOCK_H
#define MEMLEDGER_TRACER_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "tracer/state.h"
#include "tracer/tracer.h"

static inline uint64_t ml_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/** CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
ML_HIDDEN int64_t ml_mono_ns(void);
ML_HIDDEN int64_t ml_unix_ns(void);

/** Nanoseconds since the trace started, for a TSC value (0 before calibration). */
ML_HIDDEN uint64_t ml_tsc_to_ns(uint64_t tsc);

/** The trace's time zero: ml.tsc0, ml.mono0_ns, ml.unix0_ns, and no
 * calibration yet. At init, and in a forked child's new trace. */
ML_HIDDEN void ml_clock_start(void);

/**
 * A time boundary (snapshot, exit, ...): every thread reads a fresh clock
 * for its next event, so no event after this point is dated before it.
 */
static inline void ml_clock_fence(void)
{
	atomic_fetch_add_explicit(&ml.round, 1, memory_order_relaxed);
}

#endif
