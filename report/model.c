/*
 * model.c - from loaded tables to the template's model. See model.h and
 * templates/README.md (the names below are the templates' contract).
 *
 * Every list is bounded (top-N), and every chart is downsampled by svg.c,
 * so the page stays a few MB however large the trace.
 */
#include "report/symstatus.h"
#include "report/model.h"
#include "report/go_gc.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/cxxname.h"
#include "ingest/sitename.h"
#include "report/flame.h"
#include "report/metrics.h"
#include "report/svg.h"
#include "report/units.h"

#define TOP_SITES 20       /* rows in each "top sites" table */
#define TOP_BUSY 10        /* busiest sites under Allocation rate */
#define TOP_LEAKS 50       /* rows in the leaks table */
#define MAX_KEY 60         /* program snapshots shown in tables */
#define MAX_COMPOSITION 12 /* bars in the composition picture */
#define MAX_TIMELINE 60    /* threads drawn in the timeline */
#define MAX_THREAD_ROWS 100
#define MAX_RESOURCE_ROWS 200
#define MAX_FRAMES 64      /* frames shown per stack */
#define NAME_LONG 60       /* names longer than this have their templates abbreviated */
#define NAME_SHOWN 240     /* bytes of a name shown in the text, at most */
#define NAME_TIP 2048      /* bytes of a name in its tooltip, at most (the database keeps it all) */
#define TEXT_CAP 4096      /* bytes of an evidence text shown, at most */

#define CHECK_MARK "\xe2\x9c\x93" /* ✓ */
#define CROSS_MARK "\xe2\x9c\x97" /* ✗ */
#define DASH "\xe2\x80\x93"       /* – */

static const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* ------------------------------------------------------------ stacks */

struct stack_entry {
	long long id;
	struct rp_frame *frames;
	int n; /* -1: empty slot */
};

struct stack_cache {
	sqlite3 *db;
	sqlite3_stmt *st;
	struct stack_entry *tab;
	size_t cap, count;
};

static size_t stack_hash(long long id, size_t cap)
{
	unsigned long long h = (unsigned long long)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 17) & (cap - 1);
}

static int stack_cache_grow(struct stack_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 1024, i;
	struct stack_entry *nt = malloc(ncap * sizeof *nt);

	if (!nt)
		return -1;
	for (i = 0; i < ncap; i++)
		nt[i].n = -1;
	for (i = 0; i < c->cap; i++) {
		size_t h;

		if (c->tab[i].n < 0)
			continue;
		for (h = stack_hash(c->tab[i].id, ncap); nt[h].n >= 0; h = (h + 1) & (ncap - 1))
			;
		nt[h] = c->tab[i];
	}
	free(c->tab);
	c->tab = nt;
	c->cap = ncap;
	return 0;
}

/* The frames of a stack (cached); NULL with *n = 0 if none or on error. */
static const struct rp_frame *stack_get(struct stack_cache *c, long long id, int *n)
{
	struct rp_frame *fr;
	size_t h;
	int k;

	*n = 0;
	if (id == 0)
		return NULL;
	if ((c->count + 1) * 2 > c->cap && stack_cache_grow(c) < 0)
		return NULL;
	for (h = stack_hash(id, c->cap); c->tab[h].n >= 0; h = (h + 1) & (c->cap - 1)) {
		if (c->tab[h].id == id) {
			*n = c->tab[h].n;
			return c->tab[h].frames;
		}
	}
	if ((k = rp_stack(c->db, &c->st, id, &fr)) < 0)
		return NULL;
	c->tab[h].id = id;
	c->tab[h].frames = fr;
	c->tab[h].n = k;
	c->count++;
	*n = k;
	return fr;
}

static void stack_cache_free(struct stack_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->tab[i].n >= 0)
			rp_free_frames(c->tab[i].frames, (size_t)c->tab[i].n);
	free(c->tab);
	sqlite3_finalize(c->st);
}

/* A frame's name: its function, else module+offset. */
static const char *frame_label(const struct rp_frame *f, char *buf, size_t cap)
{
	const char *mod;

	if (f->function && f->function[0])
		return f->function;
	mod = f->module ? strrchr(f->module, '/') : NULL;
	mod = mod ? mod + 1 : f->module ? f->module : "??";
	if (!isnan(f->offset))
		snprintf(buf, cap, "%s+0x%llx", mod, (unsigned long long)f->offset);
	else
		snprintf(buf, cap, "%s", mod);
	return buf;
}

/*
 * s cut to at most cap - 1 bytes on a UTF-8 boundary, with "… (N more
 * bytes)" at the end when it was cut; into buf.
 */
static const char *cap_text(const char *s, char *buf, size_t cap)
{
	size_t n = strlen(s), keep;
	char tail[64];

	if (n < cap)
		return s;
	snprintf(tail, sizeof tail, "\xe2\x80\xa6 (%zu more bytes)", n - (cap - 64));
	keep = cap - 64;
	while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	memcpy(buf, s, keep);
	snprintf(buf + keep, cap - keep, "%s", tail);
	return buf;
}

/*
 * Set key to name as the page shows it, key_full to the whole name for a
 * tooltip (null when nothing was left out). Long template names are
 * abbreviated as heaptrack does (std::vector<…>::push_back(…)); every name
 * is capped, so one enormous symbol cannot swell the page.
 */
static void set_name(tal_value *d, const char *key, const char *key_full, const char *name)
{
	char shown[NAME_SHOWN], tip[NAME_TIP];
	size_t len;

	if (!name) {
		tal_set(d, key, tal_null());
		if (key_full)
			tal_set(d, key_full, tal_null());
		return;
	}
	len = strlen(name);
	if (len <= NAME_LONG) {
		tal_set_str(d, key, name);
		if (key_full)
			tal_set(d, key_full, tal_null());
		return;
	}
	cxxname_abbrev(name, shown, sizeof shown);
	tal_set_str(d, key, shown);
	if (key_full)
		tal_set_str(d, key_full, strcmp(shown, name) ? cap_text(name, tip, sizeof tip) : NULL);
}

/* stack: list of {fn, where, module, runtime, inlined}. */
static tal_value *stack_value(struct stack_cache *c, long long id)
{
	const struct rp_frame *fr;
	tal_value *list = tal_list();
	char buf[512];
	int n, i;

	fr = stack_get(c, id, &n);
	for (i = 0; i < n && i < MAX_FRAMES; i++) {
		tal_value *d = tal_dict();

		set_name(d, "fn", "fn_full", frame_label(&fr[i], buf, sizeof buf));
		if (fr[i].file && !isnan(fr[i].line))
			tal_set_strf(d, "where", "%.*s:%.0f", NAME_TIP, fr[i].file, fr[i].line);
		else if (fr[i].file)
			tal_set_strf(d, "where", "%.*s", NAME_TIP, fr[i].file);
		else
			tal_set(d, "where", tal_null());
		if (fr[i].module && !isnan(fr[i].offset))
			tal_set_strf(d, "module", "%s+0x%llx", base_name(fr[i].module),
				     (unsigned long long)fr[i].offset);
		else
			tal_set_str(d, "module", base_name(fr[i].module));
		tal_set_bool(d, "runtime", fr[i].runtime);
		tal_set_bool(d, "inlined", fr[i].inlined);
		tal_set(d, "class", fr[i].runtime ? tal_str("runtime") : tal_null());
		tal_push(list, d);
	}
	if (n > MAX_FRAMES) {
		tal_value *d = tal_dict();

		tal_set_strf(d, "fn", "(%d more frame%s)", n - MAX_FRAMES, n - MAX_FRAMES == 1 ? "" : "s");
		tal_set(d, "fn_full", tal_null());
		tal_set(d, "where", tal_null());
		tal_set(d, "module", tal_null());
		tal_set_bool(d, "runtime", 1);
		tal_set_bool(d, "inlined", 0);
		tal_set_str(d, "class", "runtime");
		tal_push(list, d);
	}
	return list;
}

/* ------------------------------------------------------------ formatting helpers */

static int set_bytes(tal_value *d, const char *key, double v)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_bytes(b, sizeof b, v));
}

static int set_count(tal_value *d, const char *key, double v)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_count(b, sizeof b, v));
}

static int set_duration(tal_value *d, const char *key, double ns)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_duration(b, sizeof b, ns));
}

/* n and its noun, singular or plural: "1 block", "2,048 blocks". */
static int set_count_noun(tal_value *d, const char *key, double n, const char *one,
			  const char *many)
{
	char b[UNITS_BUF];

	return tal_set_strf(d, key, "%s %s", units_count(b, sizeof b, n), n == 1 ? one : many);
}

static int set_percent(tal_value *d, const char *key, double f)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_percent(b, sizeof b, f));
}

static const char *status_mark(const char *status)
{
	if (!status)
		return DASH;
	if (strcmp(status, "pass") == 0)
		return CHECK_MARK;
	if (strcmp(status, "fail") == 0)
		return CROSS_MARK;
	return DASH;
}

/* "pass" -> "pass", "fail" -> "fail", anything else -> "na" (a CSS-safe class). */
static const char *status_class(const char *status)
{
	if (status && strcmp(status, "pass") == 0)
		return "pass";
	if (status && strcmp(status, "fail") == 0)
		return "fail";
	return "na";
}


/* ------------------------------------------------------------ per-process state */

struct proc_ctx {
	struct rp_process *p;
	struct stack_cache *stacks;
	const char *sfx; /* "" or "-pN" */
	const char *parent_sfx; /* the parent's suffix, NULL if it has no sections */
	int is_go;
	/* key snapshots: start, the program's own, exit (indices into p->snaps) */
	size_t *keyidx;
	const struct rp_snapshot **key;
	size_t nkey, b, f;
	char *last_label; /* owned copy if a sample stands in for exit */
	/* sites sorted by various keys (pointers into p->sites) */
	struct rp_site **by;
	double duration_ns;
	const struct sitename_rules *rules; /* the report's own --alloc-fn names, or NULL */
};

/*
 * Pick the snapshots the tables show (every one but the periodic samples;
 * the last sample stands in for a missing exit), and among them the
 * baseline and final pair. That pair is ingest's choice (verdicts.h),
 * read from the stored verdict, so that every comparison on the page is
 * between the snapshots the verdicts were made on. A database without
 * verdicts compares the first and the last.
 */
