/*
 * events.c - see events.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "format/decode.h"
#include "ingest/db.h"
#include "ingest/dbq.h"
#include "ingest/events.h"

#define WINDOW PASS2_WINDOW   /* rows held back to keep ids in allocation order */
#define MAX_PHASES 4096
_Static_assert((WINDOW & (WINDOW - 1)) == 0, "the ring is indexed with & (WINDOW - 1)");
_Static_assert(MAX_PHASES <= (1u << 12), "diff_idx keys pack the phase into 12 bits: site << 12 | phase");


struct row {
	int64_t id;
	uint64_t key;
	uint64_t addr, size;
	int64_t alloc_ns, free_ns;
	int64_t alloc_tid, free_tid;
	uint32_t site;
	uint8_t kind, temporary, freed, used;
};

struct late {
	int64_t id;
	uint32_t site;
	uint64_t size;
	int64_t alloc_ns;
};

struct early {
	int64_t free_ns, free_tid;
	int temporary;
};

struct pdiff {
	uint64_t n, b;  /* two's-complement sums: wrap rather than overflow */
};

/* live and none modes: a block not freed yet (no ring, no rows) */
struct slot {
	int64_t id;
	uint64_t key;
	uint64_t addr, size;
	int64_t alloc_ns, alloc_tid;
	uint32_t site;
	uint8_t kind;
};

/*
 * One time bucket of the timeline. run is the bucket's net bytes so far,
 * in decode order; maxrun the largest value it reached (0: the bucket's
 * start), at max_ns (-1: the bucket's start). A thread's events decode in
 * time order, so for a single thread the peak is exact; between threads
 * it is exact to a bucket.
 */
struct tbucket {
	uint64_t allocs, abytes, frees, fbytes;
	int64_t run, maxrun, max_ns;
};
/* Sums that wrap, as the site counters do: a hostile trace may give any
 * sizes, and signed overflow is undefined. */
static inline int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

#define TL_MAX 4096          /* buckets; past it the width doubles */
#define TL_TARGET 1000       /* buckets over the run's known length */

struct pass2 {
	sqlite3 *db;
	struct trace_meta *m;
	int64_t process_id;
	struct dbq *q;              /* the rows go to SQLite on another thread */
	struct row *ring;
	int64_t base, next;
	struct u64map pending;      /* key -> id, for blocks not yet freed */
	struct u64map early_idx;    /* key -> index into early */
	struct early *early;
	size_t nearly, capearly;
	struct u64map late_idx;     /* key -> index into late */
	struct late *late;
	size_t nlate, caplate;
	struct u64map site_of;      /* global stack id + 1 -> index into sites */
	struct u64map local_site;   /* local stack id + 1 -> index into sites */
	struct gsite *sites;
	size_t nsites, capsites;
	struct phase_live *ph;
	size_t nph;
	struct u64map diff_idx;     /* (site << 12 | phase) + 1 -> index into diffs */
	struct pdiff *diffs;
	size_t ndiffs, capdiffs;
	struct tm_leak *mid;        /* mid-run scan results, sorted by key */
	size_t nmid;
	struct u64map mid_idx;      /* key -> first index in mid */
	uint64_t events, unknown;
	int64_t settle_lo, settle_hi;
	struct u64map floor_ns;     /* thread idx + 1 -> time of its latest mark */
	int mode;                   /* enum ingest_alloc_mode */
	struct slot *slots;         /* live and none modes: blocks not freed yet */
	size_t nslots, capslots;
	uint32_t *holes;            /* free indices into slots */
	size_t nholes, capholes;
	struct tbucket *tl;         /* the timeline */
	size_t ntl;
	int64_t tl_width;
	int64_t tl_lo, tl_hi;       /* the bucket tl_at found last: [tl_lo, tl_hi) */
	size_t tl_cur;              /* its index */
	size_t seg;                 /* tick_ns: the calibration segment last used */
};

void pass2_settle_window(struct pass2 *p, int64_t lo, int64_t hi)
{
	p->settle_lo = lo;
	p->settle_hi = hi;
}

static void settle_count(struct pass2 *p, struct gsite *g, int64_t ns, uint64_t size)
{
	if (ns > p->settle_lo && ns < p->settle_hi) {
		g->settle_frees++;
		g->settle_bytes += size;
	}
}

/* ---------------------------------------------------------------- histograms */

/* log2 bucket of v: 0 holds [0, 2), b holds [2^b, 2^(b+1)), the last one
 * everything above. */
