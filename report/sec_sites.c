/*
 * sec_sites.c - the Sites and Flame graph sections, and the site rows
 * other sections list (top-N by a key, where a site is). See sections.h.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "ingest/cxxname.h"
#include "ingest/sitename.h"
#include "report/flame.h"

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

int by_allocs(const void *a, const void *b)
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

int by_leak(const void *a, const void *b)
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
void site_where(struct proc_ctx *pc, const struct rp_site *s, const char **fn,
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
	set_leak_class(d, "lost", s->lost_allocs, s->lost_bytes);
	set_leak_class(d, "indirect", s->indirect_allocs, s->indirect_bytes);
	set_leak_class(d, "reachable", s->reachable_allocs, s->reachable_bytes);
	set_leak_class(d, "possible", s->possible_allocs, s->possible_bytes);
	tal_set_bool(d, "has_lost", s->lost_bytes > 0);
	tal_set_bool(d, "has_indirect", s->indirect_bytes > 0);
	tal_set_bool(d, "has_reachable", s->reachable_bytes > 0);
	tal_set_bool(d, "has_possible", s->possible_bytes > 0);
	tal_set(d, "stack", stack_value(pc->stacks, s->stack_id));
	return d;
}

/* Top n sites under cmp, as a list of site values. */
tal_value *top_sites(struct proc_ctx *pc, int (*cmp)(const void *, const void *),
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

double site_allocs(const struct rp_site *s)
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

double site_any_leak(const struct rp_site *s)
{
	return (s->lost_bytes > 0 ? s->lost_bytes : 0) + (s->indirect_bytes > 0 ? s->indirect_bytes : 0) +
	       (s->reachable_bytes > 0 ? s->reachable_bytes : 0) +
	       (s->possible_bytes > 0 ? s->possible_bytes : 0);
}

/* ------------------------------------------------------------ sites and flame graphs */

tal_value *sites_model(struct proc_ctx *pc, double tb, double ta)
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

tal_value *flame_model(struct proc_ctx *pc)
{
	return flame_section(pc->stacks->db, pc->p, flame_stack, pc->stacks);
}
