/*
 * metrics.c - metric definitions, values and verdicts. See metrics.h.
 */
#include "report/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/go_gc.h"
#include "report/units.h"

/* A rise of at most this share of the baseline still counts as "back". */
#define BASELINE_TOLERANCE 0.01

const struct metric_def metric_defs[M_COUNT] = {
	[M_ALLOC] = { "alloc", "Alloc", MK_RETURNS, SVG_BYTES,
		      "Bytes the program asked for and has not freed yet", "Yes" },
	[M_TOTALALLOC] = { "totalalloc", "TotalAlloc", MK_GROWS, SVG_BYTES,
			   "Every byte ever requested, freed or not", "No: it only grows" },
	[M_SYS] = { "sys", "Sys", MK_HOLDS, SVG_BYTES,
		    "Memory taken from the OS for the heap and thread stacks",
		    "No: it seldom shrinks" },
	[M_HEAPINUSE] = { "heapinuse", "HeapInuse", MK_RETURNS, SVG_BYTES,
			  "Heap chunks holding blocks, allocator overhead included", "Yes" },
	[M_HEAPIDLE] = { "heapidle", "HeapIdle", MK_INVERSE, SVG_BYTES,
			 "Free heap memory the allocator keeps for later",
			 "No: it rises as HeapInuse falls" },
	[M_STACKINUSE] = { "stackinuse", "StackInuse", MK_RETURNS, SVG_BYTES,
			   "Stacks of the threads alive, main thread included",
			   "Yes, once the threads have ended" },
	[M_HEAPOBJECTS] = { "heapobjects", "HeapObjects", MK_RETURNS, SVG_COUNT,
			    "Blocks allocated and not yet freed", "Yes" },
	[M_MALLOCS] = { "mallocs", "Mallocs", MK_GROWS, SVG_COUNT, "Allocations so far",
			"No: it only grows" },
	[M_FREES] = { "frees", "Frees", MK_GROWS, SVG_COUNT, "Frees so far", "No: it only grows" },
	[M_LIVE] = { "live", "Live", MK_RETURNS, SVG_COUNT,
		     "Mallocs minus Frees; always equal to HeapObjects", "Yes" },
	[M_NUMGC] = { "numgc", "NumGC", MK_GROWS, SVG_COUNT,
		      "Collector runs; a C program has none, so malloc_trim calls stand in",
		      "No: it only grows" },
	[M_GCCPUFRACTION] = { "gccpufraction", "GCCPUFraction", MK_WORKLOAD, SVG_FRACTION,
			      "Share of CPU time spent managing memory (in C: in the allocator)",
			      "No: it follows the workload" },
};

int metric_is_go(const struct rp_process *p)
{
	return p->runtime && strcmp(p->runtime, "go") == 0;
}

double metric_value(const struct rp_snapshot *s, enum metric_id m, int is_go)
{
	static const enum snap_col col[M_COUNT] = {
		[M_ALLOC] = SC_ALLOC,		  [M_TOTALALLOC] = SC_TOTAL_ALLOC,
		[M_SYS] = SC_SYS,		  [M_HEAPINUSE] = SC_HEAP_INUSE,
		[M_HEAPIDLE] = SC_HEAP_IDLE,	  [M_STACKINUSE] = SC_STACK_INUSE,
		[M_HEAPOBJECTS] = SC_HEAP_OBJECTS, [M_MALLOCS] = SC_MALLOCS,
		[M_FREES] = SC_FREES,		  [M_LIVE] = SC_LIVE,
		[M_NUMGC] = SC_NUM_GC,		  [M_GCCPUFRACTION] = SC_GC_CPU_FRACTION,
	};

	if (m == M_NUMGC && !(is_go && !isnan(s->v[SC_NUM_GC])))
		return s->v[SC_TRIM_CALLS];
	if (m == M_GCCPUFRACTION && !(is_go && !isnan(s->v[SC_GC_CPU_FRACTION])))
		return s->v[SC_ALLOC_CPU_FRACTION];
	return s->v[col[m]];
}

