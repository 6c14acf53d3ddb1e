/*
 * go_gc.c - see go_gc.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "report/go_gc.h"
#include "report/svg.h"

#define GC_ROWS_MAX 200

struct cycle {
	long long num;
	double ts, before, after, live, goal, pause, mark;
	int forced;
};

static int load_cycles(sqlite3 *db, long long pid, struct cycle **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT num, ts_ns, forced, heap_before, heap_after, heap_live, heap_goal,"
	                           " pause_ns, mark_ns FROM gc_cycles WHERE process_id = ? ORDER BY num",
	                       -1, &s, NULL) != SQLITE_OK)
		return 0;  /* a database from before gc_cycles: no section */
	sqlite3_bind_int64(s, 1, pid);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct cycle *nc = realloc(*out, cap * sizeof *nc);
			if (!nc) {
				sqlite3_finalize(s);
				return -1;
			}
			*out = nc;
		}
		struct cycle *c = &(*out)[(*n)++];
		c->num = sqlite3_column_int64(s, 0);
		c->ts = (double)sqlite3_column_int64(s, 1);
		c->forced = sqlite3_column_int(s, 2);
		c->before = (double)sqlite3_column_int64(s, 3);
		c->after = (double)sqlite3_column_int64(s, 4);
		c->live = (double)sqlite3_column_int64(s, 5);
		c->goal = (double)sqlite3_column_int64(s, 6);
		c->pause = (double)sqlite3_column_int64(s, 7);
		c->mark = (double)sqlite3_column_int64(s, 8);
	}
	sqlite3_finalize(s);
	return 0;
}

static void rect(xmlNodePtr g, double x, double y, double w, double h, const char *cls, const char *title)
{
	xmlNodePtr r = svg_el(g, "rect");
	svg_attr(r, "x", "%.1f", x);
	svg_attr(r, "y", "%.1f", y);
	svg_attr(r, "width", "%.1f", w > 0.5 ? w : 0.5);
	svg_attr(r, "height", "%.1f", h > 0 ? h : 0);
	svg_attr(r, "class", "%s", cls);
	if (title)
		svg_text(svg_el(r, "title"), title);
}

/* One column per cycle: heap at start (light), after marking, live
 * (dark), the goal as a tick, forced cycles with an F above; the pauses
 * as bars in a strip below. */
static xmlNodePtr chart(const struct cycle *c, size_t n)
{
	const double W = 900, top = 20, H1 = 220, gap = 30, H2 = 70, left = 70, right = 10;
	double ymax = 1, pmax = 1;
	for (size_t i = 0; i < n; i++) {
		ymax = fmax(ymax, fmax(fmax(c[i].before, c[i].after), c[i].goal));
		pmax = fmax(pmax, c[i].pause);
	}
	xmlNodePtr svg = svg_root(W, top + H1 + gap + H2 + 30, "chart gc-chart",
	                          "Heap at each garbage collection, against its goal, and the pauses");
	xmlNodePtr g = svg_el(svg, "g");
	double cw = (W - left - right) / (double)n, bw = cw * 0.8;
	char a[64], b[64], t[512];
	/* axes and labels */
	for (int k = 0; k <= 4; k++) {
		double v = ymax * k / 4, y = top + H1 - H1 * k / 4;
		svg_line(g, left, y, W - right, y, "grid");
		xmlNodePtr tx = svg_el(g, "text");
		svg_attr(tx, "x", "%.1f", left - 6);
		svg_attr(tx, "y", "%.1f", y + 4);
		svg_attr(tx, "text-anchor", "end");
		svg_attr(tx, "class", "axis");
		svg_text(tx, units_bytes(a, sizeof a, v));
	}
	xmlNodePtr pl = svg_el(g, "text");
	svg_attr(pl, "x", "%.1f", left - 6);
	svg_attr(pl, "y", "%.1f", top + H1 + gap + 10);
	svg_attr(pl, "text-anchor", "end");
	svg_attr(pl, "class", "axis");
	svg_text(pl, units_duration(a, sizeof a, pmax));
	xmlNodePtr pt = svg_el(g, "text");
	svg_attr(pt, "x", "%.1f", left);
	svg_attr(pt, "y", "%.1f", top + H1 + gap - 6);
	svg_attr(pt, "class", "axis");
	svg_text(pt, "stop-the-world pause per cycle");
	for (size_t i = 0; i < n; i++) {
		double x = left + cw * (double)i + (cw - bw) / 2, base = top + H1;
		char s1[64], s2[64], s3[64], s4[64];
		snprintf(t, sizeof t, "gc %lld%s at %s: heap %s at start, %s after marking, %s live, goal %s",
		         c[i].num, c[i].forced ? " (forced)" : "", units_duration(a, sizeof a, c[i].ts),
		         units_bytes(s1, sizeof s1, c[i].before), units_bytes(s2, sizeof s2, c[i].after),
		         units_bytes(s3, sizeof s3, c[i].live), units_bytes(s4, sizeof s4, c[i].goal));
		rect(g, x, base - H1 * c[i].before / ymax, bw, H1 * c[i].before / ymax, "gc-before", t);
		rect(g, x + bw * 0.2, base - H1 * c[i].after / ymax, bw * 0.6, H1 * c[i].after / ymax, "gc-after", t);
		rect(g, x + bw * 0.35, base - H1 * c[i].live / ymax, bw * 0.3, H1 * c[i].live / ymax, "gc-live", t);
		svg_line(g, x - (cw - bw) / 2, base - H1 * c[i].goal / ymax, x + bw + (cw - bw) / 2,
		         base - H1 * c[i].goal / ymax, "gc-goal");
		if (c[i].forced) {
			xmlNodePtr f = svg_el(g, "text");
			svg_attr(f, "x", "%.1f", x + bw / 2);
			svg_attr(f, "y", "%.1f", fmax(12, base - H1 * fmax(c[i].before, c[i].goal) / ymax - 4));
			svg_attr(f, "text-anchor", "middle");
			svg_attr(f, "class", "gc-forced");
			svg_text(f, "F");
		}
		double ph = H2 * c[i].pause / pmax;
		snprintf(t, sizeof t, "gc %lld: paused %s, marked concurrently for %s", c[i].num,
		         units_duration(a, sizeof a, c[i].pause), units_duration(b, sizeof b, c[i].mark));
		rect(g, x, top + H1 + gap + H2 - ph, bw, ph, c[i].forced ? "gc-pause forced" : "gc-pause", t);
	}
	/* legend */
	static const char *const names[][2] = { { "gc-before", "heap at start" }, { "gc-after", "after marking" },
	                                        { "gc-live", "live" }, { "gc-goal", "goal" },
	                                        { "gc-forced", "F: forced (runtime.GC)" } };
	double lx = left;
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		double y = top + H1 + gap + H2 + 20;
		if (k == 3) {
			svg_line(g, lx, y - 4, lx + 12, y - 4, "gc-goal");
		} else if (k < 3) {
			rect(g, lx, y - 10, 12, 10, names[k][0], NULL);
		}
		xmlNodePtr tx = svg_el(g, "text");
		svg_attr(tx, "x", "%.1f", lx + (k < 4 ? 16 : 0));
		svg_attr(tx, "y", "%.1f", y);
		svg_attr(tx, "class", "axis");
		svg_text(tx, names[k][1]);
		lx += 150;
	}
	return svg;
}

