/*
 * deltas.h - the metrics of two runs at the snapshots they share, and
 * which changes are more than noise.
 *
 * Snapshots pair by label and by occurrence: the second "ITER" of one
 * run with the second "ITER" of the other; `start` and `exit` too.
 * Periodic samples never pair: they fall wherever the timer did.
 *
 * Every metric has a noise class, which says when a change makes the
 * two runs differ:
 *  - exact: counted from events (Alloc, Mallocs, HeapObjects, ...): any
 *    change counts. For a Go program they depend on when the collector
 *    ran, so they are treated as state there;
 *  - state: what the allocator or the kernel holds (Sys, HeapInuse, RSS,
 *    ...): a change counts past max(floor, rel x the base value);
 *  - timing: times, rates and CPU shares: shown, never counted. Two runs
 *    of one program never take the same nanoseconds.
 * A tolerance (a fraction, 0 by default) widens the first two: a change
 * then counts only past tolerance x the base value as well. It is for
 * programs whose work itself depends on timing, such as a consumer woken
 * a varying number of times.
 */
#ifndef MEMLEDGER_COMPARE_DELTAS_H
#define MEMLEDGER_COMPARE_DELTAS_H

#include <stddef.h>

enum cmp_noise { CMP_EXACT, CMP_STATE, CMP_TIMING };
enum cmp_unit { CMP_BYTES, CMP_COUNT, CMP_FRACTION, CMP_NS };

struct cmp_metric_def {
	const char *column; /* in `snapshots` */
	const char *name;   /* as the report names it */
	enum cmp_unit unit;
	enum cmp_noise noise;
	double floor, rel;  /* state: a change counts past max(floor, rel x base) */
};

/** Every metric compared, in the report's order; the last is ts_ns. */
extern const struct cmp_metric_def cmp_metrics[];
#define CMP_NMETRICS 18
/* Indexes of the metrics the gate and the charts read. */
#define CMP_M_ALLOC 0
#define CMP_M_MALLOCS 8
#define CMP_M_TS 17

struct cmp_proc;

/** One metric at one shared snapshot. */
struct cmp_delta {
	size_t base_snap, new_snap; /* indexes into each process's snaps */
	int metric;                 /* index into cmp_metrics */
	double base, new;           /* NAN where the run has no value */
	double change;              /* new - base (NAN if either is missing) */
	double relative;            /* change / base; NAN when base is 0 or missing */
	int counts;                 /* beyond noise: the runs differ here */
};

/**
 * The deltas of every metric with a value in either run at every shared
 * snapshot, in NEW's snapshot order. *out is malloc'd (free()). 0 or -1
 * (out of memory).
 */
int cmp_deltas(const struct cmp_proc *base, const struct cmp_proc *new, double tolerance,
               struct cmp_delta **out, size_t *n);

/** 1 if going from base to new is beyond the noise of metric m. go: a Go run. */
int cmp_delta_counts(const struct cmp_metric_def *m, double base, double new, int go, double tolerance);

/** Relative change (new - base) / base, NAN when base is 0 or either is NAN. */
double cmp_relative(double base, double new);

#endif