char *metric_format(char *dst, size_t cap, enum metric_id m, double v)
{
	switch (metric_defs[m].unit) {
	case SVG_BYTES:
		return units_bytes(dst, cap, v);
	case SVG_FRACTION:
		return units_percent(dst, cap, v);
	default:
		return units_count(dst, cap, v);
	}
}

char *metric_format_delta(char *dst, size_t cap, enum metric_id m, double d)
{
	char b[UNITS_BUF];

	switch (metric_defs[m].unit) {
	case SVG_BYTES:
		return units_bytes_delta(dst, cap, d);
	case SVG_FRACTION:
		/* percentage points */
		if (isnan(d))
			return units_percent(dst, cap, d);
		if (d == 0)
			snprintf(dst, cap, "\xc2\xb1" "0 pp");
		else
			snprintf(dst, cap, "%s%s pp", d > 0 ? "+" : "",
				 units_percent(b, sizeof b, d));
		/* drop the '%' units_percent added */
		{
			char *pct = strstr(dst, "% pp");

			if (pct)
				memmove(pct, pct + 1, strlen(pct + 1) + 1);
		}
		return dst;
	default:
		return units_count_delta(dst, cap, d);
	}
}

static void say(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct verdict *v, const char *fmt, ...)
{
	size_t len = strlen(v->text);
	va_list ap;

	if (len + 1 >= sizeof v->text)
		return;
	va_start(ap, fmt);
	vsnprintf(v->text + len, sizeof v->text - len, fmt, ap);
	va_end(ap);
}

/* Index of the largest value of m over the snapshots, or SIZE_MAX. */
static size_t peak_of(const struct rp_process *p, enum metric_id m, int is_go)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < p->nsnaps; i++) {
		double x = metric_value(&p->snaps[i], m, is_go);

		if (!isnan(x) && (best == SIZE_MAX || x > metric_value(&p->snaps[best], m, is_go)))
			best = i;
	}
	return best;
}

static void say_peak(struct verdict *v, const struct rp_process *p, enum metric_id m, int is_go)
{
	size_t pk = peak_of(p, m, is_go);
	char a[UNITS_BUF], t[UNITS_BUF];

	if (pk == SIZE_MAX)
		return;
	if (p->snaps[pk].kind == SNAP_SAMPLE)
		say(v, " Its peak was %s, %s into the run.",
		    metric_format(a, sizeof a, m, metric_value(&p->snaps[pk], m, is_go)),
		    units_duration(t, sizeof t, p->snaps[pk].ts));
	else
		say(v, " Its peak was %s, at %s.",
		    metric_format(a, sizeof a, m, metric_value(&p->snaps[pk], m, is_go)),
		    p->snaps[pk].label);
}

static void verdict_returns(const struct rp_process *p, enum metric_id m, int is_go,
			    const struct rp_snapshot *B, const struct rp_snapshot *F,
			    struct verdict *v)
{
	const char *name = metric_defs[m].name;
	double b = metric_value(B, m, is_go), f = metric_value(F, m, is_go), d = f - b;
	char bs[UNITS_BUF], fs[UNITS_BUF], ds[UNITS_BUF], ps[UNITS_BUF];

