/*
 * diff.c - see diff.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/err.h"
#include "compare/diff.h"
#include "compare/sitekey.h"

const char *cmp_change_name(enum cmp_change c)
{
	switch (c) {
	case CMP_NEW:
		return "new";
	case CMP_GONE:
		return "gone";
	case CMP_GROWN:
		return "grown";
	case CMP_SHRUNK:
		return "shrunk";
	default:
		return "same";
	}
}

/* ---------------------------------------------------------------- matching */

/* The keys of n elements of stride bytes, whose exact and loose keys (char *) are at those offsets. */
static struct cmp_keyed *keys_of(const void *v, size_t n, size_t stride, size_t exact_off, size_t loose_off)
{
	struct cmp_keyed *k = malloc((n + 1) * sizeof *k);
	const char *e = v;

	for (size_t i = 0; k && i < n; i++, e += stride)
		k[i] = (struct cmp_keyed){ *(char *const *)(e + exact_off), *(char *const *)(e + loose_off) };
	return k;
}

/*
 * Pair the na elements of a with the nb of b by their keys (cmp_match):
 * *ma and *mb are malloc'd here and freed by the caller, also on error.
 * 0, or -1 when out of memory. Use it through MATCH_KEYED.
 */
static int match_keyed(const void *a, size_t na, const void *b, size_t nb, size_t stride, size_t exact_off,
                       size_t loose_off, ssize_t **ma, ssize_t **mb)
{
	struct cmp_keyed *ka = keys_of(a, na, stride, exact_off, loose_off);
	struct cmp_keyed *kb = keys_of(b, nb, stride, exact_off, loose_off);
	int ret = -1;

	*ma = malloc((na + 1) * sizeof **ma);
	*mb = malloc((nb + 1) * sizeof **mb);
	if (ka && kb && *ma && *mb)
		ret = cmp_match(ka, na, kb, nb, *ma, *mb);
	free(ka);
	free(kb);
	return ret;
}

#define MATCH_KEYED(type, a, na, b, nb, ma, mb) \
	match_keyed(a, na, b, nb, sizeof(type), offsetof(type, exact), offsetof(type, loose), ma, mb)

/* ---------------------------------------------------------------- sites */

static double sgn_pick(double a, double b)
{
	return fabs(a) >= fabs(b) ? a : b;
}

/* Is going from a to b beyond the tolerance? */
static int beyond(int64_t a, int64_t b, double tol)
{
	return fabs((double)(b - a)) > tol * fabs((double)a);
}

static void classify(struct cmp_site_delta *d, double tol)
{
	const struct cmp_site *a = d->base, *b = d->new;

	if (!a) {
		d->change = CMP_NEW;
		d->impact = (double)(b->bytes > b->live_bytes ? b->bytes : b->live_bytes);
		d->counts = 1;
		return;
	}
	if (!b) {
		d->change = CMP_GONE;
		d->impact = (double)(a->bytes > a->live_bytes ? a->bytes : a->live_bytes);
		d->counts = 1;
		return;
	}
	double db = (double)(b->bytes - a->bytes), dl = (double)(b->live_bytes - a->live_bytes);
	double da = (double)(b->allocs - a->allocs), dla = (double)(b->live_allocs - a->live_allocs);
	double main = sgn_pick(db, dl);

	d->impact = fabs(main);
	if (main == 0)
		main = sgn_pick(da, dla);
	d->change = main > 0 ? CMP_GROWN : main < 0 ? CMP_SHRUNK : CMP_SAME;
	d->counts = d->change != CMP_SAME &&
	            (beyond(a->allocs, b->allocs, tol) || beyond(a->bytes, b->bytes, tol) ||
	             beyond(a->live_allocs, b->live_allocs, tol) || beyond(a->live_bytes, b->live_bytes, tol));
}

static int site_rank(enum cmp_change c)
{
	return c == CMP_NEW ? 0 : c == CMP_GONE ? 1 : c == CMP_GROWN ? 2 : c == CMP_SHRUNK ? 3 : 4;
}

