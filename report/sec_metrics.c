/*
 * sec_metrics.c - one section per metric (Alloc, Sys, ...): its meaning,
 * its values at the key snapshots, its chart and its stored verdict.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "report/go_gc.h"
#include "report/svg.h"

/* ------------------------------------------------------------ metrics */

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

tal_value *metric_value_model(struct proc_ctx *pc, enum metric_id m)
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
	/* why an unjudged metric shows no pass or fail: a running total,
	 * or a native allocator share too close to call (ingest/verdicts.c) */
	tal_set_str(d, "unjudged", m == M_GCCPUFRACTION ? "too close to call" : "running total");
	if (v && !v->judged) {
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