	metric_format(bs, sizeof bs, m, b);
	metric_format(fs, sizeof fs, m, f);
	metric_format_delta(ds, sizeof ds, m, d);
	if (d == 0) {
		v->status = V_PASS;
		say(v, "%s is back exactly where it was at %s (%s) by %s.", name, B->label, bs,
		    F->label);
	} else if (d < 0) {
		v->status = V_PASS;
		say(v, "%s came back below its %s value: %s at %s against %s (%s).", name,
		    B->label, fs, F->label, bs, ds);
	} else if (b > 0 && d <= b * BASELINE_TOLERANCE) {
		v->status = V_PASS;
		say(v, "%s came back to within %s of %s: %s at %s against %s (%s).", name,
		    units_percent(ps, sizeof ps, d / b), B->label, fs, F->label, bs, ds);
	} else {
		v->status = V_FAIL;
		if (metric_defs[m].unit == SVG_BYTES)
			say(v, "%s is %s higher at %s than at %s (%s against %s", name,
			    units_bytes(ds, sizeof ds, d), F->label, B->label, fs, bs);
		else
			say(v, "%s is %s higher at %s than at %s (%s against %s", name,
			    units_count(ds, sizeof ds, d), F->label, B->label, fs, bs);
		if (b > 0)
			say(v, ", +%s", units_percent(ps, sizeof ps, d / b));
		say(v, ").");
		v->see = m == M_STACKINUSE ? "threads" : "leaks";
	}
	say_peak(v, p, m, is_go);
}

static void verdict_grows(const struct rp_process *p, enum metric_id m, int is_go,
			  const struct rp_snapshot *B, const struct rp_snapshot *F,
			  struct verdict *v)
{
	const char *name = metric_defs[m].name;
	double b = metric_value(B, m, is_go), f = metric_value(F, m, is_go), prev = NAN;
	double secs = (F->ts - B->ts) / 1e9;
	char a[UNITS_BUF], c[UNITS_BUF], r[UNITS_BUF], t[UNITS_BUF];
	size_t i;

	for (i = 0; i < p->nsnaps; i++) {
		double x = metric_value(&p->snaps[i], m, is_go);

		if (isnan(x))
			continue;
		if (!isnan(prev) && x < prev) {
			v->status = V_FAIL;
			say(v, "%s went down at %s (%s, then %s). A running total never should: "
			       "the trace may be damaged.",
			    name, p->snaps[i].label, metric_format(a, sizeof a, m, prev),
			    metric_format(c, sizeof c, m, x));
			return;
		}
		prev = x;
	}
	v->status = V_PASS;
	if (f == b) {
		say(v, "%s did not change between %s and %s (%s), and never went down.", name,
		    B->label, F->label, metric_format(a, sizeof a, m, f));
		return;
	}
	say(v, "%s grew by %s between %s and %s", name, metric_format(a, sizeof a, m, f - b),
	    B->label, F->label);
	if (secs > 0)
		say(v, " (%s over %s)",
		    metric_defs[m].unit == SVG_BYTES ?
			    units_byte_rate(r, sizeof r, (f - b) / secs) :
			    units_count_rate(r, sizeof r, (f - b) / secs),
		    units_duration(t, sizeof t, F->ts - B->ts));
	say(v, " and never went down, as a running total should.");
	if (m == M_FREES) {
		double live = metric_value(F, M_MALLOCS, is_go) - f;

		if (!isnan(live))
			say(v, " At %s, Frees trailed Mallocs by %s: the blocks still live.",
			    F->label, units_count(a, sizeof a, live));
	}
}

static void verdict_sys(const struct rp_process *p, const struct rp_snapshot *const *key,
			size_t f, const struct rp_snapshot *B, const struct rp_snapshot *F,
			struct verdict *v)
{
	double b = F == B ? NAN : B->v[SC_SYS], fv = F->v[SC_SYS];
	char a[UNITS_BUF], c[UNITS_BUF], r[UNITS_BUF];

