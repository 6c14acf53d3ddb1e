/*
 * memstats.c - the stats block, formatted by hand: no stdio, no
 * allocation, no locale (see memstats.h).
 */
#include <string.h>

#include "format/memstats.h"
#include "format/trace.h"

struct out {
	char *p;
	char *end;
};

static void put(struct out *o, const char *s)
{
	while (*s && o->p < o->end)
		*o->p++ = *s++;
}

static void put_u(struct out *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && o->p < o->end)
		*o->p++ = tmp[--n];
}

static void put_i(struct out *o, int64_t v)
{
	if (v < 0) {
		put(o, "-");
		put_u(o, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u(o, (uint64_t)v);
	}
}

/* v scaled by 100, printed with two decimals */
static void put_fixed2(struct out *o, uint64_t v100)
{
	put_u(o, v100 / 100);
	put(o, ".");
	if (v100 % 100 < 10)
		put(o, "0");
	put_u(o, v100 % 100);
}

static void put_bytes(struct out *o, int64_t b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	uint64_t v = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
	if (b < 0)
		put(o, "-");
	if (v < 1024) {
		put_u(o, v);
		put(o, " B");
		return;
	}
	int u = 0;
	uint64_t scale = 1;
	while (u < 4 && v / 1024 >= scale) {
		scale *= 1024;
		u++;
	}
	/* v / scale with two decimals, without overflowing 64 bits */
	uint64_t v100 = v / scale * 100 + (v % scale) * 100 / scale;
	put_fixed2(o, v100);
	put(o, " ");
	put(o, unit[u]);
}

size_t ml_fmt_bytes(char *dst, size_t cap, int64_t bytes)
{
	if (!cap)
		return 0;
	struct out o = { dst, dst + cap - 1 };
	put_bytes(&o, bytes);
	*o.p = 0;
	return (size_t)(o.p - dst);
}

static void put_pad(struct out *o, const char *name, size_t width)
{
	put(o, name);
	for (size_t n = strlen(name); n < width; n++)
		put(o, " ");
	put(o, "= ");
}

enum { BYTES, COUNT };

/* A value of kind BYTES or COUNT. */
static void put_value(struct out *o, int kind, int64_t v)
{
	if (kind == BYTES)
		put_bytes(o, v);
	else
		put_i(o, v);
}

static void line(struct out *o, const char *name, int kind, int64_t cur, const int64_t *prev,
                 const char *note)
{
	put_pad(o, name, 14);
	if (cur < 0) {
		put(o, "n/a");
	} else {
		put_value(o, kind, cur);
		if (prev && *prev >= 0) {
			put(o, "  (");
			if (cur - *prev >= 0)
				put(o, "+");
			put_value(o, kind, cur - *prev);
			put(o, ")");
		}
	}
	if (note) {
		put(o, "   ");
		put(o, note);
	}
	put(o, "\n");
}

/* f is a fraction from a trace, so possibly anything, NaN included:
 * clamp before the conversion, which is undefined out of range. */
static void put_percent(struct out *o, double f)
{
	if (!(f >= 0)) {
		put(o, "n/a");
		return;
	}
	if (f > 1e9)
		f = 1e9;
	uint64_t v = (uint64_t)(f * 10000.0 + 0.5);  /* percent * 100 */
	put_fixed2(o, v);
	put(o, "%");
}

/* Growth per second of a counter from prev to cur over dt ns, or -1 when
 * it is no rate: a counter unknown, or going backwards (a damaged trace).
 * Computed in double and clamped before the conversion to an integer. */
static int64_t per_second(int64_t cur, int64_t prev, int64_t dt)
{
	if (cur < 0 || prev < 0 || cur < prev || dt <= 0)
		return -1;
	double r = (double)(cur - prev) * 1e9 / (double)dt;
	return r >= 9.2e18 ? INT64_MAX : (int64_t)r;
}

static void put_ms(struct out *o, int64_t ns)
{
	put_fixed2(o, (uint64_t)(ns < 0 ? 0 : ns) / 10000000);
	put(o, " s");
}

size_t ml_memstats_format(char *dst, size_t cap, const struct ml_memstats *c,
                          const struct ml_memstats *p)
{
	if (!cap)
		return 0;
	struct out o = { dst, dst + cap - 1 };
#define PREV(field) (p ? &p->field : NULL)
	put(&o, "=== memledger: ");
	put(&o, c->label ? c->label : "");
	put(&o, " at ");
	put_ms(&o, c->ts_ns);
	put(&o, " ===\n");
	line(&o, "Alloc", BYTES, c->alloc, PREV(alloc), "live requested bytes");
	line(&o, "TotalAlloc", BYTES, c->total_alloc, PREV(total_alloc), "requested since start");
	line(&o, "Sys", BYTES, c->sys, PREV(sys), "heap, stacks, own maps");
	line(&o, "HeapInuse", BYTES, c->heap_inuse, PREV(heap_inuse), NULL);
	line(&o, "HeapIdle", BYTES, c->heap_idle, PREV(heap_idle), NULL);
	line(&o, "HeapReleased", BYTES, c->heap_released, PREV(heap_released), NULL);
	line(&o, "StackInuse", BYTES, c->stack_inuse, PREV(stack_inuse), NULL);
	line(&o, "HeapObjects", COUNT, c->heap_objects, PREV(heap_objects), NULL);
	line(&o, "Mallocs", COUNT, c->mallocs, PREV(mallocs), NULL);
	line(&o, "Frees", COUNT, c->frees, PREV(frees), NULL);
	line(&o, "Live", COUNT, c->live, PREV(live), "Mallocs - Frees");
	if (c->num_gc >= 0)
		line(&o, "NumGC", COUNT, c->num_gc, PREV(num_gc), NULL);
	else
		line(&o, "NumGC", COUNT, c->trim_calls, PREV(trim_calls),
		     "no collector in C: malloc_trim calls");
	put_pad(&o, "GCCPUFraction", 14);
	if (c->gc_cpu_fraction >= 0) {
		put_percent(&o, c->gc_cpu_fraction);
	} else if (c->alloc_cpu_fraction >= 0) {
		put_percent(&o, c->alloc_cpu_fraction);
		put(&o, "   no collector: CPU share inside malloc/free");
	} else {
		put(&o, "n/a");
	}
	put(&o, "\n");
	line(&o, "RSS", BYTES, c->rss, PREV(rss), NULL);
	line(&o, "Threads", COUNT, c->threads, PREV(threads), NULL);
	if (p && c->ts_ns > p->ts_ns && p->ts_ns >= 0 && c->total_alloc >= 0 && p->total_alloc >= 0) {
		int64_t dt = c->ts_ns - p->ts_ns;
		int64_t bps = per_second(c->total_alloc, p->total_alloc, dt);
		int64_t aps = per_second(c->mallocs, p->mallocs, dt);
		put_pad(&o, "AllocRate", 14);
		if (bps < 0 || aps < 0) {
			put(&o, "n/a (the counters went backwards)");
		} else {
			put_bytes(&o, bps);
			put(&o, "/s, ");
			put_i(&o, aps);
			put(&o, " allocs/s");
		}
		put(&o, " since ");
		put(&o, p->label ? p->label : "previous");
		put(&o, "\n");
	}
#undef PREV
	*o.p = 0;
	return (size_t)(o.p - dst);
}

/* ---------------------------------------------------------------- metrics from counters */

int64_t ml_counters_sys(const uint64_t *f)
{
	return (int64_t)(f[ML_SF_ARENA] + f[ML_SF_HBLKHD] + f[ML_SF_STACK_INUSE] + f[ML_SF_SYS_OTHER]);
}

double ml_counters_alloc_share(const uint64_t *f)
{
	uint64_t cpu = f[ML_SF_CPU_NS], own = f[ML_SF_TRACER_CPU_NS];
	if (!cpu)
		return -1;
	/* the program's CPU time: the process's, less the tracer's own work */
	uint64_t prog = own < cpu ? cpu - own : 0;
	if (!prog)
		return f[ML_SF_ALLOC_CPU_NS] ? 1 : 0;
	double share = (double)f[ML_SF_ALLOC_CPU_NS] / (double)prog;
	/* sampled: a few slow calls early in a short run can overshoot */
	return share > 1 ? 1 : share;
}
