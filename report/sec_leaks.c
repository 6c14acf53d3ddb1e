/*
 * sec_leaks.c - the Leaks section: what the exit scan classified, by
 * site, and the totals the Overview repeats.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ leaks */

void leak_totals(const struct rp_process *p, struct leak_totals *t)
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

void set_leak_totals(tal_value *d, const struct leak_totals *t)
{
	set_leak_class(d, "lost", t->lost_a, t->lost_b);
	set_leak_class(d, "indirect", t->ind_a, t->ind_b);
	set_leak_class(d, "reachable", t->reach_a, t->reach_b);
	set_leak_class(d, "possible", t->poss_a, t->poss_b);
	tal_set_bool(d, "any_possible", t->poss_b > 0);
	tal_set_bool(d, "any", t->lost_b + t->ind_b + t->reach_b + t->poss_b > 0);
	tal_set_bool(d, "any_lost", t->lost_b > 0);
}

tal_value *leaks_model(struct proc_ctx *pc, double tb, double ta)
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