static int choose_keys(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	const struct rp_verdict *v = rp_verdict(p, "baseline");
	size_t i, n = 0, o = 0, bi = SIZE_MAX, fi = SIZE_MAX;
	int has_exit = 0;
	char *keep;

	if (!(pc->keyidx = malloc((p->nsnaps + 1) * sizeof *pc->keyidx)) ||
	    !(pc->key = malloc((p->nsnaps + 1) * sizeof *pc->key)))
		return -1;
	for (i = 0; i < p->nsnaps; i++)
		if (p->snaps[i].kind != SNAP_SAMPLE)
			pc->keyidx[n++] = i;
	/* a process that ended without an exit snapshot: its last sample stands in */
	for (i = 0; i < n; i++)
		has_exit |= p->snaps[pc->keyidx[i]].kind == SNAP_EXIT;
	if (!has_exit && p->nsnaps > 0 && p->snaps[p->nsnaps - 1].kind == SNAP_SAMPLE) {
		struct rp_snapshot *last = &p->snaps[p->nsnaps - 1];
		char *l = strdup("last sample");

		if (!l)
			return -1;
		free(last->label);
		last->label = l;
		pc->keyidx[n++] = p->nsnaps - 1;
	}
	for (i = 0; i < n; i++) {
		if (v && p->snaps[pc->keyidx[i]].seq == v->baseline_seq && bi == SIZE_MAX)
			bi = i;
		if (v && p->snaps[pc->keyidx[i]].seq == v->final_seq)
			fi = i;
	}
	if (bi == SIZE_MAX || fi == SIZE_MAX || fi < bi) {
		bi = 0;
		fi = n ? n - 1 : 0;
	}
	/* too many snapshots: the ends, the compared pair and an even spread */
	if (!(keep = calloc(n + 1, 1)))
		return -1;
	for (i = 0; i < n; i++)
		keep[i] = n <= MAX_KEY || i == bi || i == fi;
	for (i = 0; n > MAX_KEY && i < MAX_KEY; i++)
		keep[(size_t)((double)i * (double)(n - 1) / (double)(MAX_KEY - 1) + 0.5)] = 1;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (i == bi)
			pc->b = o;
		if (i == fi)
			pc->f = o;
		pc->keyidx[o] = pc->keyidx[i];
		pc->key[o] = &p->snaps[pc->keyidx[o]];
		o++;
	}
	free(keep);
	pc->nkey = o;
	if (!o)
		pc->b = pc->f = 0;
	return 0;
}

/* ------------------------------------------------------------ sorting sites */

static int cmp_desc(double a, double b)
{
	if (isnan(a))
		a = -1;
	if (isnan(b))
		b = -1;
	return a < b ? 1 : a > b ? -1 : 0;
}

static int by_bytes(const void *a, const void *b)
{
	const struct rp_site *x = *(struct rp_site *const *)a, *y = *(struct rp_site *const *)b;
	int c = cmp_desc(x->bytes, y->bytes);

	return c ? c : (x->stack_id > y->stack_id) - (x->stack_id < y->stack_id);
}

static int by_allocs(const void *a, const void *b)
{
	const struct rp_site *x = *(struct rp_site *const *)a, *y = *(struct rp_site *const *)b;
	int c = cmp_desc(x->allocs, y->allocs);

	return c ? c : by_bytes(a, b);
}

static int by_live(const void *a, const void *b)
{
	const struct rp_site *x = *(struct rp_site *const *)a, *y = *(struct rp_site *const *)b;
	int c = cmp_desc(x->live_bytes, y->live_bytes);

	return c ? c : by_bytes(a, b);
}

static int by_temporary(const void *a, const void *b)
{
	const struct rp_site *x = *(struct rp_site *const *)a, *y = *(struct rp_site *const *)b;
	int c = cmp_desc(x->temporary, y->temporary);

	return c ? c : by_allocs(a, b);
}

static int by_leak(const void *a, const void *b)
{
	const struct rp_site *x = *(struct rp_site *const *)a, *y = *(struct rp_site *const *)b;
	int c = cmp_desc(x->lost_bytes, y->lost_bytes);

	if (!c)
		c = cmp_desc(x->indirect_bytes, y->indirect_bytes);
	if (!c)
		c = cmp_desc(x->possible_bytes, y->possible_bytes);
	if (!c)
		c = cmp_desc(x->reachable_bytes, y->reachable_bytes);
	return c ? c : by_bytes(a, b);
}

/*
 * Put the first n sites under cmp, in order, at the front of pc->by; the
 * rest follow in no particular order. A three-way quickselect first, so
 * 100,000 sites cost one pass or so instead of a full sort per table.
 */
static void sort_sites(struct proc_ctx *pc, int (*cmp)(const void *, const void *), size_t n)
{
	struct rp_site **a = pc->by, *t;
	size_t lo = 0, hi = pc->p->nsites;

	if (n >= hi) {
		qsort(a, hi, sizeof *a, cmp);
		return;
	}
	while (hi - lo > 16) {
		struct rp_site *pivot = a[lo + (hi - lo) / 2];
		size_t lt = lo, i = lo, gt = hi;

		/* a[lo,lt) < pivot, a[lt,i) == pivot, a[gt,hi) > pivot */
		while (i < gt) {
			int c = cmp(&a[i], &pivot);

			if (c < 0) {
				t = a[lt], a[lt] = a[i], a[i] = t;
				lt++, i++;
			} else if (c > 0) {
				gt--;
				t = a[gt], a[gt] = a[i], a[i] = t;
			} else {
				i++;
			}
		}
		if (n < lt)
			hi = lt;
		else if (n >= gt)
			lo = gt;
		else
			break;
	}
	qsort(a, n, sizeof *a, cmp);
}

/*
 * Where site s is, as the page names it: the frame sitename.h's rule
 * picks. Ingest stored that frame's function, file and line; the stack is
 * read again only when the report was given more --alloc-fn names, or
 * when the picked frame has no name (a stripped static function): it is
 * then shown as module+offset, with the nearest named function calling it.
 * *fn points into the site, its cached stack, or buf.
 */
static void site_where(struct proc_ctx *pc, const struct rp_site *s, const char **fn,
		       const char **file, double *line, char *buf, size_t cap)
{
	const struct rp_frame *fr;
	struct sitename_frame *sf;
	char lb[256];
	int n, k, j;

	*fn = s->function;
	*file = s->file;
	*line = s->line;
	if (s->function && s->function[0] && !(pc->rules && pc->rules->nextra))
		return;
	fr = stack_get(pc->stacks, s->stack_id, &n);
	if (n <= 0 || !(sf = malloc((size_t)n * sizeof *sf))) {
		if (!*fn)
			*fn = "(unknown)";
		return;
	}
	for (k = 0; k < n; k++)
		sf[k] = (struct sitename_frame){ fr[k].function, fr[k].file, fr[k].runtime };
	k = sitename_pick(pc->rules, sf, n);
	free(sf);
	*file = fr[k].file;
	*line = fr[k].line;
	if (fr[k].function && fr[k].function[0]) {
		*fn = fr[k].function;
		return;
	}
	frame_label(&fr[k], lb, sizeof lb);
	for (j = k + 1; j < n; j++)
		if (fr[j].function && fr[j].function[0] &&
		    !sitename_skip(pc->rules, fr[j].function, fr[j].file, fr[j].runtime))
			break;
	if (j < n)
		snprintf(buf, cap, "%s, called from %.*s", lb, NAME_SHOWN, fr[j].function);
	else
		snprintf(buf, cap, "%s", lb);
	*fn = buf;
}

static tal_value *site_value(struct proc_ctx *pc, const struct rp_site *s, double total_bytes,
			     double total_allocs)
{
	tal_value *d = tal_dict();
	const char *fn, *file;
	double line;
	char buf[1024];

	site_where(pc, s, &fn, &file, &line, buf, sizeof buf);
	set_name(d, "function", "function_full", fn);
	if (file && !isnan(line))
		tal_set_strf(d, "location", "%.*s:%.0f", NAME_TIP, file, line);
	else if (file)
		tal_set_strf(d, "location", "%.*s", NAME_TIP, file);
	else
		tal_set(d, "location", tal_null());
	tal_set_int(d, "stack_id", s->stack_id);
	tal_set_bool(d, "runtime", s->runtime);
	set_count(d, "allocs", s->allocs);
	set_bytes(d, "bytes", s->bytes);
	set_count(d, "live_allocs", s->live_allocs);
	set_bytes(d, "live_bytes", s->live_bytes);
	set_bytes(d, "peak_live_bytes", s->peak_live_bytes);
	set_count(d, "temporary", s->temporary);
	set_percent(d, "temporary_share", s->allocs > 0 ? s->temporary / s->allocs : NAN);
	set_bytes(d, "avg_size", s->allocs > 0 ? s->bytes / s->allocs : NAN);
	set_percent(d, "bytes_share", total_bytes > 0 ? s->bytes / total_bytes : NAN);
	set_percent(d, "allocs_share", total_allocs > 0 ? s->allocs / total_allocs : NAN);
	set_count_noun(d, "live_blocks", s->live_allocs, "block", "blocks");
	set_count_noun(d, "lost_blocks", s->lost_allocs, "block", "blocks");
	set_count_noun(d, "indirect_blocks", s->indirect_allocs, "block", "blocks");
	set_count_noun(d, "reachable_blocks", s->reachable_allocs, "block", "blocks");
	set_count_noun(d, "possible_blocks", s->possible_allocs, "block", "blocks");
	set_count(d, "lost_allocs", s->lost_allocs);
	set_bytes(d, "lost_bytes", s->lost_bytes);
	set_count(d, "indirect_allocs", s->indirect_allocs);
	set_bytes(d, "indirect_bytes", s->indirect_bytes);
	set_count(d, "reachable_allocs", s->reachable_allocs);
	set_bytes(d, "reachable_bytes", s->reachable_bytes);
	tal_set_bool(d, "has_lost", s->lost_bytes > 0);
	tal_set_bool(d, "has_indirect", s->indirect_bytes > 0);
	tal_set_bool(d, "has_reachable", s->reachable_bytes > 0);
	set_count(d, "possible_allocs", s->possible_allocs);
	set_bytes(d, "possible_bytes", s->possible_bytes);
	tal_set_bool(d, "has_possible", s->possible_bytes > 0);
	tal_set(d, "stack", stack_value(pc->stacks, s->stack_id));
	return d;
}