	v->status = V_PASS;
	if (!isnan(b))
		say(v, "Sys went from %s at %s to %s at %s.", units_bytes(a, sizeof a, b), B->label,
		    units_bytes(c, sizeof c, fv), F->label);
	else
		say(v, "Sys was %s at %s.", units_bytes(c, sizeof c, fv), F->label);
	say_peak(v, p, M_SYS, 0);
	if (!isnan(F->v[SC_RSS]))
		say(v, " The resident set (RSS) at %s was %s.", F->label,
		    units_bytes(r, sizeof r, F->v[SC_RSS]));
	/* still growing after the work ended? compare with the snapshot before F */
	if (f > 0 && key[f - 1]->kind == SNAP_USER && key[f]->kind == SNAP_USER) {
		double prev = key[f - 1]->v[SC_SYS];

		if (!isnan(prev) && fv - prev > prev * 0.10 && fv - prev > 1048576.0) {
			v->status = V_FAIL;
			say(v, " It was still growing at %s (%s since %s): the program took more "
			       "memory from the OS after its work was done.",
			    F->label, units_bytes_delta(a, sizeof a, fv - prev), key[f - 1]->label);
			return;
		}
	}
	say(v, " glibc keeps freed memory for reuse rather than returning it, so Sys staying "
	       "near its peak is normal.");
}

static void verdict_idle(const struct rp_snapshot *B, const struct rp_snapshot *F,
			 struct verdict *v)
{
	double idle = F->v[SC_HEAP_IDLE], inuse = F->v[SC_HEAP_INUSE];
	double frac = idle / (idle + inuse);
	char a[UNITS_BUF], c[UNITS_BUF], pc[UNITS_BUF], k[UNITS_BUF];

	v->status = V_PASS;
	say(v, "At %s, %s of the heap was idle (%s of it)", F->label,
	    units_bytes(a, sizeof a, idle), units_percent(pc, sizeof pc, frac));
	if (B != F)
		say(v, ", against %s at %s", units_bytes(c, sizeof c, B->v[SC_HEAP_IDLE]),
		    B->label);
	say(v, ".");
	if (!isnan(F->v[SC_KEEPCOST]))
		say(v, " Of that, %s sat at the top of the heap, where malloc_trim could hand it "
		       "back to the OS.",
		    units_bytes(k, sizeof k, F->v[SC_KEEPCOST]));
	if (frac > 0.5 && idle > 1048576.0) {
		v->status = V_FAIL;
		say(v, " More than half the heap is free but still held: freed blocks are "
		       "scattered between live ones (fragmentation), or the heap was never "
		       "trimmed.");
	}
}

static void verdict_numgc_native(const struct rp_snapshot *B, const struct rp_snapshot *F,
				 struct verdict *v)
{
	double f = F->v[SC_TRIM_CALLS], b = B->v[SC_TRIM_CALLS];
	char a[UNITS_BUF], c[UNITS_BUF];

	v->status = V_NA;
	say(v, "A C or C++ program has no garbage collector, so there is no NumGC to count. ");
	if (isnan(f)) {
		say(v, "This trace did not record malloc_trim calls either.");
		return;
	}
	say(v, "The closest thing is malloc_trim, which hands free heap memory back to the OS: "
	       "the program had called it %s time%s by %s",
	    units_count(a, sizeof a, f), f == 1 ? "" : "s", F->label);
	if (B != F && !isnan(b))
		say(v, ", %s of them after %s", units_count(c, sizeof c, f - b), B->label);
	say(v, ".");
}

static void verdict_cpu(int is_go, const struct rp_snapshot *F, struct verdict *v)
{
	double f = metric_value(F, M_GCCPUFRACTION, is_go);
	char a[UNITS_BUF], c[UNITS_BUF], t[UNITS_BUF];
	const char *who = is_go ? "the garbage collector" : "malloc, free and their relatives";

	if (isnan(f)) {
		v->status = V_NA;
		say(v, "This trace did not record how much CPU time went to %s.", who);
		return;
	}
	say(v, "%s of the process's CPU time up to %s went to %s", units_percent(a, sizeof a, f),
	    F->label, who);
	if (!is_go && !isnan(F->v[SC_ALLOC_CPU_NS]) && !isnan(F->v[SC_CPU_NS]))
		say(v, " (%s of %s)", units_duration(c, sizeof c, F->v[SC_ALLOC_CPU_NS]),
		    units_duration(t, sizeof t, F->v[SC_CPU_NS]));
	if (is_go) {  /* Go's bands: report/go_metrics.c */
		v->status = go_gccpu_band(f, v->text, sizeof v->text);
		return;
	}
	if (f < 0.01) {
		v->status = V_PASS;
		say(v, ": negligible.");
	} else if (f < 0.05) {
		v->status = V_PASS;
		say(v, ": noticeable but modest.");
	} else if (f < 0.15) {
		v->status = V_FAIL;
		say(v, ": high. Fewer, larger allocations, reuse or a pool would pay off.");
	} else {
		v->status = V_FAIL;
		say(v, ": managing memory dominates the run. Look at the busiest sites under "
		       "Allocation rate.");
	}
}