static const char *site_key(const struct cmp_site_delta *d)
{
	return d->new ? d->new->exact : d->base->exact;
}

static int by_impact(const void *x, const void *y)
{
	const struct cmp_site_delta *a = x, *b = y;
	int ra = site_rank(a->change), rb = site_rank(b->change);

	if (ra != rb)
		return ra - rb;
	if (a->impact != b->impact)
		return a->impact > b->impact ? -1 : 1;
	return strcmp(site_key(a), site_key(b));
}

static int diff_sites(struct cmp_pair *p, double tol)
{
	const struct cmp_proc *a = p->base, *b = p->new;
	ssize_t *ma, *mb;
	size_t i, n = 0;
	int ret = -1;

	if (MATCH_KEYED(struct cmp_site, a->sites, a->nsites, b->sites, b->nsites, &ma, &mb) < 0)
		goto out;
	if (!(p->sites = calloc(a->nsites + b->nsites + 1, sizeof *p->sites)) ||
	    !(p->base_of = calloc(b->nsites + 1, sizeof *p->base_of)))
		goto out;
	for (i = 0; i < b->nsites; i++) {
		struct cmp_site_delta *d = &p->sites[n++];

		d->new = &b->sites[i];
		d->base = mb[i] >= 0 ? &a->sites[mb[i]] : NULL;
		p->base_of[i] = d->base;
		classify(d, tol);
	}
	for (i = 0; i < a->nsites; i++)
		if (ma[i] < 0) {
			struct cmp_site_delta *d = &p->sites[n++];

			d->base = &a->sites[i];
			classify(d, tol);
		}
	qsort(p->sites, n, sizeof *p->sites, by_impact);
	p->nsites = n;
	for (i = 0; i < n; i++)
		p->sites_counted += (size_t)p->sites[i].counts;
	for (i = 0; i < n; i++)
		switch (p->sites[i].change) {
		case CMP_NEW:
			p->nnew++;
			break;
		case CMP_GONE:
			p->ngone++;
			break;
		case CMP_GROWN:
			p->ngrown++;
			break;
		case CMP_SHRUNK:
			p->nshrunk++;
			break;
		default:
			p->nsame++;
		}
	ret = 0;
out:
	free(ma);
	free(mb);
	return ret;
}

/* ---------------------------------------------------------------- leaks */

static int leak_rank(const struct cmp_leak_delta *l)
{
	int up = l->change == CMP_NEW ? 0 : l->change == CMP_GROWN ? 1 : 2;

	if (up == 2)
		return l->definite ? 4 : 5;
	return l->definite ? up : 2 + up;
}

static int by_leak(const void *x, const void *y)
{
	const struct cmp_leak_delta *a = x, *b = y;
	int ra = leak_rank(a), rb = leak_rank(b);
	int64_t ia = llabs(a->new_bytes - a->base_bytes), ib = llabs(b->new_bytes - b->base_bytes);

	if (ra != rb)
		return ra - rb;
	if (ia != ib)
		return ia > ib ? -1 : 1;
	return strcmp(a->cls, b->cls);
}

