/*
 * sec_phases.c - the Phases and Composition sections: every metric at
 * each key snapshot, and how Sys splits at each.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "report/svg.h"

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

tal_value *phases_model(struct proc_ctx *pc)
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

tal_value *composition_model(struct proc_ctx *pc)
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