/* Live must equal HeapObjects at every snapshot where both exist. */
static void verdict_live_equal(const struct rp_process *p, struct verdict *v)
{
	size_t i, n = 0, bad = 0, first = 0;
	char a[UNITS_BUF], c[UNITS_BUF];

	for (i = 0; i < p->nsnaps; i++) {
		double l = p->snaps[i].v[SC_LIVE], h = p->snaps[i].v[SC_HEAP_OBJECTS];

		if (isnan(l) || isnan(h))
			continue;
		n++;
		if (l != h && bad++ == 0)
			first = i;
	}
	if (n == 0)
		return;
	if (bad == 0) {
		/* the same counters: equal by construction, no check of anything */
		say(v, " Live is Mallocs \xe2\x88\x92 Frees, the same count as HeapObjects.");
	} else {
		v->status = V_FAIL;
		say(v, " Live differs from HeapObjects at %s of %s snapshots (first at %s: %s "
		       "against %s): some events are missing from the trace.",
		    units_count(a, sizeof a, (double)bad), units_count(c, sizeof c, (double)n),
		    p->snaps[first].label,
		    units_count(a, sizeof a, p->snaps[first].v[SC_LIVE]),
		    units_count(c, sizeof c, p->snaps[first].v[SC_HEAP_OBJECTS]));
	}
}

void metric_verdict(const struct rp_process *p, enum metric_id m, int is_go,
		    const struct rp_snapshot *const *key, size_t nkey, size_t b, size_t f,
		    struct verdict *v)
{
	const struct rp_snapshot *B, *F;

	memset(v, 0, sizeof *v);
	v->status = V_NA;
	if (nkey == 0) {
		say(v, "This process recorded no snapshots, so there is nothing to judge.");
		return;
	}
	B = key[b];
	F = key[f];
	if (m == M_NUMGC && !(is_go && !isnan(F->v[SC_NUM_GC]))) {
		verdict_numgc_native(B, F, v);
		return;
	}
	if (m == M_GCCPUFRACTION) {
		verdict_cpu(is_go, F, v);
		return;
	}
	if (isnan(metric_value(F, m, is_go)) || isnan(metric_value(B, m, is_go))) {
		say(v, "%s was not recorded at %s.", metric_defs[m].name,
		    isnan(metric_value(F, m, is_go)) ? F->label : B->label);
		return;
	}
	switch (metric_defs[m].kind) {
	case MK_RETURNS:
		if (b == f) {
			say(v, "Only one snapshot (%s) to go by, so there is no baseline to return to.",
			    F->label);
			say_peak(v, p, m, is_go);
			break;
		}
		verdict_returns(p, m, is_go, B, F, v);
		if (m == M_LIVE)
			verdict_live_equal(p, v);
		break;
	case MK_GROWS:
		verdict_grows(p, m, is_go, B, F, v);
		break;
	case MK_HOLDS:
		verdict_sys(p, key, f, B, F, v);
		break;
	case MK_INVERSE:
		verdict_idle(B, F, v);
		break;
	case MK_WORKLOAD:
		break;
	}
}