static int push_leak(struct cmp_pair *p, size_t *cap, const struct cmp_site_delta *d, const char *cls,
                     double tol)
{
	const struct cmp_leak *a = d->base ? cmp_site_leak(d->base, cls) : NULL;
	const struct cmp_leak *b = d->new ? cmp_site_leak(d->new, cls) : NULL;
	struct cmp_leak_delta l = {
		.cls = cls, .base = d->base, .new = d->new,
		.base_allocs = a ? a->allocs : 0, .base_bytes = a ? a->bytes : 0,
		.new_allocs = b ? b->allocs : 0, .new_bytes = b ? b->bytes : 0,
	};
	const struct cmp_site *own = d->new ? d->new : d->base;

	if (l.base_allocs == l.new_allocs && l.base_bytes == l.new_bytes)
		return 0;
	/* the runtime's own blocks are not the program's leaks */
	l.definite = cmp_leak_definite(cls) && !own->runtime;
	if (!l.base_allocs)
		l.change = CMP_NEW;
	else if (!l.new_allocs)
		l.change = CMP_GONE;
	else if (l.new_bytes != l.base_bytes)
		l.change = l.new_bytes > l.base_bytes ? CMP_GROWN : CMP_SHRUNK;
	else
		l.change = l.new_allocs > l.base_allocs ? CMP_GROWN : CMP_SHRUNK;
	l.counts = l.change == CMP_NEW || l.change == CMP_GONE || beyond(l.base_bytes, l.new_bytes, tol) ||
	           beyond(l.base_allocs, l.new_allocs, tol);
	p->leaks_counted += (size_t)l.counts;
	if (p->nleaks == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct cmp_leak_delta *nl = realloc(p->leaks, nc * sizeof *nl);

		if (!nl)
			return -1;
		p->leaks = nl;
		*cap = nc;
	}
	p->leaks[p->nleaks++] = l;
	return 0;
}

static int diff_leaks(struct cmp_pair *p, double tol)
{
	size_t cap = 0;

	for (size_t i = 0; i < p->nsites; i++) {
		const struct cmp_site_delta *d = &p->sites[i];
		size_t k;

		for (k = 0; d->new && k < d->new->nleaks; k++)
			if (push_leak(p, &cap, d, d->new->leaks[k].cls, tol) < 0)
				return -1;
		/* classes only BASE had at this site */
		for (k = 0; d->base && k < d->base->nleaks; k++)
			if ((!d->new || !cmp_site_leak(d->new, d->base->leaks[k].cls)) &&
			    push_leak(p, &cap, d, d->base->leaks[k].cls, tol) < 0)
				return -1;
	}
	if (p->nleaks)
		qsort(p->leaks, p->nleaks, sizeof *p->leaks, by_leak);
	return 0;
}

/* ---------------------------------------------------------------- items */

static const struct cmp_item *find_item(const struct cmp_proc *p, const char *name)
{
	for (size_t i = 0; i < p->nitems; i++)
		if (!strcmp(p->items[i].item, name))
			return &p->items[i];
	return NULL;
}

static int diff_items(struct cmp_pair *p)
{
	const struct cmp_proc *a = p->base, *b = p->new;
	size_t i;

	if (!(p->items = calloc(a->nitems + b->nitems + 1, sizeof *p->items)))
		return -1;
	for (i = 0; i < b->nitems; i++) {
		const struct cmp_item *x = find_item(a, b->items[i].item);

		if (!x || strcmp(x->status, b->items[i].status))
			p->items[p->nitems++] = (struct cmp_item_delta){ b->items[i].item, x, &b->items[i] };
	}
	for (i = 0; i < a->nitems; i++)
		if (!find_item(b, a->items[i].item))
			p->items[p->nitems++] = (struct cmp_item_delta){ a->items[i].item, &a->items[i], NULL };
	return 0;
}

/* ---------------------------------------------------------------- open at exit */

static int diff_open(struct cmp_pair *p)
{
	const struct cmp_proc *a = p->base, *b = p->new;
	ssize_t *ma, *mb;
	size_t i;
	int ret = -1;

	if (MATCH_KEYED(struct cmp_open, a->open, a->nopen, b->open, b->nopen, &ma, &mb) < 0 ||
	    !(p->open = calloc(a->nopen + b->nopen + 1, sizeof *p->open)))
		goto out;
	for (i = 0; i < b->nopen; i++) {
		const struct cmp_open *x = mb[i] >= 0 ? &a->open[mb[i]] : NULL;

		if (!x || x->count != b->open[i].count)
			p->open[p->nopen++] = (struct cmp_open_delta){ x, &b->open[i], x ? x->count : 0,
			                                               b->open[i].count };
	}
	for (i = 0; i < a->nopen; i++)
		if (ma[i] < 0)
			p->open[p->nopen++] = (struct cmp_open_delta){ &a->open[i], NULL, a->open[i].count, 0 };
	ret = 0;
out:
	free(ma);
	free(mb);
	return ret;
}