/* Top n sites under cmp, as a list of site values. */
static tal_value *top_sites(struct proc_ctx *pc, int (*cmp)(const void *, const void *),
			    size_t n, double (*keep)(const struct rp_site *), double tb, double ta)
{
	tal_value *list = tal_list();
	size_t i, k = 0;

	sort_sites(pc, cmp, n);
	for (i = 0; i < pc->p->nsites && k < n; i++) {
		if (keep && !(keep(pc->by[i]) > 0))
			break;
		tal_push(list, site_value(pc, pc->by[i], tb, ta));
		k++;
	}
	return list;
}

static double site_bytes(const struct rp_site *s)
{
	return s->bytes;
}

static double site_allocs(const struct rp_site *s)
{
	return s->allocs;
}

static double site_live(const struct rp_site *s)
{
	return s->live_bytes;
}

static double site_temporary(const struct rp_site *s)
{
	return s->temporary;
}

static double site_any_leak(const struct rp_site *s)
{
	return (s->lost_bytes > 0 ? s->lost_bytes : 0) + (s->indirect_bytes > 0 ? s->indirect_bytes : 0) +
	       (s->reachable_bytes > 0 ? s->reachable_bytes : 0) +
	       (s->possible_bytes > 0 ? s->possible_bytes : 0);
}

/* ------------------------------------------------------------ metrics */

/*
 * A chart from the timeline (ingest's fixed time buckets, counted from
 * every event): Alloc with each bucket's true peak (what == 0), or the
 * bytes (1) or allocations (2) allocated per second. Snapshots alone miss
 * what happens between them: a short run has only start and exit.
 */
static xmlNodePtr timeline_chart(struct proc_ctx *pc, int what, const char *name, enum svg_unit unit)
{
	struct rp_process *p = pc->p;
	size_t n = 0, i, k = 0;
	double *x = malloc((2 * p->nticks + 1) * sizeof *x), *y = malloc((2 * p->nticks + 1) * sizeof *y);
	struct svg_mark *marks = malloc((pc->nkey + 1) * sizeof *marks);
	struct svg_series s = { name, "s1", y };
	struct svg_line_chart c = { 0 };
	xmlNodePtr svg = NULL;
	char title[128];

	if (!x || !y || !marks)
		goto out_free;
	if (what == 0) {
		x[n] = 0;
		y[n++] = 0;
	}
	for (i = 0; i < p->nticks; i++) {
		const struct rp_tick *t = &p->ticks[i];
		if (what == 0) {
			x[n] = t->peak_ns < x[n - 1] ? x[n - 1] : t->peak_ns;
			y[n++] = t->peak_bytes;
			x[n] = t->end;
			y[n++] = t->live_bytes;
		} else {
			x[n] = t->end;
			y[n++] = t->end > t->start ? (what == 1 ? t->alloc_bytes : t->allocs) / (t->end - t->start) * 1e9
						   : NAN;
		}
	}
	for (i = 0; i < pc->nkey && n; i++) {
		size_t j = 0;
		while (j + 1 < n && x[j] < pc->key[i]->ts)
			j++;
		marks[k++] = (struct svg_mark){ j, pc->key[i]->label };
	}
	snprintf(title, sizeof title, "%s over time", name);
	c.title = title;
	c.x = x;
	c.n = n;
	c.series = &s;
	c.nseries = 1;
	c.yunit = unit;
	c.marks = marks;
	c.nmarks = k;
	c.area = 1;
	svg = svg_line_chart(&c);
out_free:
	free(x);
	free(y);
	free(marks);
	return svg;
}

/* Chart of metric m over all snapshots, with the key snapshots marked. */
static xmlNodePtr metric_chart(struct proc_ctx *pc, enum metric_id m)
{
	static const struct {
		enum metric_id second;
		const char *name;
		int col; /* a snapshot column, or -1 for the second metric */
	} extra[M_COUNT] = {
		[M_SYS] = { M_COUNT, "RSS", SC_RSS },
		[M_HEAPINUSE] = { M_ALLOC, NULL, -1 },
		[M_HEAPIDLE] = { M_HEAPINUSE, NULL, -1 },
		[M_MALLOCS] = { M_FREES, NULL, -1 },
		[M_FREES] = { M_MALLOCS, NULL, -1 },
		[M_LIVE] = { M_HEAPOBJECTS, NULL, -1 },
		[M_ALLOC] = { M_COUNT, NULL, 0 },
	};
	struct rp_process *p = pc->p;
	size_t n = p->nsnaps, i, ns = 1;
	double *x = malloc((n + 1) * sizeof *x), *y1 = malloc((n + 1) * sizeof *y1);
	double *y2 = malloc((n + 1) * sizeof *y2);
	struct svg_series series[2];
	struct svg_mark *marks = malloc((pc->nkey + 1) * sizeof *marks);
	struct svg_line_chart c = { 0 };
	char title[128], name1[64];
	xmlNodePtr svg = NULL;

	if (!x || !y1 || !y2 || !marks)
		goto out_free;
	if (m == M_ALLOC && p->nticks) {
		svg = timeline_chart(pc, 0, metric_defs[m].name, metric_defs[m].unit);
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		x[i] = p->snaps[i].ts;
		y1[i] = metric_value(&p->snaps[i], m, pc->is_go);
	}
	snprintf(name1, sizeof name1, "%s", metric_defs[m].name);
	if (m == M_NUMGC && !pc->is_go)
		snprintf(name1, sizeof name1, "malloc_trim calls");
	if (m == M_GCCPUFRACTION && !pc->is_go)
		snprintf(name1, sizeof name1, "CPU share in the allocator");
	series[0] = (struct svg_series){ name1, "s1", y1 };
	if (extra[m].col > 0 || (extra[m].col == -1 && extra[m].second < M_COUNT)) {
		for (i = 0; i < n; i++)
			y2[i] = extra[m].col > 0 ? p->snaps[i].v[extra[m].col] :
						   metric_value(&p->snaps[i], extra[m].second, pc->is_go);
		series[1] = (struct svg_series){ extra[m].col > 0 ? extra[m].name :
								     metric_defs[extra[m].second].name,
						 "s2", y2 };
		ns = 2;
	}
	for (i = 0; i < pc->nkey; i++)
		marks[i] = (struct svg_mark){ pc->keyidx[i], pc->key[i]->label };
	snprintf(title, sizeof title, "%s over time", name1);
	c.title = title;
	c.x = x;
	c.n = n;
	c.series = series;
	c.nseries = ns;
	c.yunit = metric_defs[m].unit;
	c.marks = marks;
	c.nmarks = pc->nkey;
	c.area = metric_defs[m].unit == SVG_BYTES;
	svg = svg_line_chart(&c);
out_free:
	free(x);
	free(y1);
	free(y2);
	free(marks);
	return svg;
}

/* The extra column shown beside a metric's values, if any. */
static const char *aside_name(enum metric_id m, int is_go)
{
	switch (m) {
	case M_SYS:
		return "RSS";
	case M_STACKINUSE:
		return "Threads";
	case M_LIVE:
		return "HeapObjects";
	case M_HEAPIDLE:
		return "Releasable (keepcost)";
	case M_GCCPUFRACTION:
		return is_go ? NULL : "CPU in the allocator";
	case M_HEAPINUSE:
		return "Overhead (HeapInuse \xe2\x88\x92 Alloc)";
	default:
		return NULL;
	}
}

static tal_value *aside_value(const struct rp_snapshot *s, enum metric_id m)
{
	char b[UNITS_BUF];

	switch (m) {
	case M_SYS:
		return tal_str(units_bytes(b, sizeof b, s->v[SC_RSS]));
	case M_STACKINUSE:
		return tal_str(units_count(b, sizeof b, s->v[SC_THREADS]));
	case M_LIVE:
		/* the same count as HeapObjects by construction: no verdict mark */
		return tal_str(units_count(b, sizeof b, s->v[SC_HEAP_OBJECTS]));
	case M_HEAPIDLE:
		return tal_str(units_bytes(b, sizeof b, s->v[SC_KEEPCOST]));
	case M_GCCPUFRACTION:
		return tal_str(units_duration(b, sizeof b, s->v[SC_ALLOC_CPU_NS]));
	case M_HEAPINUSE:
		return tal_str(units_bytes(b, sizeof b, s->v[SC_HEAP_INUSE] - s->v[SC_ALLOC]));
	default:
		return tal_null();
	}
}

static const char *delta_class(double d)
{
	return isnan(d) ? "none" : d > 0 ? "up" : d < 0 ? "down" : "same";
}

/*
 * The class of a change of metric m: "up" and "down" (coloured as worse
 * and better) only for metrics that should come back to baseline; a
 * running total going up is just "grew".
 */
static const char *metric_delta_class(enum metric_id m, double d)
{
	if (metric_defs[m].kind == MK_RETURNS || isnan(d) || d == 0)
		return delta_class(d);
	return d > 0 ? "grew" : "fell";
}

