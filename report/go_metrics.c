/*
 * go_metrics.c - what each metric means for a Go program (report/go_gc.h).
 * Written for this report; the numbers are the runtime's own
 * (runtime.MemStats as the program or its /debug/vars reported them).
 */
#include <stdio.h>
#include <string.h>

#include "report/go_gc.h"

struct go_text {
	const char *meaning;
	const char *explain[4];
};

static const struct go_text texts[M_COUNT] = {
	[M_ALLOC] = { "Bytes of heap objects the collector has not freed yet (HeapAlloc)",
		{ "What it is. The size of every heap object that is still allocated: the ones your code "
		  "reaches, plus garbage the collector has not swept yet. Between collections it includes "
		  "dead objects, so read it after runtime.GC() when you want what is really held.",
		  "Goes up with every allocation that escapes to the heap: make, new, append past capacity, "
		  "string building, values boxed into interfaces. Goes down only when a collection finds "
		  "objects nothing references and sweeps them.",
		  "Back to baseline? Yes, after the work is done and a collection has run. What stays above "
		  "is referenced by something: a map or slice still filled, a package-level variable, a "
		  "goroutine that is still alive." } },
	[M_TOTALALLOC] = { "Bytes ever allocated on the heap; freeing does not lower it",
		{ "What it is. The sum of the sizes of all heap objects allocated since the program "
		  "started, whether they are still alive or long collected.",
		  "Goes up with each heap allocation. Goes down never. Its growth between two snapshots "
		  "divided by the time between them is the allocation rate, the main driver of how often "
		  "the collector runs.",
		  "Back to baseline? No: compare differences, not values." } },
	[M_SYS] = { "Virtual memory the runtime reserved from the OS for heap, stacks and metadata",
		{ "What it is. Everything the Go runtime has mapped from the operating system: heap spans, "
		  "goroutine stacks, and its own bookkeeping (span and cache structures, the GC's metadata, "
		  "profiling buckets). Much of it may not be resident: compare with RSS.",
		  "Goes up when the heap or the stacks need room the runtime does not have yet. Goes down "
		  "rarely: the runtime keeps address space and hands back only physical pages (see "
		  "HeapReleased).",
		  "Back to baseline? No, and that is normal. Worry when it keeps climbing phase after phase "
		  "while Alloc comes back." } },
	[M_HEAPINUSE] = { "Bytes in heap spans that hold at least one object",
		{ "What it is. Heap memory in spans (runs of pages) that contain objects. A span is "
		  "dedicated to one size class, so HeapInuse minus Alloc is space lost to partly filled "
		  "spans and size rounding.",
		  "Goes up as objects fill new spans. Goes down when sweeping empties a span completely; "
		  "it then counts in HeapIdle.",
		  "Back to baseline? Yes, together with Alloc." } },
	[M_HEAPIDLE] = { "Bytes in heap spans with no object: free, kept or returned (HeapReleased)",
		{ "What it is. Spans with no object in them. Part of it is still backed by RAM and ready for "
		  "reuse; the part the scavenger has given back to the OS is HeapReleased, shown beside it. "
		  "HeapIdle minus HeapReleased is memory the process could return but still holds.",
		  "Goes up when collections empty spans, or the heap grows ahead of need. Goes down when new "
		  "objects reuse idle spans.",
		  "Back to baseline? No: it moves against HeapInuse. A large HeapIdle with a small "
		  "HeapReleased after cleanup means the memory is free but not yet returned; the background "
		  "scavenger returns it over the following minutes, debug.FreeOSMemory at once." } },
	[M_STACKINUSE] = { "Bytes of goroutine stacks (and the stack spans they come from)",
		{ "What it is. Memory in stack spans: the stacks of all goroutines, which start small (a few "
		  "KiB) and are copied to larger ones as calls go deeper. System threads' own stacks are "
		  "not in it.",
		  "Goes up when goroutines are started or recurse deeply. Goes down when goroutines exit and "
		  "the collector frees or shrinks their stacks.",
		  "Back to baseline? Yes, once the goroutines started for the work have ended. If it stays "
		  "up, goroutines are still alive: see the checklist's threads_stopped and the Threads "
		  "section, where each goroutine of the last dump is listed." } },
	[M_HEAPOBJECTS] = { "Heap objects allocated and not yet freed",
		{ "What it is. The number of objects counted in Alloc. Every make, new, escaped composite "
		  "literal or map bucket array is one object.",
		  "Goes up with heap allocations, down when sweeping frees them.",
		  "Back to baseline? Yes, after cleanup and a collection. A few hundred extra are the "
		  "runtime's and the profiler's own; thousands mean something is kept." } },
	[M_MALLOCS] = { "Heap objects allocated so far (cumulative)",
		{ "What it is. How many heap objects the program has allocated since it started. Tiny "
		  "pointer-free objects packed together by the tiny allocator count one each.",
		  "Goes up with every heap allocation. Goes down never.",
		  "Back to baseline? No. Its rate of growth is a good measure of allocation pressure." } },
	[M_FREES] = { "Heap objects freed so far (cumulative)",
		{ "What it is. How many heap objects the collector has swept since the program started.",
		  "Goes up as collections sweep dead objects; between collections it stands still even "
		  "while garbage piles up.",
		  "Back to baseline? No. Mallocs minus Frees is the live count." } },
	[M_LIVE] = { "Mallocs minus Frees: objects still allocated",
		{ "What it is. The difference of the two running totals, which the runtime keeps equal to "
		  "HeapObjects.",
		  "Moves exactly like HeapObjects.",
		  "Back to baseline? Yes, like HeapObjects." } },
	[M_NUMGC] = { "Completed garbage collection cycles",
		{ "What it is. How many collections have finished, forced ones (runtime.GC, "
		  "debug.FreeOSMemory) included; NumForcedGC counts those alone. The GC section shows each "
		  "cycle from gctrace.",
		  "Goes up each time the heap reaches its goal (by default twice the live heap after the "
		  "previous cycle, see GOGC), when the program forces one, and at least every two minutes.",
		  "Back to baseline? No. Many cycles per second mean a high allocation rate or a small "
		  "heap goal; before a final snapshot, run two, so that objects kept by finalizers and "
		  "sync.Pool's victim cache are gone too." } },
	[M_GCCPUFRACTION] = { "Share of the program's available CPU time used by the collector since start",
		{ "What it is. The fraction of the CPU time available to the process (GOMAXPROCS times the "
		  "time since start) that went to garbage collection: background mark workers, assists "
		  "that made allocating goroutines help, and the stop-the-world phases.",
		  "Goes up with the allocation rate and with a large live heap to mark. Goes down as the "
		  "program runs longer without collecting: it is an average since start.",
		  "Back to baseline? No: it follows the workload. As a scale: under 1% the collector costs "
		  "nothing worth chasing; 1 to 5% is usual for allocating programs; 5 to 10% deserves a look "
		  "at the busiest sites; above 10% the program spends a real part of its time collecting: "
		  "allocate less, reuse buffers, or raise GOGC or GOMEMLIMIT." } },
};

const char *go_metric_meaning(enum metric_id m)
{
	return (unsigned)m < M_COUNT ? texts[m].meaning : "";
}

tal_value *go_metric_explain(enum metric_id m)
{
	tal_value *l = tal_list();
	for (int i = 0; (unsigned)m < M_COUNT && i < 4 && texts[m].explain[i]; i++)
		tal_push(l, tal_str(texts[m].explain[i]));
	return l;
}