static inline unsigned hist_bucket(uint64_t v)
{
	unsigned b = v < 2 ? 0 : 63 - (unsigned)__builtin_clzll(v);
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

static int hist_add(struct gsite *g, int kind, uint64_t v, uint64_t bytes)
{
	if (!g->hist && !(g->hist = calloc(1, sizeof *g->hist)))
		return -1;
	unsigned b = hist_bucket(v);
	g->hist->n[kind][b]++;
	g->hist->b[kind][b] += bytes;
	return 0;
}

/* ---------------------------------------------------------------- timeline */

/* Halve the number of buckets: each pair becomes one twice as wide. */
static void tl_merge(struct pass2 *p)
{
	size_t n = (p->ntl + 1) / 2;
	for (size_t i = 0; i < n; i++) {
		struct tbucket a = p->tl[2 * i], b = { 0, 0, 0, 0, 0, 0, -1 };
		if (2 * i + 1 < p->ntl)
			b = p->tl[2 * i + 1];
		struct tbucket c = { a.allocs + b.allocs, a.abytes + b.abytes, a.frees + b.frees,
		                     a.fbytes + b.fbytes, wrap_add(a.run, b.run), a.maxrun, a.max_ns };
		if (a.max_ns < 0)
			c.max_ns = (int64_t)(2 * i) * p->tl_width;
		if (wrap_add(a.run, b.maxrun) > a.maxrun) {
			c.maxrun = wrap_add(a.run, b.maxrun);
			c.max_ns = b.max_ns >= 0 ? b.max_ns : (int64_t)(2 * i + 1) * p->tl_width;
		}
		p->tl[i] = c;
	}
	memset(p->tl + n, 0, (TL_MAX - n) * sizeof *p->tl);
	for (size_t i = n; i < TL_MAX; i++)
		p->tl[i].max_ns = -1;
	p->ntl = n;
	p->tl_width *= 2;
	p->tl_lo = 1;
	p->tl_hi = 0;
}

static struct tbucket *tl_at(struct pass2 *p, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	/* most events fall in the bucket of the one before */
	if (ns >= p->tl_lo && ns < p->tl_hi)
		return &p->tl[p->tl_cur];
	uint64_t i = (uint64_t)ns / (uint64_t)p->tl_width;
	while (i >= TL_MAX) {
		tl_merge(p);
		i = (uint64_t)ns / (uint64_t)p->tl_width;
	}
	if (i >= p->ntl)
		p->ntl = i + 1;
	p->tl_lo = (int64_t)i * p->tl_width;
	p->tl_hi = p->tl_lo + p->tl_width;
	p->tl_cur = i;
	return &p->tl[i];
}

/* ---------------------------------------------------------------- aggregates */

/*
 * Every aggregate (sites, site_snapshots, histograms, the timeline) is
 * counted here, at the same points of the decode whatever the allocations
 * mode, so that the tables are identical in every mode.
 */
static int agg_alloc(struct pass2 *p, struct gsite *g, uint64_t size, int64_t ns)
{
	g->allocs++;
	g->bytes += size;
	g->live_allocs++;
	g->live_bytes += size;
	if (g->live_bytes > g->peak_bytes)
		g->peak_bytes = g->live_bytes;
	struct tbucket *t = tl_at(p, ns);
	t->allocs++;
	t->abytes += size;
	t->run = wrap_add(t->run, (int64_t)size);
	if (t->run > t->maxrun) {
		t->maxrun = t->run;
		t->max_ns = ns;
	}
	return hist_add(g, HIST_SIZE, size, size);
}

static int phase_span(struct pass2 *p, uint32_t site, uint64_t size, int64_t a, int64_t f);

static int agg_free(struct pass2 *p, uint32_t site, uint64_t size, int64_t alloc_ns, int64_t ns,
                    int temporary)
{
	struct gsite *g = &p->sites[site];
	g->live_allocs--;
	g->live_bytes -= size;
	g->temporary += (uint64_t)temporary;
	settle_count(p, g, ns, size);
	struct tbucket *t = tl_at(p, ns);
	t->frees++;
	t->fbytes += size;
	t->run = wrap_add(t->run, (int64_t)(0 - size));
	if (hist_add(g, HIST_LIFETIME, (uint64_t)(ns - alloc_ns), size) < 0)
		return -1;
	return phase_span(p, site, size, alloc_ns, ns);
}

/* ---------------------------------------------------------------- sites */

static long site_for_local(struct pass2 *p, uint32_t local)
{
	uint64_t v;
	if (u64map_get(&p->local_site, (uint64_t)local + 1, &v))
		return (long)v;
	struct tm_stack *st = local ? tm_stack_get(p->m, local) : NULL;
	int64_t gid = st ? st->global_id : 0;
	if (!u64map_get(&p->site_of, (uint64_t)gid + 1, &v)) {
		struct gsite *g = VEC_PUSH(p->sites, p->nsites, p->capsites);
		if (!g)
			return -1;
		g->stack_id = gid;
		g->runtime = st ? st->runtime_site : 0;
		v = p->nsites - 1;
		if (u64map_put(&p->site_of, (uint64_t)gid + 1, v) < 0)
			return -1;
	}
	if (u64map_put(&p->local_site, (uint64_t)local + 1, v) < 0)
		return -1;
	return (long)v;
}

/* First phase at or after t (nph if none). */
static size_t phase_at(const struct pass2 *p, int64_t t)
{
	size_t lo = 0, hi = p->nph;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->ph[mid].ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int diff_add(struct pass2 *p, uint32_t site, size_t phase, int64_t n, int64_t b)
{
	if (phase >= p->nph)
		return 0;
	uint64_t key = (((uint64_t)site << 12) | phase) + 1, i;
	if (!u64map_get(&p->diff_idx, key, &i)) {
		if (!VEC_PUSH(p->diffs, p->ndiffs, p->capdiffs) ||
		    u64map_put(&p->diff_idx, key, p->ndiffs - 1) < 0)
			return -1;
		i = p->ndiffs - 1;
	}
	p->diffs[i].n += (uint64_t)n;
	p->diffs[i].b += (uint64_t)b;
	return 0;
}

/* A block live over [alloc_ns, free_ns) (free_ns < 0: to the end) is live
 * at every phase point in that interval. */
static int phase_span(struct pass2 *p, uint32_t site, uint64_t size, int64_t a, int64_t f)
{
	if (!p->nph)
		return 0;
	size_t i = phase_at(p, a), j = f < 0 ? p->nph : phase_at(p, f);
	if (i >= j)
		return 0;
	if (diff_add(p, site, i, 1, (int64_t)size) < 0 || diff_add(p, site, j, -1, (int64_t)(0 - size)) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- rows */

/* The mid-run scans that classified the block under key (row id): one
 * DBQ_SCAN each. Returns 0 or -1 with err. */
static int mid_scans_push(struct pass2 *p, uint64_t key, int64_t id, char *err, size_t errlen)
{
	uint64_t mi;
	if (!u64map_get(&p->mid_idx, key, &mi))
		return 0;
	for (; mi < p->nmid && p->mid[mi].key == key; mi++) {
		struct dbq_op so = { .type = DBQ_SCAN, .kind = p->mid[mi].cls, .snap = (int64_t)p->mid[mi].snap,
		                     .id = id };
		if (dbq_push(p->q, &so, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int row_write(struct pass2 *p, struct row *r, char *err, size_t errlen)
{
	int live = !r->freed;
	struct gsite *g = &p->sites[r->site];
	struct dbq_op op = {
		.type = DBQ_INSERT, .kind = r->kind, .temporary = r->temporary, .id = r->id,
		.addr = (int64_t)r->addr, .size = (int64_t)r->size, .alloc_ns = r->alloc_ns,
		.free_ns = live ? -1 : r->free_ns, .alloc_tid = r->alloc_tid > 0 ? r->alloc_tid : -1,
		.free_tid = live || r->free_tid <= 0 ? -1 : r->free_tid,
		.stack_id = g->stack_id > 0 ? g->stack_id : -1,
	};
	if (live && p->m->have_exit_scan) {
		uint64_t cls = ML_LEAK_REACHABLE;
		u64map_get(&p->m->exit_leaks, r->key, &cls);
		op.leak = (int)cls;
	}
	if (dbq_push(p->q, &op, err, errlen) < 0)
		return -1;
	if (live) {
		struct late *l = VEC_PUSH(p->late, p->nlate, p->caplate);
		if (!l || u64map_put(&p->late_idx, r->key, p->nlate - 1) < 0)
			goto out_oom;
		l->id = r->id;
		l->site = r->site;
		l->size = r->size;
		l->alloc_ns = r->alloc_ns;
	}
	if (mid_scans_push(p, r->key, r->id, err, errlen) < 0)
		return -1;
	r->used = 0;
	return 0;
out_oom:
	err_oom(err, errlen);
	return -1;
}

/* Write rows from the oldest while they are complete, or all of them. */
static int ring_flush(struct pass2 *p, int all, char *err, size_t errlen)
{
	while (p->base < p->next) {
		struct row *r = &p->ring[p->base & (WINDOW - 1)];
		if (!all && !r->freed && p->next - p->base < WINDOW)
			break;
		if (r->used && row_write(p, r, err, errlen) < 0)
			return -1;
		if (r->used)
			r->used = 0;
		p->base++;
	}
	return 0;
}


/* Keep a free whose allocation has not been decoded yet (another
 * thread's, in a frame written later), for that allocation to apply. 0,
 * or -1 when out of memory. */
static int early_free(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary)
{
	struct early *e = VEC_PUSH(p->early, p->nearly, p->capearly);

	if (!e || u64map_put(&p->early_idx, key, p->nearly - 1) < 0)
		return -1;
	e->free_ns = ns;
	e->free_tid = tid;
	e->temporary = temporary;
	return 0;
}

static int ring_free(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary,
                   char *err, size_t errlen)
{
	uint64_t id;
	if (u64map_del(&p->pending, key, &id)) {
		if ((int64_t)id >= p->base) {
			struct row *r = &p->ring[(int64_t)id & (WINDOW - 1)];
			r->freed = 1;
			r->free_ns = ns < r->alloc_ns ? r->alloc_ns : ns;
			r->free_tid = tid;
			r->temporary = (uint8_t)temporary;
			if (agg_free(p, r->site, r->size, r->alloc_ns, r->free_ns, temporary) < 0)
				goto out_oom;
			return 0;
		}
		uint64_t li;
		if (!u64map_del(&p->late_idx, key, &li)) {
			snprintf(err, errlen, "internal error: lost track of allocation %lld", (long long)id);
			return -1;
		}
		struct late *l = &p->late[li];
		if (ns < l->alloc_ns)
			ns = l->alloc_ns;
		struct dbq_op op = { .type = DBQ_FREE_LATE, .free_ns = ns, .free_tid = tid > 0 ? tid : -1,
		                     .temporary = temporary, .id = l->id };
		if (dbq_push(p->q, &op, err, errlen) < 0)
			return -1;
		if (agg_free(p, l->site, l->size, l->alloc_ns, ns, temporary) < 0)
			goto out_oom;
		l->id = -1;
		return 0;
	}
	/* Not seen yet: another thread's allocation written later. */
	if (early_free(p, key, ns, tid, temporary) < 0)
		goto out_oom;
	return 0;
out_oom:
	err_oom(err, errlen);
	return -1;
}

static int do_free(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary,
                   char *err, size_t errlen);

/* How a mode frees the allocation recorded under key: do_free or slot_free. */
typedef int free_fn(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary,
                    char *err, size_t errlen);

/* The end of recording an allocation, the same in every mode: count it for
 * its site, index its row (ring id or slot) as pending under key, and apply
 * the free that arrived before it, if one did. Returns 0 or -1 with err. */
static int alloc_done(struct pass2 *p, uint64_t key, uint64_t row, long site, uint64_t size,
                      int64_t ns, free_fn *fr, char *err, size_t errlen)
{
	if (agg_alloc(p, &p->sites[site], size, ns) < 0 || u64map_put(&p->pending, key, row) < 0)
		return err_oom(err, errlen);
	uint64_t ei;
	if (p->nearly && u64map_del(&p->early_idx, key, &ei))
		return fr(p, key, p->early[ei].free_ns, p->early[ei].free_tid, p->early[ei].temporary,
		          err, errlen);
	return 0;
}

static int ring_alloc(struct pass2 *p, uint32_t idx, const struct ml_event *ev, int64_t ns,
                      int64_t tid, char *err, size_t errlen)
{
	if (p->next - p->base >= WINDOW && ring_flush(p, 0, err, errlen) < 0)
		return -1;
	long site = site_for_local(p, ev->stack);
	if (site < 0)
		goto out_oom;
	uint64_t key = TM_KEY(idx, ev->seq);
	int64_t id = p->next++;
	struct row *r = &p->ring[id & (WINDOW - 1)];
	memset(r, 0, sizeof *r);
	r->id = id;
	r->key = key;
	r->addr = ev->addr;
	r->size = ev->size;
	r->alloc_ns = ns;
	r->alloc_tid = ev->kind == ML_KIND_INHERITED ? -1 : tid;
	r->site = (uint32_t)site;
	r->kind = (uint8_t)ev->kind;
	r->used = 1;
	return alloc_done(p, key, (uint64_t)id, site, ev->size, ns, do_free, err, errlen);
out_oom:
	err_oom(err, errlen);
	return -1;
}

/* ---------------------------------------------------------------- live and none modes */

/*
 * Without a row per allocation the blocks not yet freed wait in slots,
 * found by key through `pending`. A row is written only for a block a
 * mid-run scan classified (when it is freed) and, at the end, for every
 * block still live (live mode only).
 */
static int slot_row(struct pass2 *p, const struct slot *sl, int64_t free_ns, int64_t free_tid,
                    int temporary, int leak, char *err, size_t errlen)
{
	struct gsite *g = &p->sites[sl->site];
	struct dbq_op op = {
		.type = DBQ_INSERT, .kind = sl->kind, .temporary = temporary, .id = sl->id,
		.addr = (int64_t)sl->addr, .size = (int64_t)sl->size, .alloc_ns = sl->alloc_ns,
		.free_ns = free_ns, .alloc_tid = sl->alloc_tid > 0 ? sl->alloc_tid : -1,
		.free_tid = free_ns < 0 || free_tid <= 0 ? -1 : free_tid,
		.stack_id = g->stack_id > 0 ? g->stack_id : -1, .leak = leak,
	};
	if (dbq_push(p->q, &op, err, errlen) < 0)
		return -1;
	return mid_scans_push(p, sl->key, sl->id, err, errlen);
}

static int slot_free(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary,
                     char *err, size_t errlen)
{
	uint64_t i;
	if (!u64map_del(&p->pending, key, &i)) {
		/* Not seen yet: another thread's allocation written later. */
		if (early_free(p, key, ns, tid, temporary) < 0)
			goto out_oom;
		return 0;
	}
	struct slot *sl = &p->slots[i];
	if (ns < sl->alloc_ns)
		ns = sl->alloc_ns;
	if (agg_free(p, sl->site, sl->size, sl->alloc_ns, ns, temporary) < 0)
		goto out_oom;
	if (p->mode == ALLOC_ROWS_LIVE && p->nmid && u64map_get(&p->mid_idx, key, NULL) &&
	    slot_row(p, sl, ns, tid, temporary, 0, err, errlen) < 0)
		return -1;
	sl->key = 0;
	uint32_t *h = VEC_PUSH(p->holes, p->nholes, p->capholes);
	if (!h)
		goto out_oom;
	*h = (uint32_t)i;
	return 0;
out_oom:
	err_oom(err, errlen);
	return -1;
}

static int slot_alloc(struct pass2 *p, uint32_t idx, const struct ml_event *ev, int64_t ns,
                      int64_t tid, char *err, size_t errlen)
{
	long site = site_for_local(p, ev->stack);
	if (site < 0)
		goto out_oom;
	uint64_t key = TM_KEY(idx, ev->seq);
	size_t i;
	if (p->nholes) {
		i = p->holes[--p->nholes];
	} else {
		if (p->nslots >= UINT32_MAX || !VEC_PUSH(p->slots, p->nslots, p->capslots))
			goto out_oom;
		i = p->nslots - 1;
	}
	struct slot *sl = &p->slots[i];
	sl->id = p->next++;
	sl->key = key;
	sl->addr = ev->addr;
	sl->size = ev->size;
	sl->alloc_ns = ns;
	sl->alloc_tid = ev->kind == ML_KIND_INHERITED ? -1 : tid;
	sl->site = (uint32_t)site;
	sl->kind = (uint8_t)ev->kind;
	return alloc_done(p, key, i, site, ev->size, ns, slot_free, err, errlen);
out_oom:
	err_oom(err, errlen);
	return -1;
}

static int do_free(struct pass2 *p, uint64_t key, int64_t ns, int64_t tid, int temporary,
                   char *err, size_t errlen)
{
	if (p->mode == ALLOC_ROWS_ALL)
		return ring_free(p, key, ns, tid, temporary, err, errlen);
	return slot_free(p, key, ns, tid, temporary, err, errlen);
}

static int do_alloc(struct pass2 *p, uint32_t idx, const struct ml_event *ev, int64_t ns,
                    int64_t tid, char *err, size_t errlen)
{
	if (p->mode == ALLOC_ROWS_ALL)
		return ring_alloc(p, idx, ev, ns, tid, err, errlen);
	return slot_alloc(p, idx, ev, ns, tid, err, errlen);
}

/*
 * tm_tick_ns, remembering the calibration segment: consecutive events
 * almost always fall in the same one, so the search is skipped. The
 * search and the arithmetic are tm_tsc_ns's (tracemeta.h), so the result
 * is the same.
 */
static inline int64_t tick_ns(struct pass2 *p, uint64_t tick)
{
	const struct trace_meta *m = p->m;
	uint64_t tsc = m->tsc0 + (tick << m->tick_shift);
	size_t lo = p->seg;
	if (m->npts < 2 || lo + 1 >= m->npts || tsc < m->pt_tsc[lo] || tsc >= m->pt_tsc[lo + 1] ||
	    tsc <= m->pt_tsc[0]) {
		if (m->npts < 2 || tsc <= m->pt_tsc[0] || tsc >= m->pt_tsc[m->npts - 1])
			return tm_tsc_ns(m, tsc);
		p->seg = lo = tm_segment(m, tsc);
	}
	return tm_segment_ns(m, lo, tm_segment_slope(m, lo), tsc);
}

int pass2_frame(struct pass2 *p, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	struct ml_events c;
	struct ml_event ev;
	if (ml_events_begin(&c, data, len) < 0) {
		snprintf(err, errlen, "corrupt trace: malformed events frame");
		return -1;
	}
	int64_t tid = tm_idx_tid(p->m, c.thread_idx);
	/* A thread's events after one of its marks (a snapshot, the start of
	 * exit) are no earlier than the mark, though their ticks may say so. */
	uint64_t fl = 0;
	u64map_get(&p->floor_ns, (uint64_t)c.thread_idx + 1, &fl);
	int64_t floor = (int64_t)fl;
	int rc;
	while ((rc = ml_events_next(&c, &ev)) == 1) {
		int64_t ns = tick_ns(p, ev.tick);
		if (ns < floor)
			ns = floor;
		if (ev.type == ML_E_MARK) {
			int64_t t = tm_tsc_ns(p->m, p->m->tsc0 + ev.mark_tsc);
			if (t > floor) {
				floor = t;
				if (u64map_put(&p->floor_ns, (uint64_t)c.thread_idx + 1, (uint64_t)t) < 0) {
					err_oom(err, errlen);
					return -1;
				}
			}
			continue;
		}
		p->events++;
		switch (ev.type) {
		case ML_E_ALLOC:
			if (do_alloc(p, c.thread_idx, &ev, ns, tid, err, errlen) < 0)
				return -1;
			break;
		case ML_E_FREE:
		case ML_E_REALLOC:
			if (do_free(p, TM_KEY(ev.ref_idx, ev.ref_seq), ns, tid,
			            ev.own && ev.distance == 1, err, errlen) < 0)
				return -1;
			if (ev.type == ML_E_REALLOC && do_alloc(p, c.thread_idx, &ev, ns, tid, err, errlen) < 0)
				return -1;
			break;
		case ML_E_FREE_UNKNOWN:
			p->unknown++;
			break;
		case ML_E_REALLOC_UNKNOWN:
			p->unknown++;
			if (do_alloc(p, c.thread_idx, &ev, ns, tid, err, errlen) < 0)
				return -1;
			break;
		}
		if (ev.type != ML_E_ALLOC && p->mode == ALLOC_ROWS_ALL && p->next > p->base &&
		    p->ring[p->base & (WINDOW - 1)].freed && ring_flush(p, 0, err, errlen) < 0)
			return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "corrupt trace: malformed event in thread %u's records", c.thread_idx);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- setup */

static int cmp_phase(const void *a, const void *b)
{
	const struct phase_live *x = a, *y = b;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static int cmp_leak(const void *a, const void *b)
{
	const struct tm_leak *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The points where live bytes per site are recorded: the program's own
 * snapshots with start and exit, or, for a program that takes none, up to
 * 64 evenly spaced samples. */
static int choose_phases(struct pass2 *p)
{
	const struct trace_meta *m = p->m;
	size_t users = 0, samples = 0;
	for (size_t i = 0; i < m->nsnaps; i++) {
		users += m->snaps[i].kind == ML_SNAP_USER;
		samples += m->snaps[i].kind == ML_SNAP_SAMPLE;
	}
	p->ph = calloc(MAX_PHASES + 2, sizeof *p->ph);
	if (!p->ph)
		return -1;
	size_t step = samples > 64 ? samples / 64 : 1, k = 0;
	for (size_t i = 0; i < m->nsnaps && p->nph < MAX_PHASES; i++) {
		const struct tm_snapshot *s = &m->snaps[i];
		int take = s->kind != ML_SNAP_SAMPLE;
		if (!users && s->kind == ML_SNAP_SAMPLE)
			take = (k++ % step) == 0;
		if (take) {
			p->ph[p->nph].seq = s->seq;
			p->ph[p->nph].ns = s->ns;
			p->nph++;
		}
	}
	qsort(p->ph, p->nph, sizeof *p->ph, cmp_phase);
	return 0;
}

/* Bucket width: about TL_TARGET buckets over what pass 1 saw of the run. */
static int64_t tl_width_for(const struct trace_meta *m)
{
	int64_t end = m->have_end ? m->end_ns : 0;
	for (size_t i = 0; i < m->nsnaps; i++)
		if (m->snaps[i].ns > end)
			end = m->snaps[i].ns;
	int64_t w = (end + TL_TARGET - 1) / TL_TARGET;
	return w > 0 ? w : 1;
}

struct pass2 *pass2_new(sqlite3 *db, struct trace_meta *m, int64_t process_id, int64_t first_id,
                        int mode, char *err, size_t errlen)
{
	struct pass2 *p = calloc(1, sizeof *p);
	if (!p)
		goto out_oom;
	p->db = db;
	p->m = m;
	p->process_id = process_id;
	p->mode = mode;
	p->base = p->next = first_id;
	p->settle_lo = p->settle_hi = 0;
	if (mode == ALLOC_ROWS_ALL && !(p->ring = calloc(WINDOW, sizeof *p->ring)))
		goto out_oom;
	if (choose_phases(p) < 0 || !(p->tl = calloc(TL_MAX, sizeof *p->tl)))
		goto out_oom;
	for (size_t i = 0; i < TL_MAX; i++)
		p->tl[i].max_ns = -1;
	p->tl_width = tl_width_for(m);
	p->tl_lo = 1;
	p->tl_hi = 0;
	if (!(p->q = dbq_start(db, process_id, err, errlen))) {
		pass2_free(p);
		return NULL;
	}
	/* mid-run scans: every leak record not from the exit scan */
	for (size_t i = 0; i < m->nleaks; i++) {
		if (m->have_exit_scan && m->leaks[i].snap == m->exit_scan_snap)
			continue;
		if (!p->mid && !(p->mid = malloc(m->nleaks * sizeof *p->mid)))
			goto out_oom;
		p->mid[p->nmid++] = m->leaks[i];
	}
	if (p->nmid)
		qsort(p->mid, p->nmid, sizeof *p->mid, cmp_leak);
	for (size_t i = p->nmid; i-- > 0;)
		if (u64map_put(&p->mid_idx, p->mid[i].key, i) < 0)
			goto out_oom;
	return p;
out_oom:
	err_oom(err, errlen);
	pass2_free(p);
	return NULL;
}

/* ---------------------------------------------------------------- finish */

static int write_site_phases(struct pass2 *p, char *err, size_t errlen)
{
	if (!p->nph || !p->ndiffs)
		return 0;
	sqlite3_stmt *s = db_prepare(p->db, "INSERT INTO site_snapshots(process_id, snapshot_seq, stack_id,"
	                                    " live_allocs, live_bytes) VALUES (?,?,?,?,?)"
	                                    " ON CONFLICT DO UPDATE SET live_allocs = live_allocs + excluded.live_allocs,"
	                                    " live_bytes = live_bytes + excluded.live_bytes", err, errlen);
	if (!s)
		return -1;
	for (size_t site = 0; site < p->nsites; site++) {
		if (p->sites[site].stack_id <= 0)
			continue;
		uint64_t n = 0, b = 0;
		for (size_t k = 0; k < p->nph; k++) {
			uint64_t key = (((uint64_t)site << 12) | k) + 1, i;
			if (u64map_get(&p->diff_idx, key, &i)) {
				n += p->diffs[i].n;
				b += p->diffs[i].b;
			}
			if (!n && !b)
				continue;
			sqlite3_bind_int64(s, 1, p->process_id);
			sqlite3_bind_int64(s, 2, (int64_t)p->ph[k].seq);
			sqlite3_bind_int64(s, 3, p->sites[site].stack_id);
			sqlite3_bind_int64(s, 4, (int64_t)n);
			sqlite3_bind_int64(s, 5, (int64_t)b);
			if (db_step(p->db, s, err, errlen) < 0) {
				sqlite3_finalize(s);
				return -1;
			}
		}
	}
	sqlite3_finalize(s);
	return 0;
}

/* Sites' histograms (site_histograms). */
static int write_histograms(struct pass2 *p, char *err, size_t errlen)
{
	static const char *const kinds[2] = { "size", "lifetime" };
	sqlite3_stmt *s = db_prepare(p->db, "INSERT INTO site_histograms(process_id, stack_id, kind, bucket, lo, hi,"
	                                    " allocs, bytes) VALUES (?,?,?,?,?,?,?,?)"
	                                    " ON CONFLICT DO UPDATE SET allocs = allocs + excluded.allocs,"
	                                    " bytes = bytes + excluded.bytes", err, errlen);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t site = 0; site < p->nsites && rc == 0; site++) {
		const struct site_hist *h = p->sites[site].hist;
		for (int k = 0; h && k < 2 && rc == 0; k++) {
			for (unsigned b = 0; b < HIST_BUCKETS && rc == 0; b++) {
				if (!h->n[k][b])
					continue;
				sqlite3_bind_int64(s, 1, p->process_id);
				sqlite3_bind_int64(s, 2, p->sites[site].stack_id);
				sqlite3_bind_text(s, 3, kinds[k], -1, SQLITE_STATIC);
				sqlite3_bind_int(s, 4, (int)b);
				sqlite3_bind_int64(s, 5, b ? (int64_t)1 << b : 0);
				db_bind_opt(s, 6, b + 1 < HIST_BUCKETS ? (int64_t)1 << (b + 1) : -1);
				sqlite3_bind_int64(s, 7, (int64_t)h->n[k][b]);
				sqlite3_bind_int64(s, 8, (int64_t)h->b[k][b]);
				rc = db_step(p->db, s, err, errlen);
			}
		}
	}
	sqlite3_finalize(s);
	return rc;
}

/* The timeline's buckets, each with the true peak of Alloc inside it. */
static int write_timeline(struct pass2 *p, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_prepare(p->db, "INSERT INTO timeline(process_id, seq, start_ns, end_ns, allocs,"
	                                    " alloc_bytes, frees, free_bytes, live_allocs, live_bytes, peak_bytes,"
	                                    " peak_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", err, errlen);
	if (!s)
		return -1;
	int64_t live = 0, nlive = 0;
	int rc = 0;
	for (size_t i = 0; i < p->ntl && rc == 0; i++) {
		const struct tbucket *t = &p->tl[i];
		int64_t start = (int64_t)i * p->tl_width;
		int64_t top = wrap_add(live, t->maxrun), top_ns = t->max_ns >= 0 ? t->max_ns : start;
		live = wrap_add(live, t->run);
		nlive = wrap_add(nlive, (int64_t)(t->allocs - t->frees));
		sqlite3_bind_int64(s, 1, p->process_id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		sqlite3_bind_int64(s, 3, start);
		sqlite3_bind_int64(s, 4, start + p->tl_width);
		sqlite3_bind_int64(s, 5, (int64_t)t->allocs);
		sqlite3_bind_int64(s, 6, (int64_t)t->abytes);
		sqlite3_bind_int64(s, 7, (int64_t)t->frees);
		sqlite3_bind_int64(s, 8, (int64_t)t->fbytes);
		sqlite3_bind_int64(s, 9, nlive);
		sqlite3_bind_int64(s, 10, live);
		sqlite3_bind_int64(s, 11, top);
		sqlite3_bind_int64(s, 12, top_ns);
		rc = db_step(p->db, s, err, errlen);
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return -1;
	return 0;
}

/* A block live at the end: its leak class into its site, and live at
 * every phase from its allocation on. */
static int end_live(struct pass2 *p, uint32_t site, uint64_t size, int64_t alloc_ns, uint64_t key,
                    uint64_t *cls_out)
{
	uint64_t cls = 0;
	if (p->m->have_exit_scan) {
		cls = ML_LEAK_REACHABLE;
		u64map_get(&p->m->exit_leaks, key, &cls);
	}
	if (cls > ML_LEAK_POSSIBLE)
		cls = 0;
	struct gsite *g = &p->sites[site];
	g->n[cls]++;
	g->b[cls] += size;
	*cls_out = cls;
	return phase_span(p, site, size, alloc_ns, -1);
}

static int cmp_slot_id(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int pass2_finish(struct pass2 *p, char *err, size_t errlen)
{
	uint64_t cls;
	/* Frees whose allocation never appeared (lost with a killed process). */
	p->unknown += p->early_idx.n;
	if (p->mode == ALLOC_ROWS_ALL) {
		if (ring_flush(p, 1, err, errlen) < 0)
			return -1;
		/* Blocks live at the end: every row written as live and never
		 * updated. Leak class 0 when no exit scan ran. */
		for (size_t slot = 0; p->late_idx.keys && slot <= p->late_idx.mask; slot++) {
			uint64_t key = p->late_idx.keys[slot];
			if (!key)
				continue;
			struct late *l = &p->late[p->late_idx.vals[slot]];
			if (end_live(p, l->site, l->size, l->alloc_ns, key, &cls) < 0)
				goto out_oom;
		}
	} else {
		/* the slots still in use, in id order, become the live rows */
		size_t n = 0;
		for (size_t i = 0; i < p->nslots; i++)
			if (p->slots[i].key)
				p->slots[n++] = p->slots[i];
		p->nslots = n;
		p->nholes = 0;
		if (n)
			qsort(p->slots, n, sizeof *p->slots, cmp_slot_id);
		for (size_t i = 0; i < n; i++) {
			const struct slot *sl = &p->slots[i];
			if (end_live(p, sl->site, sl->size, sl->alloc_ns, sl->key, &cls) < 0)
				goto out_oom;
			if (p->mode == ALLOC_ROWS_LIVE &&
			    slot_row(p, sl, -1, 0, 0, p->m->have_exit_scan ? (int)cls : 0, err, errlen) < 0)
				return -1;
		}
	}
	/* every row is queued: wait for the database thread */
	struct dbq *q = p->q;
	p->q = NULL;
	if (dbq_finish(q, err, errlen) < 0)
		return -1;
	if (write_site_phases(p, err, errlen) < 0 || write_histograms(p, err, errlen) < 0)
		return -1;
	return write_timeline(p, err, errlen);
out_oom:
	err_oom(err, errlen);
	return -1;
}

uint64_t pass2_events(const struct pass2 *p)
{
	return p->events;
}

uint64_t pass2_unknown_frees(const struct pass2 *p)
{
	return p->unknown;
}

int64_t pass2_next_id(const struct pass2 *p)
{
	return p->next;
}

const struct gsite *pass2_sites(const struct pass2 *p, size_t *n)
{
	*n = p->nsites;
	return p->sites;
}

void pass2_free(struct pass2 *p)
{
	if (!p)
		return;
	if (p->q)
		dbq_abort(p->q);  /* an error: nothing more reaches the database */
	free(p->ring);
	u64map_free(&p->pending);
	u64map_free(&p->early_idx);
	free(p->early);
	u64map_free(&p->late_idx);
	free(p->late);
	u64map_free(&p->site_of);
	u64map_free(&p->local_site);
	free(p->ph);
	u64map_free(&p->diff_idx);
	free(p->diffs);
	free(p->mid);
	u64map_free(&p->mid_idx);
	u64map_free(&p->floor_ns);
	for (size_t i = 0; p->sites && i < p->nsites; i++)
		free(p->sites[i].hist);
	free(p->sites);
	free(p->slots);
	free(p->holes);
	free(p->tl);
	free(p);
}