static tal_value *metric_value_model(struct proc_ctx *pc, enum metric_id m)
{
	const struct metric_def *def = &metric_defs[m];
	tal_value *d = tal_dict(), *rows = tal_list();
	const struct rp_verdict *v = rp_verdict(pc->p, def->id);
	char buf[UNITS_BUF], cut[TEXT_CAP];
	const char *an = aside_name(m, pc->is_go);
	size_t k;

	tal_set_str(d, "id", def->id);
	tal_set_str(d, "name", def->name);
	tal_set_strf(d, "section", "metric-%s%s", def->id, pc->sfx);
	tal_set_str(d, "meaning", pc->is_go ? go_metric_meaning(m) : def->meaning);
	tal_set(d, "go_explain", pc->is_go ? go_metric_explain(m) : tal_null());
	tal_set_str(d, "back", def->back);
	tal_set_bool(d, "should_return", def->kind == MK_RETURNS);
	tal_set_bool(d, "native_stand_in",
		     (m == M_NUMGC || m == M_GCCPUFRACTION) && !pc->is_go);
	if (m == M_NUMGC)
		tal_set_str(d, "value_name", pc->is_go ? "NumGC" : "malloc_trim calls");
	else if (m == M_GCCPUFRACTION)
		tal_set_str(d, "value_name", pc->is_go ? "GCCPUFraction" : "alloc_cpu_fraction");
	else
		tal_set_str(d, "value_name", def->name);
	tal_set_str(d, "aside_name", an);
	for (k = 0; k < pc->nkey; k++) {
		const struct rp_snapshot *s = pc->key[k];
		double val = metric_value(s, m, pc->is_go);
		double dprev = k > 0 ? val - metric_value(pc->key[k - 1], m, pc->is_go) : NAN;
		double dbase = k > pc->b ? val - metric_value(pc->key[pc->b], m, pc->is_go) : NAN;
		tal_value *r = tal_dict();

		tal_set_str(r, "label", s->label);
		tal_set_str(r, "kind", s->kind == SNAP_USER ? "user" : s->kind == SNAP_START ? "start" :
					  s->kind == SNAP_EXIT ? "exit" : "sample");
		set_duration(r, "time", s->ts);
		tal_set_str(r, "value", metric_format(buf, sizeof buf, m, val));
		tal_set_str(r, "delta", k > 0 ? metric_format_delta(buf, sizeof buf, m, dprev) : "");
		tal_set_str(r, "delta_class", metric_delta_class(m, dprev));
		tal_set_str(r, "delta_base",
			    k > pc->b ? metric_format_delta(buf, sizeof buf, m, dbase) : "");
		tal_set_bool(r, "is_baseline", k == pc->b);
		tal_set_bool(r, "is_final", k == pc->f);
		tal_set_strf(r, "class", "%s%s%s",
			     s->kind == SNAP_USER ? "user" : s->kind == SNAP_START ? "start" :
			     s->kind == SNAP_EXIT ? "exit" : "sample",
			     k == pc->b && pc->b != pc->f ? " baseline" : "",
			     k == pc->f && pc->b != pc->f ? " final" : "");
		tal_set(r, "aside", an ? aside_value(s, m) : tal_null());
		tal_push(rows, r);
	}
	tal_set(d, "rows", rows);
	tal_set(d, "chart", tal_node(metric_chart(pc, m)));
	/* the verdict ingest made (ingest/verdicts.c); the page only shows it */
	tal_set_str(d, "verdict", v ? cap_text(v->detail, cut, sizeof cut) :
			"No verdict is recorded: this database was made by an older memledger. "
			"Load the trace again with memledger ingest.");
	tal_set_str(d, "status", v ? v->status : "n/a");
	tal_set_bool(d, "judged", v && v->judged);
	if (v && !v->judged) {
		/* a running total: no pass or fail to show */
		tal_set_str(d, "status_class", "info");
		tal_set_str(d, "mark", "");
	} else {
		tal_set_str(d, "status_class", status_class(v ? v->status : NULL));
		tal_set_str(d, "mark", status_mark(v ? v->status : NULL));
	}
	if (v && v->see && (strcmp(v->see, "leaks") == 0 || strcmp(v->see, "threads") == 0)) {
		tal_set_strf(d, "see_href", "#%s%s", v->see, pc->sfx);
		tal_set_str(d, "see_text", strcmp(v->see, "leaks") == 0 ? "see Leaks" : "see Threads");
	} else {
		tal_set(d, "see_href", tal_null());
		tal_set(d, "see_text", tal_null());
	}
	/* the value at the final snapshot, for the quick reference */
	tal_set_str(d, "final", pc->nkey ? metric_format(buf, sizeof buf, m,
							  metric_value(pc->key[pc->f], m, pc->is_go)) :
					    DASH);
	return d;
}

/* ------------------------------------------------------------ allocation rate */

static xmlNodePtr rate_chart(struct proc_ctx *pc, enum snap_col col, const char *name,
			     enum svg_unit unit)
{
	struct rp_process *p = pc->p;
	size_t n = p->nsnaps, i, k = 0, nm = 0;
	double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
	struct svg_mark *marks = malloc((pc->nkey + 1) * sizeof *marks);
	struct svg_series s = { name, "s1", y };
	struct svg_line_chart c = { 0 };
	xmlNodePtr svg = NULL;
	char title[128];

	if (!x || !y || !marks)
		goto out_free;
	if (p->nticks) {
		svg = timeline_chart(pc, col == SC_TOTAL_ALLOC ? 1 : 2, name, unit);
		goto out_free;
	}
	for (i = 1; i < n; i++) {
		double dt = p->snaps[i].ts - p->snaps[i - 1].ts;
		double dv = p->snaps[i].v[col] - p->snaps[i - 1].v[col];

		x[k] = p->snaps[i].ts;
		y[k] = dt > 0 && !isnan(dv) ? dv / dt * 1e9 : NAN;
		k++;
	}
	for (i = 0; i < pc->nkey; i++)
		if (pc->keyidx[i] >= 1)
			marks[nm++] = (struct svg_mark){ pc->keyidx[i] - 1, pc->key[i]->label };
	snprintf(title, sizeof title, "%s over time", name);
	c.title = title;
	c.x = x;
	c.n = k;
	c.series = &s;
	c.nseries = 1;
	c.yunit = unit;
	c.marks = marks;
	c.nmarks = nm;
	c.area = 1;
	svg = svg_line_chart(&c);
out_free:
	free(x);
	free(y);
	free(marks);
	return svg;
}

/*
 * A short label for a bar: the site's name abbreviated, and for an unnamed
 * frame the named caller first ("sqlite3VdbeMemGrow: libsqlite3.so.0+0xa72f5"),
 * so what a cut label keeps is the part that means something.
 */
static void site_bar_label(struct proc_ctx *pc, const struct rp_site *s, char *out, size_t cap)
{
	char tmp[1024], moved[1100];
	const char *n, *file, *via;
	double line;

	site_where(pc, s, &n, &file, &line, tmp, sizeof tmp);
	via = strstr(n, ", called from ");

	if (via) {
		snprintf(moved, sizeof moved, "%s: %.*s", via + 14, (int)(via - n), n);
		cxxname_abbrev(moved, out, cap);
	} else {
		cxxname_abbrev(n, out, cap);
	}
}

static tal_value *rate_model(struct proc_ctx *pc, double total_bytes, double total_allocs)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict(), *phases = tal_list();
	const struct rp_snapshot *first = p->nsnaps ? &p->snaps[0] : NULL;
	const struct rp_snapshot *last = p->nsnaps ? &p->snaps[p->nsnaps - 1] : NULL;
	double secs = first ? (last->ts - first->ts) / 1e9 : 0, peak = NAN, peak_t = NAN;
	struct svg_bar bars[TOP_BUSY];
	char buf[UNITS_BUF], names[TOP_BUSY][512];
	size_t i, nb = 0;

	tal_set(d, "chart_bytes",
		tal_node(rate_chart(pc, SC_TOTAL_ALLOC, "Bytes allocated per second", SVG_BYTE_RATE)));
	tal_set(d, "chart_allocs",
		tal_node(rate_chart(pc, SC_MALLOCS, "Allocations per second", SVG_COUNT_RATE)));
	for (i = 1; i < p->nsnaps; i++) {
		double dt = p->snaps[i].ts - p->snaps[i - 1].ts;
		double r = (p->snaps[i].v[SC_TOTAL_ALLOC] - p->snaps[i - 1].v[SC_TOTAL_ALLOC]) / dt * 1e9;

		if (!p->nticks && dt > 0 && !isnan(r) && (isnan(peak) || r > peak)) {
			peak = r;
			peak_t = p->snaps[i].ts;
		}
	}
	for (i = 0; i < p->nticks; i++) {
		double dt = p->ticks[i].end - p->ticks[i].start, r = p->ticks[i].alloc_bytes / dt * 1e9;

		if (dt > 0 && (isnan(peak) || r > peak)) {
			peak = r;
			peak_t = p->ticks[i].end;
		}
	}
	tal_set_str(d, "mean_bytes",
		    units_byte_rate(buf, sizeof buf,
				    secs > 0 && last ? (last->v[SC_TOTAL_ALLOC] - first->v[SC_TOTAL_ALLOC]) / secs : NAN));
	tal_set_str(d, "mean_allocs",
		    units_count_rate(buf, sizeof buf,
				     secs > 0 && last ? (last->v[SC_MALLOCS] - first->v[SC_MALLOCS]) / secs : NAN));
	if (p->nticks)
		tal_set_strf(d, "peak_label", "Peak over %s",
			     units_duration(buf, sizeof buf, p->ticks[0].end - p->ticks[0].start));
	else
		tal_set_str(d, "peak_label", "Peak between two samples");
	tal_set_str(d, "peak_bytes", units_byte_rate(buf, sizeof buf, peak));
	set_duration(d, "peak_at", peak_t);
	for (i = 1; i < pc->nkey; i++) {
		const struct rp_snapshot *a = pc->key[i - 1], *b = pc->key[i];
		double dt = (b->ts - a->ts) / 1e9;
		double db = b->v[SC_TOTAL_ALLOC] - a->v[SC_TOTAL_ALLOC];
		double dm = b->v[SC_MALLOCS] - a->v[SC_MALLOCS];
		double df = b->v[SC_FREES] - a->v[SC_FREES];
		double dl = b->v[SC_ALLOC] - a->v[SC_ALLOC];
		tal_value *r = tal_dict();

		tal_set_str(r, "from", a->label);
		tal_set_str(r, "to", b->label);
		set_duration(r, "duration", b->ts - a->ts);
		set_bytes(r, "bytes", db);
		set_count(r, "allocs", dm);
		set_count(r, "frees", df);
		tal_set_str(r, "byte_rate", units_byte_rate(buf, sizeof buf, dt > 0 ? db / dt : NAN));
		tal_set_str(r, "alloc_rate", units_count_rate(buf, sizeof buf, dt > 0 ? dm / dt : NAN));
		tal_set_str(r, "net", units_bytes_delta(buf, sizeof buf, dl));
		tal_set_str(r, "net_class", delta_class(dl));
		tal_set_bool(r, "in_program", i > pc->b && i <= pc->f);
		tal_push(phases, r);
	}
	tal_set(d, "phases", phases);
	tal_set(d, "busiest", top_sites(pc, by_allocs, TOP_BUSY, site_allocs, total_bytes, total_allocs));
	/* the same order, drawn */
	for (i = 0; i < pc->p->nsites && nb < TOP_BUSY; i++) {
		if (!(pc->by[i]->allocs > 0))
			break;
		site_bar_label(pc, pc->by[i], names[nb], sizeof names[nb]);
		bars[nb] = (struct svg_bar){ names[nb], pc->by[i]->allocs };
		nb++;
	}
	tal_set(d, "busiest_chart",
		nb ? tal_node(svg_bars("Allocations by site", bars, nb, SVG_COUNT)) : tal_null());
	return d;
}

/* ------------------------------------------------------------ phases */

