/*
 * sections.c - helpers every page section uses: names, capped text,
 * numbers in human units, pass/fail marks. See sections.h.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "common/utf8.h"
#include "ingest/cxxname.h"
#include "report/svg.h"

const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/*
 * s cut to at most cap - 1 bytes on a UTF-8 boundary, with "… (N more
 * bytes)" at the end when it was cut; into buf.
 */
const char *cap_text(const char *s, char *buf, size_t cap)
{
	size_t n = strlen(s), keep;
	char tail[64];

	if (n < cap)
		return s;
	snprintf(tail, sizeof tail, "\xe2\x80\xa6 (%zu more bytes)", n - (cap - 64));
	keep = cap - 64;
	keep = utf8_floor(s, keep);
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
void set_name(tal_value *d, const char *key, const char *key_full, const char *name)
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

int set_bytes(tal_value *d, const char *key, double v)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_bytes(b, sizeof b, v));
}

int set_count(tal_value *d, const char *key, double v)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_count(b, sizeof b, v));
}

int set_duration(tal_value *d, const char *key, double ns)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_duration(b, sizeof b, ns));
}

/* n and its noun, singular or plural: "1 block", "2,048 blocks". */
int set_count_noun(tal_value *d, const char *key, double n, const char *one,
			  const char *many)
{
	char b[UNITS_BUF];

	return tal_set_strf(d, key, "%s %s", units_count(b, sizeof b, n), n == 1 ? one : many);
}

/* One class of the exit scan: PREFIX_blocks ("3 blocks"), PREFIX_allocs, PREFIX_bytes. */
void set_leak_class(tal_value *d, const char *prefix, double allocs, double bytes)
{
	char key[64];

	snprintf(key, sizeof key, "%s_blocks", prefix);
	set_count_noun(d, key, allocs, "block", "blocks");
	snprintf(key, sizeof key, "%s_allocs", prefix);
	set_count(d, key, allocs);
	snprintf(key, sizeof key, "%s_bytes", prefix);
	set_bytes(d, key, bytes);
}

int set_percent(tal_value *d, const char *key, double f)
{
	char b[UNITS_BUF];

	return tal_set_str(d, key, units_percent(b, sizeof b, f));
}

const char *status_mark(const char *status)
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
const char *status_class(const char *status)
{
	if (status && strcmp(status, "pass") == 0)
		return "pass";
	if (status && strcmp(status, "fail") == 0)
		return "fail";
	return "na";
}

const char *delta_class(double d)
{
	return isnan(d) ? "none" : d > 0 ? "up" : d < 0 ? "down" : "same";
}

/*
 * The class of a change of metric m: "up" and "down" (coloured as worse
 * and better) only for metrics that should come back to baseline; a
 * running total going up is just "grew".
 */
const char *metric_delta_class(enum metric_id m, double d)
{
	if (metric_defs[m].kind == MK_RETURNS || isnan(d) || d == 0)
		return delta_class(d);
	return d > 0 ? "grew" : "fell";
}

/* A one-series area chart, "NAME over time", of (x, y) with marks. */
xmlNodePtr area_chart(const char *name, enum svg_unit unit, double *x, double *y, size_t n,
		      struct svg_mark *marks, size_t nmarks)
{
	struct svg_series s = { name, "s1", y };
	struct svg_line_chart c = { 0 };
	char title[128];

	snprintf(title, sizeof title, "%s over time", name);
	c.title = title;
	c.x = x;
	c.n = n;
	c.series = &s;
	c.nseries = 1;
	c.yunit = unit;
	c.marks = marks;
	c.nmarks = nmarks;
	c.area = 1;
	return svg_line_chart(&c);
}

/*
 * A chart from the timeline (ingest's fixed time buckets, counted from
 * every event): Alloc with each bucket's true peak (what == 0), or the
 * bytes (1) or allocations (2) allocated per second. Snapshots alone miss
 * what happens between them: a short run has only start and exit.
 */
xmlNodePtr timeline_chart(struct proc_ctx *pc, int what, const char *name, enum svg_unit unit)
{
	struct rp_process *p = pc->p;
	size_t n = 0, i, k = 0;
	double *x = malloc((2 * p->nticks + 1) * sizeof *x), *y = malloc((2 * p->nticks + 1) * sizeof *y);
	struct svg_mark *marks = malloc((pc->nkey + 1) * sizeof *marks);
	xmlNodePtr svg = NULL;

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
	svg = area_chart(name, unit, x, y, n, marks, k);
out_free:
	free(x);
	free(y);
	free(marks);
	return svg;
}
