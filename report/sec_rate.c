/*
 * sec_rate.c - the Allocation rate section: rate charts, rates between
 * key snapshots, and the busiest sites.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "ingest/cxxname.h"
#include "report/svg.h"

/* ------------------------------------------------------------ allocation rate */

static xmlNodePtr rate_chart(struct proc_ctx *pc, enum snap_col col, const char *name,
			     enum svg_unit unit)
{
	struct rp_process *p = pc->p;
	size_t n = p->nsnaps, i, k = 0, nm = 0;
	double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
	struct svg_mark *marks = malloc((pc->nkey + 1) * sizeof *marks);
	xmlNodePtr svg = NULL;

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
	svg = area_chart(name, unit, x, y, k, marks, nm);
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

tal_value *rate_model(struct proc_ctx *pc, double total_bytes, double total_allocs)
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