static tal_value *phase_verdict(struct proc_ctx *pc, size_t k, const char **cls)
{
	const struct rp_snapshot *s = pc->key[k], *prev = k ? pc->key[k - 1] : NULL;
	double da, dobj;
	char a[UNITS_BUF], o[UNITS_BUF];
	char text[2048];
	size_t len;

	*cls = "neutral";
	if (k < pc->b)
		return tal_str("Before the baseline: the program had not reached its first own "
			       "snapshot yet.");
	if (k == pc->b)
		return tal_str(pc->nkey > 1 ? "Baseline: the rows below are compared with this one." :
					      "The only snapshot.");
	da = s->v[SC_ALLOC] - prev->v[SC_ALLOC];
	dobj = s->v[SC_HEAP_OBJECTS] - prev->v[SC_HEAP_OBJECTS];
	if (isnan(da) || isnan(dobj))
		snprintf(text, sizeof text, "Alloc or HeapObjects not recorded.");
	else if (da > 0 || (da == 0 && dobj > 0))
		snprintf(text, sizeof text, "Grew by %s in %s object%s since %s.",
			 units_bytes(a, sizeof a, da), units_count_delta(o, sizeof o, dobj),
			 fabs(dobj) == 1 ? "" : "s", prev->label);
	else if (da < 0)
		snprintf(text, sizeof text, "Released %s (%s object%s) since %s.",
			 units_bytes(a, sizeof a, -da), units_count_delta(o, sizeof o, dobj),
			 fabs(dobj) == 1 ? "" : "s", prev->label);
	else
		snprintf(text, sizeof text, "Unchanged since %s.", prev->label);
	len = strlen(text);
	if (k == pc->f) {
		/* the stored verdict of the baseline rule (ingest/verdicts.c) */
		const struct rp_verdict *v = rp_verdict(pc->p, "baseline");

		if (v && strcmp(v->status, "n/a") != 0) {
			*cls = strcmp(v->status, "pass") == 0 ? "pass" : "fail";
			snprintf(text + len, sizeof text - len, " %s", v->detail);
		}
	} else if (k > pc->f) {
		snprintf(text + len, sizeof text - len,
			 " After the program's last own snapshot: exit handlers and the runtime's "
			 "own cleanup ran here.");
	}
	return tal_str(text);
}

static tal_value *phases_model(struct proc_ctx *pc)
{
	tal_value *d = tal_dict(), *rows = tal_list(), *heads = tal_list();
	char buf[UNITS_BUF];
	size_t k;
	int m;

	for (m = 0; m < M_COUNT; m++) {
		tal_value *h = tal_dict();

		tal_set_str(h, "name", metric_defs[m].name);
		tal_set_strf(h, "href", "#metric-%s%s", metric_defs[m].id, pc->sfx);
		tal_push(heads, h);
	}
	for (k = 0; k < pc->nkey; k++) {
		const struct rp_snapshot *s = pc->key[k];
		tal_value *r = tal_dict(), *cells = tal_list();
		const char *cls;

		tal_set_str(r, "label", s->label);
		set_duration(r, "time", s->ts);
		tal_set_bool(r, "user", s->kind == SNAP_USER);
		for (m = 0; m < M_COUNT; m++) {
			tal_value *c = tal_dict();
			double v = metric_value(s, (enum metric_id)m, pc->is_go);
			double dv = k ? v - metric_value(pc->key[k - 1], (enum metric_id)m, pc->is_go) : NAN;

			tal_set_str(c, "value", metric_format(buf, sizeof buf, (enum metric_id)m, v));
			tal_set_str(c, "delta", k ? metric_format_delta(buf, sizeof buf, (enum metric_id)m, dv) : "");
			tal_set_str(c, "delta_class", metric_delta_class((enum metric_id)m, dv));
			tal_push(cells, c);
		}
		tal_set(r, "cells", cells);
		tal_set(r, "verdict", phase_verdict(pc, k, &cls));
		tal_set_str(r, "class", cls);
		tal_push(rows, r);
	}
	tal_set(d, "heads", heads);
	tal_set(d, "rows", rows);
	tal_set_int(d, "columns", 2 + M_COUNT);
	tal_set_bool(d, "own", pc->nkey > 0 && pc->key[pc->b]->kind == SNAP_USER);
	tal_set_str(d, "baseline", pc->nkey ? pc->key[pc->b]->label : NULL);
	tal_set_str(d, "final", pc->nkey ? pc->key[pc->f]->label : NULL);
	return d;
}

/* ------------------------------------------------------------ composition */

static tal_value *composition_model(struct proc_ctx *pc)
{
	tal_value *d = tal_dict(), *rows = tal_list();
	struct svg_stack_row srow[MAX_COMPOSITION];
	struct svg_segment segs[MAX_COMPOSITION][5];
	size_t pick[MAX_COMPOSITION], np = 0, k, i;
	int any_sys = 0;

	/* all key snapshots, or an even spread of them */
	for (k = 0; k < pc->nkey && k < MAX_COMPOSITION; k++) {
		size_t src = pc->nkey <= MAX_COMPOSITION ? k :
				(size_t)((double)k * (double)(pc->nkey - 1) / (MAX_COMPOSITION - 1) + 0.5);

		if (np == 0 || pick[np - 1] != src)
			pick[np++] = src;
	}
	for (i = 0; i < np; i++) {
		const struct rp_snapshot *s = pc->key[pick[i]];
		double alloc = s->v[SC_ALLOC], inuse = s->v[SC_HEAP_INUSE], idle = s->v[SC_HEAP_IDLE];
		double stack = s->v[SC_STACK_INUSE], sys = s->v[SC_SYS];
		double over = inuse - alloc, other = sys - inuse - idle - stack;
		tal_value *r = tal_dict();

		if (!isnan(sys))
			any_sys = 1;
		segs[i][0] = (struct svg_segment){ "Alloc (requested)", "seg-alloc", isnan(alloc) ? 0 : alloc };
		segs[i][1] = (struct svg_segment){ "allocator overhead", "seg-overhead",
						   isnan(over) || over < 0 ? 0 : over };
		segs[i][2] = (struct svg_segment){ "HeapIdle", "seg-idle", isnan(idle) ? 0 : idle };
		segs[i][3] = (struct svg_segment){ "StackInuse", "seg-stack", isnan(stack) ? 0 : stack };
		segs[i][4] = (struct svg_segment){ "other", "seg-other",
						   isnan(other) || other < 0 ? 0 : other };
		srow[i] = (struct svg_stack_row){ s->label, segs[i], 5, s->v[SC_RSS] };
		tal_set_str(r, "label", s->label);
		set_bytes(r, "sys", sys);
		set_bytes(r, "alloc", alloc);
		set_bytes(r, "overhead", isnan(over) || over < 0 ? NAN : over);
		set_bytes(r, "idle", idle);
		set_bytes(r, "stack", stack);
		set_bytes(r, "other", isnan(other) || other < 0 ? 0 : other);
		set_bytes(r, "rss", s->v[SC_RSS]);
		set_percent(r, "used_share", sys > 0 ? alloc / sys : NAN);
		tal_push(rows, r);
	}
	tal_set(d, "rows", rows);
	tal_set(d, "chart", np && any_sys ? tal_node(svg_stacked_bars("How Sys splits at each snapshot",
								      srow, np, "RSS", SVG_BYTES)) :
					    tal_null());
	return d;
}

/* ------------------------------------------------------------ checklist */

static const struct {
	const char *item, *title, *question, *how;
} check_items[] = {
	{ "threads_stopped", "Threads stopped",
	  "Had every thread the program started finished by the time it exited?",
	  "Lists threads created during the trace that were still running at exit. A running "
	  "thread keeps its stack and everything reachable from it alive." },
	{ "threads_joined", "Threads joined",
	  "Was every thread that finished also joined or detached?",
	  "Lists threads that returned but were never given to pthread_join or pthread_detach. "
	  "Until then their stacks and descriptors stay allocated." },
	{ "timers_stopped", "Timers stopped", "Were all timers disarmed and released?",
	  "Lists timerfd descriptors that were never closed and POSIX timers that were never "
	  "deleted. A live timer keeps firing and keeps its callback's data in use." },
	{ "containers_cleared", "Containers cleared",
	  "Were maps, vectors, queues and caches emptied when the work was done?",
	  "Lists call sites whose live bytes grew from one program snapshot to the next and still "
	  "hold memory at exit: the mark of a container that only ever grows." },
	{ "channels_closed", "Channels closed", "Were pipes, sockets and eventfds closed?",
	  "Lists pipes, socket pairs, sockets and eventfds opened during the trace and still open "
	  "at exit." },
	{ "settle_time", "Settle time",
	  "Was the last snapshot taken after the program had really finished cleaning up?",
	  "Looks for frees and thread exits after the program's last own snapshot. If there are "
	  "any, that snapshot came too early and overstates what was left behind." },
	{ "gc_repeated", "Collector run more than once",
	  "Was the garbage collector given more than one pass before measuring?",
	  "Only garbage-collected programs have a collector to repeat. C and C++ free memory "
	  "explicitly, so for them this item does not apply." },
	{ "global_references", "Global references",
	  "Do global variables still point at heap blocks?",
	  "Lists blocks live at exit that the exit scan reached from globals (.data and .bss), "
	  "thread stacks or thread-local storage. They are not lost, but nothing released them." },
	{ "baseline_returned", "Back to baseline", "Did memory come back to where it started?",
	  "Compares Alloc and HeapObjects at the program's last own snapshot with its first (with "
	  "the start when it took only one, start and exit when it took none), setting aside what "
	  "the C/C++ runtime allocated for itself. The same verdict, made once when the trace was "
	  "loaded, is shown for Alloc, HeapObjects, Live and HeapInuse and in the Phases table." },
};