tal_value *go_gc_model(sqlite3 *db, long long pid)
{
	struct cycle *c = NULL;
	size_t n = 0;
	tal_value *d = tal_dict(), *rows = tal_list();
	char a[64];
	if (load_cycles(db, pid, &c, &n) < 0) {
		tal_free(d);
		tal_free(rows);
		return NULL;
	}
	double pause = 0, pmax = 0;
	int forced = 0;
	for (size_t i = 0; i < n; i++) {
		pause += c[i].pause;
		pmax = fmax(pmax, c[i].pause);
		forced += c[i].forced;
	}
	tal_set_bool(d, "present", n > 0);
	tal_set_int(d, "count", (long long)n);
	tal_set_int(d, "forced", forced);
	tal_set_str(d, "pause_total", units_duration(a, sizeof a, pause));
	tal_set_str(d, "pause_max", units_duration(a, sizeof a, pmax));
	tal_set(d, "chart", n ? tal_node(chart(c, n)) : tal_null());
	for (size_t i = n > GC_ROWS_MAX ? n - GC_ROWS_MAX : 0; i < n; i++) {
		tal_value *r = tal_dict();
		tal_set_int(r, "num", c[i].num);
		tal_set_str(r, "time", units_duration(a, sizeof a, c[i].ts));
		tal_set_str(r, "before", units_bytes(a, sizeof a, c[i].before));
		tal_set_str(r, "after", units_bytes(a, sizeof a, c[i].after));
		tal_set_str(r, "live", units_bytes(a, sizeof a, c[i].live));
		tal_set_str(r, "goal", units_bytes(a, sizeof a, c[i].goal));
		tal_set_str(r, "pause", units_duration(a, sizeof a, c[i].pause));
		tal_set_str(r, "mark", units_duration(a, sizeof a, c[i].mark));
		tal_set_str(r, "forced", c[i].forced ? "forced" : "");
		tal_push(rows, r);
	}
	tal_set(d, "rows", rows);
	tal_set_bool(d, "rows_cut", n > GC_ROWS_MAX);
	/* the heap profile's sampling rate, for the sites */
	sqlite3_stmt *s = NULL;
	long long rate = 0;
	if (sqlite3_prepare_v2(db, "SELECT sample_bytes FROM processes WHERE id = ?", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, pid);
		if (sqlite3_step(s) == SQLITE_ROW)
			rate = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	if (rate > 1)
		tal_set_strf(d, "profile_note", "The sites and the flame graph come from Go heap profiles, which"
		             " sample about one allocation per %lld bytes (runtime.MemProfileRate) and scale the"
		             " counts up: figures are estimates, and small, rare allocations may be missing.", rate);
	else if (rate == 1)
		tal_set_str(d, "profile_note", "The sites and the flame graph come from Go heap profiles taken"
		            " with runtime.MemProfileRate = 1: every allocation was recorded.");
	else
		tal_set(d, "profile_note", tal_null());
	free(c);
	return d;
}
