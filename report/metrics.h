/*
 * metrics.h - the twelve metrics the report explains, and their verdicts.
 *
 * The names are Go's runtime.MemStats names, which our users search for;
 * metric_value() maps each one to what a native program records (see
 * DESIGN.md, "Metrics for native programs"). A verdict compares the
 * program's own first and last snapshots ("baseline" and "final") and
 * says in one or two sentences whether the metric behaved as it should.
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

enum verdict_status { V_PASS, V_FAIL, V_NA };

struct verdict {
	enum verdict_status status;
	char text[1024];
	const char *see; /* a section id to point to ("leaks", "threads"), or NULL */
};

/**
 * The verdict for metric m. key[] are the program's own snapshots plus
 * start and exit, in order; b and f index the baseline and final ones.
 * all[] are every snapshot (for peaks and for checks across samples).
 */
void metric_verdict(const struct rp_process *p, enum metric_id m, int is_go,
		    const struct rp_snapshot *const *key, size_t nkey, size_t b, size_t f,
		    struct verdict *v);

/** Format a value (or a signed delta) of metric m in human units. */
char *metric_format(char *dst, size_t cap, enum metric_id m, double v);
char *metric_format_delta(char *dst, size_t cap, enum metric_id m, double d);

#endif