static tal_value *checklist_model(struct proc_ctx *pc, tal_value **badges, int *nfail)
{
	tal_value *list = tal_list();
	size_t i, k, e;

	*badges = tal_list();
	*nfail = 0;
	for (i = 0; i < sizeof check_items / sizeof check_items[0]; i++) {
		const struct rp_check *c = NULL;
		tal_value *d = tal_dict(), *ev = tal_list(), *badge = tal_dict();
		const char *status;

		for (k = 0; k < pc->p->nchecks; k++)
			if (strcmp(pc->p->checks[k].item, check_items[i].item) == 0)
				c = &pc->p->checks[k];
		status = c ? c->status : "not evaluated";
		if (strcmp(status_class(status), "fail") == 0)
			(*nfail)++;
		tal_set_str(d, "item", check_items[i].item);
		tal_set_strf(d, "anchor", "check-%s%s", check_items[i].item, pc->sfx);
		tal_set_str(d, "title", check_items[i].title);
		tal_set_str(d, "question", check_items[i].question);
		tal_set_str(d, "how", check_items[i].how);
		tal_set_str(d, "status", status);
		tal_set_str(d, "status_class", status_class(status));
		tal_set_str(d, "mark", status_mark(status));
		tal_set_str(d, "detail", c ? c->detail : "The database has no result for this item.");
		for (e = 0; c && e < c->nev; e++) {
			tal_value *x = tal_dict();
			char cut[TEXT_CAP];

			tal_set_str(x, "text", c->ev[e].text ? cap_text(c->ev[e].text, cut, sizeof cut) : NULL);
			if (isnan(c->ev[e].value))
				tal_set(x, "value", tal_null());
			else
				tal_set_strf(x, "value", "%.0f", c->ev[e].value);
			tal_set(x, "stack", stack_value(pc->stacks, c->ev[e].stack_id));
			tal_push(ev, x);
		}
		tal_set(d, "evidence", ev);
		if (c && c->nev_total > c->nev)
			tal_set_strf(d, "more", "%zu more rows are in the checklist_evidence table.",
				     c->nev_total - c->nev);
		else
			tal_set(d, "more", tal_null());
		tal_push(list, d);
		tal_set_str(badge, "item", check_items[i].item);
		tal_set_str(badge, "title", check_items[i].title);
		tal_set_str(badge, "status", status);
		tal_set_str(badge, "status_class", status_class(status));
		tal_set_str(badge, "mark", status_mark(status));
		tal_set_strf(badge, "href", "#check-%s%s", check_items[i].item, pc->sfx);
		tal_push(*badges, badge);
	}
	return list;
}

/* ------------------------------------------------------------ leaks */

struct leak_totals {
	double lost_a, lost_b, ind_a, ind_b, reach_a, reach_b, poss_a, poss_b;
};

static void leak_totals(const struct rp_process *p, struct leak_totals *t)
{
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < p->nsites; i++) {
		const struct rp_site *s = &p->sites[i];

		t->lost_a += isnan(s->lost_allocs) ? 0 : s->lost_allocs;
		t->lost_b += isnan(s->lost_bytes) ? 0 : s->lost_bytes;
		t->ind_a += isnan(s->indirect_allocs) ? 0 : s->indirect_allocs;
		t->ind_b += isnan(s->indirect_bytes) ? 0 : s->indirect_bytes;
		t->reach_a += isnan(s->reachable_allocs) ? 0 : s->reachable_allocs;
		t->reach_b += isnan(s->reachable_bytes) ? 0 : s->reachable_bytes;
		t->poss_a += isnan(s->possible_allocs) ? 0 : s->possible_allocs;
		t->poss_b += isnan(s->possible_bytes) ? 0 : s->possible_bytes;
	}
}

static void set_leak_totals(tal_value *d, const struct leak_totals *t)
{
	set_count_noun(d, "lost_blocks", t->lost_a, "block", "blocks");
	set_count_noun(d, "indirect_blocks", t->ind_a, "block", "blocks");
	set_count_noun(d, "reachable_blocks", t->reach_a, "block", "blocks");
	set_count_noun(d, "possible_blocks", t->poss_a, "block", "blocks");
	set_bytes(d, "lost_bytes", t->lost_b);
	set_count(d, "lost_allocs", t->lost_a);
	set_bytes(d, "indirect_bytes", t->ind_b);
	set_count(d, "indirect_allocs", t->ind_a);
	set_bytes(d, "reachable_bytes", t->reach_b);
	set_count(d, "reachable_allocs", t->reach_a);
	set_bytes(d, "possible_bytes", t->poss_b);
	set_count(d, "possible_allocs", t->poss_a);
	tal_set_bool(d, "any_possible", t->poss_b > 0);
	tal_set_bool(d, "any", t->lost_b + t->ind_b + t->reach_b + t->poss_b > 0);
	tal_set_bool(d, "any_lost", t->lost_b > 0);
}

static tal_value *leaks_model(struct proc_ctx *pc, double tb, double ta)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict();
	struct leak_totals t;
	size_t i, nleak = 0;

	leak_totals(p, &t);
	set_leak_totals(d, &t);
	for (i = 0; i < p->nsites; i++)
		if (site_any_leak(&p->sites[i]) > 0)
			nleak++;
	tal_set_bool(d, "scanned", p->scanned);
	tal_set_bool(d, "hooks_bypassed", p->hooks_bypassed);
	tal_set_bool(d, "allocator_other", p->allocator_other && !p->hooks_bypassed);
	tal_set_str(d, "allocator", p->allocator ? p->allocator : "another module");
	if (!p->scanned)
		tal_set_str(d, "note",
			    "No reachability scan ran when this process ended (it did not exit "
			    "normally, or the tracer could not scan), so blocks live at its end are "
			    "not classified.");
	else if (!(t.lost_b + t.ind_b + t.reach_b + t.poss_b > 0))
		tal_set_str(d, "note", "The exit scan found no live blocks: nothing leaked.");
	else
		tal_set(d, "note", tal_null());
	tal_set(d, "sites", top_sites(pc, by_leak, TOP_LEAKS, site_any_leak, tb, ta));
	set_count(d, "site_count", (double)nleak);
	set_count_noun(d, "site_count_text", (double)nleak, "call site", "call sites");
	if (nleak > TOP_LEAKS)
		tal_set_strf(d, "more", "Showing the %d sites with the most lost bytes out of %zu.",
			     TOP_LEAKS, nleak);
	else
		tal_set(d, "more", tal_null());
	return d;
}

/* ------------------------------------------------------------ sites and flame graphs */

static tal_value *sites_model(struct proc_ctx *pc, double tb, double ta)
{
	tal_value *d = tal_dict();

	set_count(d, "count", (double)pc->p->nsites);
	tal_set_int(d, "top", TOP_SITES);
	{
		char n[UNITS_BUF];

		units_count(n, sizeof n, (double)pc->p->nsites);
		if (pc->p->nsites == 1)
			tal_set_str(d, "summary", "This process has 1 site.");
		else if (pc->p->nsites <= TOP_SITES)
			tal_set_strf(d, "summary", "This process has %s sites; each table lists all of them.", n);
		else
			tal_set_strf(d, "summary", "This process has %s sites; each table lists the top %d.", n,
				     TOP_SITES);
	}
	tal_set(d, "by_bytes", top_sites(pc, by_bytes, TOP_SITES, site_bytes, tb, ta));
	tal_set(d, "by_count", top_sites(pc, by_allocs, TOP_SITES, site_allocs, tb, ta));
	tal_set(d, "by_live", top_sites(pc, by_live, TOP_SITES, site_live, tb, ta));
	tal_set(d, "by_temporary", top_sites(pc, by_temporary, TOP_SITES, site_temporary, tb, ta));
	return d;
}

/* The flame graph section is built by report/flame.c; it reads stacks through our cache. */
static const struct rp_frame *flame_stack(void *ctx, long long stack_id, int *n)
{
	return stack_get(ctx, stack_id, n);
}

static tal_value *flame_model(struct proc_ctx *pc)
{
	return flame_section(pc->stacks->db, pc->p, flame_stack, pc->stacks);
}

/* ------------------------------------------------------------ threads and resources */

static tal_value *threads_model(struct proc_ctx *pc)
{
	static const char *const states[] = { "main", "running", "exited-unjoined", "joined",
					      "detached" };
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict(), *list = tal_list(), *counts = tal_list();
	size_t n = p->nthreads < MAX_TIMELINE ? p->nthreads : MAX_TIMELINE, i, s;
	struct svg_span *spans = calloc(n + 1, sizeof *spans);
	char (*labels)[160] = calloc(n + 1, sizeof *labels);
	char (*tips)[400] = calloc(n + 1, sizeof *tips);
	char (*classes)[40] = calloc(n + 1, sizeof *classes);
	double *mark_ts = malloc((pc->nkey + 1) * sizeof *mark_ts), t1 = pc->duration_ns;
	const char **mark_labels = malloc((pc->nkey + 1) * sizeof *mark_labels);
	char a[UNITS_BUF], b[UNITS_BUF];

	if (!spans || !labels || !tips || !classes || !mark_ts || !mark_labels) {
		tal_free(d);
		tal_free(list);
		tal_free(counts);
		d = NULL;
		goto out_free;
	}
	for (i = 0; i < p->nthreads; i++)
		if (!isnan(p->threads[i].end_ns) && p->threads[i].end_ns > t1)
			t1 = p->threads[i].end_ns;
	for (i = 0; i < n; i++) {
		const struct rp_thread *t = &p->threads[i];
		const char *state = t->state ? t->state : "unknown";

		snprintf(labels[i], sizeof labels[i], "%lld %s", t->tid,
			 t->start_function ? t->start_function : "");
		snprintf(tips[i], sizeof tips[i], "thread %lld (%s): %s, from %s to %s", t->tid,
			 t->start_function ? t->start_function : "?", state,
			 units_duration(a, sizeof a, isnan(t->start_ns) ? 0 : t->start_ns),
			 isnan(t->end_ns) ? "the end" : units_duration(b, sizeof b, t->end_ns));
		snprintf(classes[i], sizeof classes[i], "st-%s", state);
		spans[i] = (struct svg_span){ labels[i], isnan(t->start_ns) ? 0 : t->start_ns,
					      isnan(t->end_ns) ? t1 : t->end_ns, classes[i], tips[i] };
	}
	for (i = 0; i < pc->nkey; i++) {
		mark_ts[i] = pc->key[i]->ts;
		mark_labels[i] = pc->key[i]->label;
	}
	tal_set(d, "chart", p->nthreads ? tal_node(svg_timeline("Threads over time", spans, n, 0, t1,
								mark_ts, mark_labels, pc->nkey)) :
					  tal_null());
	for (i = 0; i < p->nthreads && i < MAX_THREAD_ROWS; i++) {
		const struct rp_thread *t = &p->threads[i];
		tal_value *r = tal_dict();
		int bad = t->state && (strcmp(t->state, "running") == 0 ||
				       strcmp(t->state, "exited-unjoined") == 0);

		tal_set_int(r, "tid", t->tid);
		set_name(r, "function", "function_full", t->start_function);
		set_duration(r, "start", t->start_ns);
		tal_set_str(r, "end", isnan(t->end_ns) ? "still running" :
							  units_duration(a, sizeof a, t->end_ns));
		tal_set_str(r, "state", t->state);
		tal_set_strf(r, "state_class", "st-%s", t->state ? t->state : "unknown");
		tal_set_bool(r, "bad", bad);
		set_bytes(r, "stack_size", t->stack_size);
		/* creation stacks only where they help: the threads the checklist flags */
		tal_set(r, "stack", bad ? stack_value(pc->stacks, t->stack_id) : tal_list());
		tal_push(list, r);
	}
	for (s = 0; s < sizeof states / sizeof states[0]; s++) {
		size_t c = 0;

		for (i = 0; i < p->nthreads; i++)
			c += p->threads[i].state && strcmp(p->threads[i].state, states[s]) == 0;
		if (c) {
			tal_value *x = tal_dict();

			tal_set_str(x, "state", states[s]);
			tal_set_strf(x, "state_class", "st-%s", states[s]);
			set_count(x, "count", (double)c);
			tal_push(counts, x);
		}
	}
	tal_set(d, "list", list);
	tal_set(d, "by_state", counts);
	set_count(d, "count", (double)p->nthreads);
	if (p->nthreads > n)
		tal_set_strf(d, "more_chart", "The timeline shows the first %zu of %zu threads.", n,
			     p->nthreads);
	else
		tal_set(d, "more_chart", tal_null());
	if (p->nthreads > MAX_THREAD_ROWS)
		tal_set_strf(d, "more_rows", "The table lists the first %d of %zu threads.",
			     MAX_THREAD_ROWS, p->nthreads);
	else
		tal_set(d, "more_rows", tal_null());
out_free:
	free(spans);
	free(labels);
	free(tips);
	free(classes);
	free(mark_ts);
	free(mark_labels);
	return d;
}

