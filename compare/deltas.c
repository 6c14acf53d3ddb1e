/*
 * deltas.c - see deltas.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/deltas.h"
#include "compare/run.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)

/*
 * State floors: a few allocator chunks or pages either way are noise.
 * Sys and HeapIdle move by whole heap extensions (128 KiB by default),
 * RSS by whatever the kernel faulted in.
 */
const struct cmp_metric_def cmp_metrics[CMP_NMETRICS] = {
	{ "alloc", "Alloc", CMP_BYTES, CMP_EXACT, 0, 0 },
	{ "total_alloc", "TotalAlloc", CMP_BYTES, CMP_EXACT, 0, 0 },
	{ "sys", "Sys", CMP_BYTES, CMP_STATE, 256 * KiB, 0.10 },
	{ "heap_inuse", "HeapInuse", CMP_BYTES, CMP_STATE, 64 * KiB, 0.10 },
	{ "heap_idle", "HeapIdle", CMP_BYTES, CMP_STATE, 256 * KiB, 0.10 },
	{ "heap_released", "HeapReleased", CMP_BYTES, CMP_STATE, 256 * KiB, 0.10 },
	{ "stack_inuse", "StackInuse", CMP_BYTES, CMP_STATE, 64 * KiB, 0.10 },
	{ "heap_objects", "HeapObjects", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "mallocs", "Mallocs", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "frees", "Frees", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "live", "Live", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "num_gc", "NumGC", CMP_COUNT, CMP_STATE, 2, 0.10 },
	{ "trim_calls", "malloc_trim calls", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "threads", "Threads", CMP_COUNT, CMP_EXACT, 0, 0 },
	{ "rss", "RSS", CMP_BYTES, CMP_STATE, 1 * MiB, 0.10 },
	{ "gc_cpu_fraction", "GCCPUFraction", CMP_FRACTION, CMP_TIMING, 0, 0 },
	{ "alloc_cpu_fraction", "allocator CPU share", CMP_FRACTION, CMP_TIMING, 0, 0 },
	{ "ts_ns", "Time", CMP_NS, CMP_TIMING, 0, 0 },
};

double cmp_relative(double base, double new)
{
	if (isnan(base) || isnan(new) || base == 0)
		return NAN;
	return (new - base) / fabs(base);
}

int cmp_delta_counts(const struct cmp_metric_def *m, double base, double new, int go, double tolerance)
{
	enum cmp_noise noise = m->noise;
	double floor = m->floor, rel = m->rel;

	if (noise == CMP_TIMING)
		return 0;
	if (isnan(base) && isnan(new))
		return 0;
	if (isnan(base) || isnan(new))
		return 1;
	/* a Go heap moves with the collector's pacing: the guide's tolerance */
	if (go && noise == CMP_EXACT) {
		noise = CMP_STATE;
		floor = m->unit == CMP_BYTES ? 64 * KiB : 512;
		rel = 0.10;
	}
	if (noise == CMP_EXACT)
		return fabs(new - base) > tolerance * fabs(base);
	return fabs(new - base) > fmax(floor, fmax(rel, tolerance) * fabs(base));
}

/* Snapshots of base sorted by (label, occurrence) for lookup. */
struct key {
	const char *label;
	int occ;
	size_t i;
};

static int by_key(const void *x, const void *y)
{
	const struct key *a = x, *b = y;
	int c = strcmp(a->label, b->label);
	return c ? c : a->occ - b->occ;
}

int cmp_deltas(const struct cmp_proc *base, const struct cmp_proc *new, double tolerance,
               struct cmp_delta **out, size_t *n)
{
	struct key *keys = malloc((base->nsnaps + 1) * sizeof *keys);
	struct cmp_delta *d = NULL;
	size_t nd = 0, cap = 0, i;
	int go = base->go || new->go;

	*out = NULL;
	*n = 0;
	if (!keys)
		return -1;
	for (i = 0; i < base->nsnaps; i++)
		keys[i] = (struct key){ base->snaps[i].label, base->snaps[i].occ, i };
	qsort(keys, base->nsnaps, sizeof *keys, by_key);
	for (i = 0; i < new->nsnaps; i++) {
		struct key want = { new->snaps[i].label, new->snaps[i].occ, 0 };
		const struct key *k = bsearch(&want, keys, base->nsnaps, sizeof *keys, by_key);

		if (!k)
			continue;
		for (int m = 0; m < CMP_NMETRICS; m++) {
			double a = base->snaps[k->i].v[m], b = new->snaps[i].v[m];

			if (isnan(a) && isnan(b))
				continue;
			if (nd == cap) {
				struct cmp_delta *nd2;

				cap = cap ? cap * 2 : 64;
				if (!(nd2 = realloc(d, cap * sizeof *d))) {
					free(d);
					free(keys);
					return -1;
				}
				d = nd2;
			}
			d[nd++] = (struct cmp_delta){
				.base_snap = k->i, .new_snap = i, .metric = m, .base = a, .new = b,
				.change = isnan(a) || isnan(b) ? NAN : b - a, .relative = cmp_relative(a, b),
				.counts = cmp_delta_counts(&cmp_metrics[m], a, b, go, tolerance),
			};
		}
	}
	free(keys);
	*out = d;
	*n = nd;
	return 0;
}