/* ---------------------------------------------------------------- pairs */

static int build_pair(struct cmp_pair *p, double tol)
{
	if (cmp_deltas(p->base, p->new, tol, &p->metrics, &p->nmetrics) < 0)
		return -1;
	for (size_t i = 0; i < p->nmetrics; i++)
		p->metrics_changed += p->metrics[i].counts;
	if (diff_sites(p, tol) < 0 || diff_leaks(p, tol) < 0 || diff_items(p) < 0 || diff_open(p) < 0)
		return -1;
	p->end_changed = strcmp(p->base->end_reason, p->new->end_reason) ||
	                 p->base->exit_code != p->new->exit_code;
	p->differs = p->metrics_changed || p->sites_counted || p->leaks_counted || p->nitems || p->nopen ||
	             p->end_changed;
	return 0;
}

/* How many processes before index i of r run a program named like it. */
static size_t occurrence(const struct cmp_run *r, size_t i)
{
	size_t k = 0;

	for (size_t j = 0; j < i; j++)
		k += !strcmp(r->procs[j].name, r->procs[i].name);
	return k;
}

int cmp_diff_build(struct cmp_diff *d, const struct cmp_run *base, const struct cmp_run *new,
                   double tolerance, char *err, size_t errlen)
{
	size_t i, j;
	char *used = calloc(base->nprocs + 1, 1);

	memset(d, 0, sizeof *d);
	d->base = base;
	d->new = new;
	d->tolerance = tolerance;
	d->pairs = calloc(new->nprocs + 1, sizeof *d->pairs);
	d->only_base = calloc(base->nprocs + 1, sizeof *d->only_base);
	d->only_new = calloc(new->nprocs + 1, sizeof *d->only_new);
	if (!used || !d->pairs || !d->only_base || !d->only_new)
		goto out_oom;
	for (j = 0; j < new->nprocs; j++) {
		size_t k = occurrence(new, j);
		ssize_t hit = -1;

		if (base->nprocs == 1 && new->nprocs == 1)
			hit = 0;
		for (i = 0; hit < 0 && i < base->nprocs; i++)
			if (!strcmp(base->procs[i].name, new->procs[j].name) && occurrence(base, i) == k)
				hit = (ssize_t)i;
		if (hit < 0) {
			d->only_new[d->nonly_new++] = &new->procs[j];
			continue;
		}
		used[hit] = 1;
		struct cmp_pair *p = &d->pairs[d->npairs++];
		p->base = &base->procs[hit];
		p->new = &new->procs[j];
		if (build_pair(p, tolerance) < 0)
			goto out_oom;
		d->differs |= p->differs;
	}
	for (i = 0; i < base->nprocs; i++)
		if (!used[i])
			d->only_base[d->nonly_base++] = &base->procs[i];
	d->differs |= d->nonly_base || d->nonly_new;
	free(used);
	return 0;
out_oom:
	free(used);
	cmp_diff_free(d);
	return err_oom(err, errlen);
}

void cmp_diff_free(struct cmp_diff *d)
{
	for (size_t i = 0; i < d->npairs; i++) {
		free(d->pairs[i].metrics);
		free(d->pairs[i].sites);
		free(d->pairs[i].base_of);
		free(d->pairs[i].leaks);
		free(d->pairs[i].items);
		free(d->pairs[i].open);
	}
	free(d->pairs);
	free(d->only_base);
	free(d->only_new);
	memset(d, 0, sizeof *d);
}

const struct cmp_site *cmp_pair_base_site(const struct cmp_pair *p, const struct cmp_site *s)
{
	const struct cmp_site *first = p->new->sites;

	if (!p->base_of || s < first || s >= first + p->new->nsites)
		return NULL;
	return p->base_of[s - first];
}