static tal_value *resources_model(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict(), *list = tal_list();
	size_t i, open = 0, shown = 0;
	char a[UNITS_BUF];

	for (i = 0; i < p->nres; i++)
		open += isnan(p->res[i].close_ns);
	/* those still open at exit first: they are what the checklist is about */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->nres && shown < MAX_RESOURCE_ROWS; i++) {
			const struct rp_resource *r = &p->res[i];
			int is_open = isnan(r->close_ns);
			tal_value *x;

			if (is_open != (pass == 0))
				continue;
			x = tal_dict();
			tal_set_str(x, "kind", r->kind);
			tal_set_int(x, "handle", r->handle);
			tal_set_str(x, "origin", r->origin);
			set_duration(x, "opened", r->open_ns);
			tal_set_str(x, "closed", is_open ? "still open" :
							   units_duration(a, sizeof a, r->close_ns));
			tal_set_bool(x, "open", is_open);
			tal_set(x, "stack", stack_value(pc->stacks, r->stack_id));
			tal_push(list, x);
			shown++;
		}
	}
	tal_set(d, "list", list);
	set_count(d, "count", (double)p->nres);
	set_count(d, "open", (double)open);
	{
		char n[UNITS_BUF], o[UNITS_BUF];

		tal_set_strf(d, "summary", "%s, of which %s %s still open at exit",
			     units_count(n, sizeof n, (double)p->nres), units_count(o, sizeof o, (double)open),
			     open == 1 ? "was" : "were");
	}
	if (p->nres > shown)
		tal_set_strf(d, "more", "Showing %zu of the %zu descriptors and timers.", shown, p->nres);
	else
		tal_set(d, "more", tal_null());
	return d;
}

/* ------------------------------------------------------------ overview */

/* argv as one line a shell would accept, quoting where needed. */
static tal_value *argv_line(char **argv, int n)
{
	size_t cap = 16, len = 0;
	char *s = malloc(cap);
	tal_value *v;
	int i;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *a = argv[i];
		int plain = a[0] != '\0';
		size_t need = strlen(a) * 4 + 4, k;

		for (k = 0; a[k]; k++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%",
				    a[k]))
				plain = 0;
		if (len + need + 2 > cap) {
			char *ns;

			cap = (len + need + 2) * 2;
			if (!(ns = realloc(s, cap))) {
				free(s);
				return NULL;
			}
			s = ns;
		}
		if (i)
			s[len++] = ' ';
		if (plain) {
			memcpy(s + len, a, strlen(a));
			len += strlen(a);
		} else {
			s[len++] = '\'';
			for (k = 0; a[k]; k++) {
				if (a[k] == '\'') {
					memcpy(s + len, "'\\''", 4);
					len += 4;
				} else {
					s[len++] = a[k];
				}
			}
			s[len++] = '\'';
		}
		s[len] = '\0';
	}
	v = tal_strn(s, len);
	free(s);
	return v;
}

static tal_value *end_text(const struct rp_process *p, int *ok)
{
	const char *r = p->end_reason;

	*ok = 0;
	if (!r)
		return tal_str("unknown: the trace does not say how the process ended");
	if (strcmp(r, "exit") == 0) {
		*ok = p->exit_code == 0;
		if (isnan(p->exit_code))
			return tal_str("exited");
		return tal_strf("exited with status %.0f", p->exit_code);
	}
	if (strcmp(r, "signal") == 0) {
		const char *abbrev = !isnan(p->signal) && p->signal > 0 && p->signal < 65 ?
					     sigabbrev_np((int)p->signal) :
					     NULL;

		if (isnan(p->signal))
			return tal_str("killed by a signal");
		return tal_strf("killed by signal %.0f%s%s%s", p->signal, abbrev ? " (SIG" : "",
				abbrev ? abbrev : "", abbrev ? ")" : "");
	}
	if (strcmp(r, "exec") == 0) {
		*ok = 1;
		return tal_str("replaced itself with another program (exec)");
	}
	if (strcmp(r, "truncated") == 0)
		return tal_str("trace ends early (truncated): the process crashed or was killed "
			       "before the tracer could finish");
	return tal_strf("ended (%s)", r);
}

static tal_value *overview_model(struct proc_ctx *pc, const struct leak_totals *lt)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict();
	const struct rp_snapshot *last = p->nsnaps ? &p->snaps[p->nsnaps - 1] : NULL;
	size_t i, peak = SIZE_MAX;
	struct rp_tick tl_peak = { 0 };
	int use_tl;
	double total = last ? last->v[SC_TOTAL_ALLOC] : NAN;
	double allocs = last ? last->v[SC_MALLOCS] : NAN;
	char buf[UNITS_BUF];

	for (i = 0; i < p->nsnaps; i++)
		if (!isnan(p->snaps[i].v[SC_ALLOC]) &&
		    (peak == SIZE_MAX || p->snaps[i].v[SC_ALLOC] > p->snaps[peak].v[SC_ALLOC]))
			peak = i;
	/* the timeline's true peak, when it is above every snapshot's */
	for (i = 0; i < p->nticks; i++)
		if (p->ticks[i].peak_bytes > tl_peak.peak_bytes)
			tl_peak = p->ticks[i];
	use_tl = tl_peak.peak_bytes > 0 && (peak == SIZE_MAX || tl_peak.peak_bytes > p->snaps[peak].v[SC_ALLOC]);
	set_bytes(d, "peak_alloc", use_tl ? tl_peak.peak_bytes : peak != SIZE_MAX ? p->snaps[peak].v[SC_ALLOC] : NAN);
	if (use_tl)
		tal_set_strf(d, "peak_at", "%s into the run", units_duration(buf, sizeof buf, tl_peak.peak_ns));
	else if (peak == SIZE_MAX)
		tal_set(d, "peak_at", tal_null());
	else if (p->snaps[peak].kind == SNAP_SAMPLE)
		tal_set_strf(d, "peak_at", "%s into the run",
			     units_duration(buf, sizeof buf, p->snaps[peak].ts));
	else
		tal_set_strf(d, "peak_at", "at %s", p->snaps[peak].label);
	set_bytes(d, "total_alloc", total);
	set_count(d, "total_allocs", allocs);
	if (isnan(allocs))
		tal_set(d, "total_allocs_text", tal_null());
	else
		tal_set_strf(d, "total_allocs_text", "in %s allocation%s",
			     units_count(buf, sizeof buf, allocs), allocs == 1 ? "" : "s");
	tal_set_str(d, "mean_rate", units_byte_rate(buf, sizeof buf,
						     pc->duration_ns > 0 ? total / (pc->duration_ns / 1e9) : NAN));
	tal_set_str(d, "mean_alloc_rate",
		    units_count_rate(buf, sizeof buf,
				     pc->duration_ns > 0 ? allocs / (pc->duration_ns / 1e9) : NAN));
	set_bytes(d, "final_alloc", last ? last->v[SC_ALLOC] : NAN);
	set_count(d, "final_objects", last ? last->v[SC_HEAP_OBJECTS] : NAN);
	set_bytes(d, "final_rss", last ? last->v[SC_RSS] : NAN);
	{
		double prss = NAN, pthreads = NAN;

		for (i = 0; i < p->nsnaps; i++) {
			if (!isnan(p->snaps[i].v[SC_RSS]) && (isnan(prss) || p->snaps[i].v[SC_RSS] > prss))
				prss = p->snaps[i].v[SC_RSS];
			if (!isnan(p->snaps[i].v[SC_THREADS]) &&
			    (isnan(pthreads) || p->snaps[i].v[SC_THREADS] > pthreads))
				pthreads = p->snaps[i].v[SC_THREADS];
		}
		set_bytes(d, "peak_rss", prss);
		set_count(d, "peak_threads", pthreads);
		if (isnan(pthreads))
			tal_set(d, "peak_threads_text", tal_null());
		else
			tal_set_strf(d, "peak_threads_text", "%.0f thread%s at most", pthreads,
				     pthreads == 1 ? "" : "s");
	}
	set_leak_totals(d, lt);
	set_count(d, "snapshots", (double)p->nsnaps);
	{
		size_t nuser = 0;

		for (i = 0; i < p->nsnaps; i++)
			nuser += p->snaps[i].kind == SNAP_USER;
		set_count(d, "user_snapshots", (double)nuser);
	}
	return d;
}

/* ------------------------------------------------------------ one process */

