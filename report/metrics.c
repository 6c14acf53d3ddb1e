/*
 * metrics.c - metric definitions and values. See metrics.h.
 */
#include "report/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/units.h"

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
			   "Yes, once the threads have ended; the main thread's only grows" },
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
