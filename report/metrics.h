/*
 * metrics.h - the twelve metrics the report explains.
 *
 * The names are Go's runtime.MemStats names, which our users search for;
 * metric_value() maps each one to what a native program records (see
 * DESIGN.md, "Metrics for native programs"). Their verdicts are not made
 * here: ingest/verdicts.c makes them once and stores them, and the report
 * shows the stored ones (report/data.h, rp_verdict).
 */
#ifndef MEMLEDGER_REPORT_METRICS_H
#define MEMLEDGER_REPORT_METRICS_H

#include <stddef.h>

#include "report/data.h"
#include "report/svg.h"

enum metric_id {
	M_ALLOC,
	M_TOTALALLOC,
	M_SYS,
	M_HEAPINUSE,
	M_HEAPIDLE,
	M_STACKINUSE,
	M_HEAPOBJECTS,
	M_MALLOCS,
	M_FREES,
	M_LIVE,
	M_NUMGC,
	M_GCCPUFRACTION,
	M_COUNT
};

/** How a metric should behave across a program's phases. */
enum metric_kind {
	MK_RETURNS, /* should come back to its baseline */
	MK_GROWS,   /* a running total: never goes down */
	MK_HOLDS,   /* rarely shrinks (memory from the OS) */
	MK_INVERSE, /* rises as the in-use part falls */
	MK_WORKLOAD /* follows the work, no baseline */
};

struct metric_def {
	const char *id;      /* "alloc": the section is "metric-alloc" */
	const char *name;    /* "Alloc" */
	enum metric_kind kind;
	enum svg_unit unit;
	const char *meaning; /* one line for the quick reference */
	const char *back;    /* "Should it return to baseline?" in a few words */
};

extern const struct metric_def metric_defs[M_COUNT];

/** 1 if the process is a Go program that recorded collector figures. */
int metric_is_go(const struct rp_process *p);

/**
 * The metric's value at a snapshot, NAN if not recorded. NumGC of a
 * native program is its malloc_trim count, GCCPUFraction its
 * alloc_cpu_fraction.
 */
double metric_value(const struct rp_snapshot *s, enum metric_id m, int is_go);

/** Format a value (or a signed delta) of metric m in human units. */
char *metric_format(char *dst, size_t cap, enum metric_id m, double v);
char *metric_format_delta(char *dst, size_t cap, enum metric_id m, double d);

#endif