static tal_value *toc_entry(const char *href_id, const char *sfx, const char *title)
{
	tal_value *d = tal_dict();

	tal_set_strf(d, "href", "#%s%s", href_id, sfx);
	tal_set_str(d, "title", title);
	return d;
}

static tal_value *process_model(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	tal_value *d, *metrics, *mlist, *badges, *toc;
	struct leak_totals lt;
	double tb = 0, ta = 0;
	char **argv = NULL;
	int argc, ok, nfail, m;
	size_t i;

	pc->is_go = metric_is_go(p);
	pc->duration_ns = !isnan(p->end_ns) ? p->end_ns - (isnan(p->start_ns) ? 0 : p->start_ns) :
			  p->nsnaps ? p->snaps[p->nsnaps - 1].ts : NAN;
	for (i = 0; i < p->nsites; i++) {
		pc->by[i] = &p->sites[i];
		tb += isnan(p->sites[i].bytes) ? 0 : p->sites[i].bytes;
		ta += isnan(p->sites[i].allocs) ? 0 : p->sites[i].allocs;
	}
	if (choose_keys(pc) < 0)
		return NULL;
	d = tal_dict();
	metrics = tal_dict();
	mlist = tal_list();
	tal_set_str(d, "sfx", pc->sfx);
	tal_set_int(d, "id", p->id);
	tal_set_int(d, "pid", p->pid);
	if (isnan(p->ppid))
		tal_set(d, "ppid", tal_null());
	else
		tal_set_strf(d, "ppid", "%.0f", p->ppid);
	tal_set_str(d, "exe", p->exe);
	tal_set_str(d, "name", base_name(p->exe) ? base_name(p->exe) : "(unknown program)");
	argc = rp_parse_argv(p->argv, &argv);
	if (argc >= 0) {
		tal_value *al = tal_list();

		for (int k = 0; k < argc; k++)
			tal_push(al, tal_str(argv[k]));
		tal_set(d, "argv_list", al);
		tal_set(d, "argv", argv_line(argv, argc));
		rp_free_argv(argv, argc);
	} else {
		tal_set(d, "argv_list", tal_list());
		tal_set_str(d, "argv", p->argv);
	}
	tal_set(d, "end", end_text(p, &ok));
	tal_set_bool(d, "end_ok", ok);
	set_duration(d, "duration", pc->duration_ns);
	if (!isnan(p->start_unix_ns)) {
		time_t t = (time_t)(p->start_unix_ns / 1e9);
		struct tm tm;
		char when[64];

		if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm))
			tal_set_str(d, "started", when);
		else
			tal_set(d, "started", tal_null());
	} else {
		tal_set(d, "started", tal_null());
	}
	tal_set_str(d, "runtime", p->runtime ? p->runtime : "native");
	tal_set_bool(d, "is_go", pc->is_go);
	tal_set_str(d, "trace_file", p->trace_file);
	tal_set_str(d, "tracer_version", p->tracer_version);
	set_count(d, "events", p->events);
	set_count(d, "unknown_frees", p->unknown_frees);
	tal_set_bool(d, "has_unknown_frees", p->unknown_frees > 0);
	set_duration(d, "sample_interval", p->sample_interval_ns);
	tal_set_bool(d, "sampled", p->sample_bytes > 0);
	set_bytes(d, "sample_bytes", p->sample_bytes);
	tal_set_bool(d, "scanned", p->scanned);
	tal_set_bool(d, "hooks_bypassed", p->hooks_bypassed);
	tal_set_bool(d, "allocator_other", p->allocator_other && !p->hooks_bypassed);
	tal_set_str(d, "allocator", p->allocator ? p->allocator : "another module");
	tal_set_bool(d, "freeres", p->freeres_called);
	if (pc->parent_sfx)
		tal_set_strf(d, "parent_href", "#overview%s", pc->parent_sfx);
	else
		tal_set(d, "parent_href", tal_null());

	leak_totals(p, &lt);
	tal_set(d, "ov", overview_model(pc, &lt));
	tal_set(d, "checklist", checklist_model(pc, &badges, &nfail));
	tal_set(d, "badges", badges);
	tal_set_int(d, "checks_failed", nfail);
	for (m = 0; m < M_COUNT; m++) {
		tal_value *mv = metric_value_model(pc, (enum metric_id)m);

		/* the list refers to the dictionary's values: built once */
		tal_push(mlist, tal_ref(mv));
		tal_set(metrics, metric_defs[m].id, mv);
	}
	tal_set(d, "metrics", metrics);
	tal_set(d, "metric_list", mlist);
	tal_set(d, "rate", rate_model(pc, tb, ta));
	tal_set(d, "phases", phases_model(pc));
	tal_set(d, "composition", composition_model(pc));
	tal_set(d, "leaks", leaks_model(pc, tb, ta));
	tal_set(d, "sites", sites_model(pc, tb, ta));
	tal_set(d, "flame", flame_model(pc));
	tal_set(d, "threads", threads_model(pc));
	tal_set(d, "resources", resources_model(pc));
	tal_set(d, "gc", pc->is_go ? go_gc_model(pc->stacks->db, p->id) : tal_null());
	tal_set(d, "symbols", symstatus_model(pc->stacks->db, p->id));
	tal_set_str(d, "baseline", pc->nkey ? pc->key[pc->b]->label : NULL);
	tal_set_str(d, "final", pc->nkey ? pc->key[pc->f]->label : NULL);

	toc = tal_list();
	/* in the order of the page */
	tal_push(toc, toc_entry("overview", pc->sfx, "Overview"));
	tal_push(toc, toc_entry("quick-reference", pc->sfx, "Quick reference"));
	tal_push(toc, toc_entry("phases", pc->sfx, "Phases"));
	tal_push(toc, toc_entry("checklist", pc->sfx, "Leak checklist"));
	tal_push(toc, toc_entry("leaks", pc->sfx, "Leaks"));
	tal_push(toc, toc_entry("composition", pc->sfx, "Composition"));
	tal_push(toc, toc_entry("allocation-rate", pc->sfx, "Allocation rate"));
	tal_push(toc, toc_entry("metric-alloc", pc->sfx, "Metrics"));
	tal_push(toc, toc_entry("sites", pc->sfx, "Sites"));
	tal_push(toc, toc_entry("flamegraph", pc->sfx, "Flame graph"));
	if (pc->is_go)
		tal_push(toc, toc_entry("gc", pc->sfx, "Garbage collection"));
	tal_push(toc, toc_entry("threads", pc->sfx, "Threads"));
	tal_push(toc, toc_entry("resources", pc->sfx, "Descriptors"));
	tal_push(toc, toc_entry("symbols", pc->sfx, "Symbols"));
	tal_set(d, "toc", toc);
	return d;
}

/* The order processes appear in: the root first, then the others by id. */
static size_t page_order(size_t step, size_t root_idx)
{
	return step == 0 ? root_idx : step <= root_idx ? step - 1 : step;
}

tal_value *model_build(sqlite3 *db, struct rp_process *procs, size_t nprocs,
		       const char *db_name, const char *css, const struct sitename_rules *rules,
		       char *err, size_t errlen)
{
	struct stack_cache stacks = { .db = db };
	tal_value *root = tal_dict(), *list = tal_list(), *index = tal_list();
	size_t i, step, root_idx = 0;
	char (*sfx)[32] = NULL; /* per process: its id suffix, "" for the root */
	int *detailed = NULL;

	/* the first process without a loaded parent leads the page */
	for (i = 0; i < nprocs; i++)
		if (isnan(procs[i].parent_process_id)) {
			root_idx = i;
			break;
		}
	if (!(sfx = calloc(nprocs + 1, sizeof *sfx)) ||
	    !(detailed = calloc(nprocs + 1, sizeof *detailed))) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	for (step = 0; step < nprocs; step++) {
		size_t k = page_order(step, root_idx);

		if (step > 0)
			snprintf(sfx[k], sizeof sfx[k], "-p%lld", procs[k].id);
		detailed[k] = step < MODEL_MAX_PROCESSES;
	}
	for (step = 0; step < nprocs; step++) {
		size_t k = page_order(step, root_idx);
		struct rp_process *p = &procs[k];
		struct proc_ctx pc = { .p = p, .stacks = &stacks, .sfx = sfx[k], .rules = rules };
		tal_value *entry = tal_dict(), *pm;

		tal_set_int(entry, "pid", p->pid);
		tal_set_str(entry, "name", base_name(p->exe) ? base_name(p->exe) : "(unknown)");
		tal_set_strf(entry, "href", "#overview%s", sfx[k]);
		tal_set_bool(entry, "detailed", detailed[k]);
		tal_push(index, entry);
		if (!detailed[k])
			continue;
		for (i = 0; i < nprocs; i++)
			if (detailed[i] && !isnan(p->parent_process_id) &&
			    (double)procs[i].id == p->parent_process_id)
				pc.parent_sfx = sfx[i];
		if (!(pc.by = malloc((p->nsites + 1) * sizeof *pc.by))) {
			snprintf(err, errlen, "out of memory");
			goto out_free;
		}
		pm = process_model(&pc);
		free(pc.by);
		free(pc.keyidx);
		free(pc.key);
		if (!pm) {
			snprintf(err, errlen, "out of memory");
			goto out_free;
		}
		tal_push(list, pm);
	}
	tal_set_str(root, "generator", "memledger");
	tal_set_str(root, "db", db_name);
	tal_set_str(root, "style", css);
	tal_set(root, "processes", list);
	tal_set(root, "index", index);
	tal_set_bool(root, "multi", nprocs > 1);
	tal_set_int(root, "process_count", (long long)nprocs);
	tal_set_bool(root, "some_hidden", nprocs > MODEL_MAX_PROCESSES);
	tal_set_int(root, "max_processes", MODEL_MAX_PROCESSES);
	if (nprocs) {
		const struct rp_process *p = &procs[root_idx];

		tal_set_strf(root, "title", "memledger report: %s (pid %lld)",
			     base_name(p->exe) ? base_name(p->exe) : "unknown program", p->pid);
	} else {
		tal_set_str(root, "title", "memledger report: no processes");
	}
	stack_cache_free(&stacks);
	free(sfx);
	free(detailed);
	if (!tal_ok(root)) {
		snprintf(err, errlen, "out of memory");
		tal_free(root);
		return NULL;
	}
	return root;
out_free:
	stack_cache_free(&stacks);
	free(sfx);
	free(detailed);
	tal_free(root);
	tal_free(list);
	tal_free(index);
	return NULL;
}
