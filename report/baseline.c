/*
 * baseline.c - see baseline.h.
 */
#include "report/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/err.h"
#include "common/units.h"
#include "compare/run.h"
#include "compare/sitekey.h"
#include "report/report.h"
#include "report/stacklist.h"
#include "report/svg.h"

/* Built into the program by tests/embed.sh (build/gen/embedded.c). */
extern const char embedded_templates_compare_xhtml[];
extern const char embedded_templates_style_css[];

#define MAX_LABELS 60 /* shared snapshots shown in the metrics table */

/* ---------------------------------------------------------------- numbers */

char *baseline_fmt(char *dst, size_t cap, enum cmp_unit u, double v)
{
	switch (u) {
	case CMP_BYTES:
		return units_bytes(dst, cap, v);
	case CMP_FRACTION:
		return units_percent(dst, cap, v);
	case CMP_NS:
		return units_duration(dst, cap, v);
	default:
		return units_count(dst, cap, v);
	}
}

char *baseline_fmt_delta(char *dst, size_t cap, enum cmp_unit u, double d)
{
	char b[UNITS_BUF];

	switch (u) {
	case CMP_BYTES:
		return units_bytes_delta(dst, cap, d);
	case CMP_COUNT:
		return units_count_delta(dst, cap, d);
	case CMP_FRACTION:
		if (isnan(d))
			return units_percent(dst, cap, d);
		snprintf(dst, cap, "%s%.2f pp", d > 0 ? "+" : d < 0 ? "\xe2\x88\x92" : "\xc2\xb1", fabs(d) * 100);
		return dst;
	default:
		if (isnan(d))
			return units_duration(dst, cap, d);
		snprintf(dst, cap, "%s%s", d > 0 ? "+" : d < 0 ? "\xe2\x88\x92" : "\xc2\xb1",
		         units_duration(b, sizeof b, fabs(d)));
		return dst;
	}
}

char *baseline_fmt_rel(char *dst, size_t cap, double rel)
{
	if (isnan(rel) || isinf(rel))
		snprintf(dst, cap, "%s", "");
	else
		snprintf(dst, cap, "%s%.1f%%", rel > 0 ? "+" : rel < 0 ? "\xe2\x88\x92" : "\xc2\xb1", fabs(rel) * 100);
	return dst;
}

static void set_fmt(tal_value *d, const char *key, enum cmp_unit u, double v)
{
	char b[UNITS_BUF];

	tal_set_str(d, key, baseline_fmt(b, sizeof b, u, v));
}

static void set_delta(tal_value *d, const char *key, enum cmp_unit u, double v)
{
	char b[UNITS_BUF];

	tal_set_str(d, key, baseline_fmt_delta(b, sizeof b, u, v));
}

static const char *delta_class(double d)
{
	return isnan(d) ? "none" : d > 0 ? "up" : d < 0 ? "down" : "same";
}

/* ---------------------------------------------------------------- stacks */

struct bctx {
	const struct cmp_diff *d;
	sqlite3_stmt *st_base, *st_new;
	size_t limit;
};

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s && s[1] ? s + 1 : path;
}

/* A stack of one run's database, listed as the report lists its stacks. */
static tal_value *stack_value(struct bctx *c, int in_base, int64_t stack_id)
{
	const struct cmp_run *run = in_base ? c->d->base : c->d->new;
	struct cmp_frame *f;
	struct rp_frame *fr = NULL;
	tal_value *list;
	char err[256];
	int n = stack_id > 0 ? cmp_stack_read(run->db, in_base ? &c->st_base : &c->st_new, stack_id, &f, err,
	                                      sizeof err) : 0;

	if (n > 0 && (fr = calloc((size_t)n, sizeof *fr)))
		for (int i = 0; i < n; i++)
			fr[i] = (struct rp_frame){ f[i].function, f[i].file, f[i].module, (double)f[i].line,
			                           (double)f[i].offset, f[i].inlined, f[i].runtime };
	list = stack_frames_value(fr, fr ? n : 0);
	free(fr);
	if (n > 0)
		cmp_frames_free(f, (size_t)n);
	return list;
}

/* ---------------------------------------------------------------- sites */

static tal_value *site_value(struct bctx *c, const struct cmp_site_delta *sd)
{
	const struct cmp_site *a = sd->base, *b = sd->new, *own = b ? b : a;
	tal_value *d = tal_dict();
	double ba = a ? (double)a->allocs : 0, na = b ? (double)b->allocs : 0;
	double bb = a ? (double)a->bytes : 0, nb = b ? (double)b->bytes : 0;
	double bl = a ? (double)a->live_bytes : 0, nl = b ? (double)b->live_bytes : 0;

	tal_set_str(d, "change", cmp_change_name(sd->change));
	tal_set_str(d, "where", own->where);
	tal_set_bool(d, "runtime", own->runtime);
	tal_set(d, "stack", stack_value(c, !b, own->stack_id));
	set_fmt(d, "base_allocs", CMP_COUNT, ba);
	set_fmt(d, "new_allocs", CMP_COUNT, na);
	set_delta(d, "d_allocs", CMP_COUNT, na - ba);
	set_fmt(d, "base_bytes", CMP_BYTES, bb);
	set_fmt(d, "new_bytes", CMP_BYTES, nb);
	set_delta(d, "d_bytes", CMP_BYTES, nb - bb);
	tal_set_str(d, "d_bytes_class", delta_class(nb - bb));
	set_fmt(d, "base_live", CMP_BYTES, bl);
	set_fmt(d, "new_live", CMP_BYTES, nl);
	set_delta(d, "d_live", CMP_BYTES, nl - bl);
	tal_set_str(d, "d_live_class", delta_class(nl - bl));
	return d;
}

static tal_value *sites_model(struct bctx *c, const struct cmp_pair *p)
{
	static const enum cmp_change kinds[] = { CMP_NEW, CMP_GONE, CMP_GROWN, CMP_SHRUNK };
	tal_value *d = tal_dict(), *groups = tal_list();
	size_t total[4] = { p->nnew, p->ngone, p->ngrown, p->nshrunk };

	for (size_t k = 0; k < 4; k++) {
		tal_value *g = tal_dict(), *rows = tal_list();
		size_t shown = 0;

		for (size_t i = 0; i < p->nsites; i++)
			if (p->sites[i].change == kinds[k] && shown < c->limit) {
				tal_push(rows, site_value(c, &p->sites[i]));
				shown++;
			}
		tal_set_str(g, "change", cmp_change_name(kinds[k]));
		tal_set_int(g, "count", (long long)total[k]);
		tal_set_int(g, "more", (long long)(total[k] - shown));
		tal_set(g, "rows", rows);
		tal_set(d, cmp_change_name(kinds[k]), tal_ref(g)); /* by name too */
		tal_push(groups, g);
	}
	tal_set(d, "groups", groups);
	tal_set_int(d, "unchanged", (long long)p->nsame);
	tal_set_bool(d, "any", p->nnew || p->ngone || p->ngrown || p->nshrunk);
	return d;
}

/* ---------------------------------------------------------------- leaks, items, open */

static tal_value *leaks_model(struct bctx *c, const struct cmp_pair *p)
{
	tal_value *list = tal_list();

	for (size_t i = 0; i < p->nleaks && i < c->limit; i++) {
		const struct cmp_leak_delta *l = &p->leaks[i];
		const struct cmp_site *own = l->new ? l->new : l->base;
		tal_value *d = tal_dict();

		tal_set_str(d, "change", cmp_change_name(l->change));
		tal_set_str(d, "class", l->cls);
		tal_set_bool(d, "definite", l->definite);
		tal_set_str(d, "where", own->where);
		tal_set(d, "stack", stack_value(c, !l->new, own->stack_id));
		set_fmt(d, "base_bytes", CMP_BYTES, (double)l->base_bytes);
		set_fmt(d, "new_bytes", CMP_BYTES, (double)l->new_bytes);
		set_delta(d, "d_bytes", CMP_BYTES, (double)(l->new_bytes - l->base_bytes));
		tal_set_str(d, "d_class", delta_class((double)(l->new_bytes - l->base_bytes)));
		set_fmt(d, "base_allocs", CMP_COUNT, (double)l->base_allocs);
		set_fmt(d, "new_allocs", CMP_COUNT, (double)l->new_allocs);
		tal_push(list, d);
	}
	return list;
}

static const char *status_class(const char *s)
{
	return !s ? "na" : !strcmp(s, "pass") ? "pass" : !strcmp(s, "fail") ? "fail" : "na";
}

static tal_value *items_model(const struct cmp_pair *p)
{
	tal_value *list = tal_list();

	for (size_t i = 0; i < p->nitems; i++) {
		const struct cmp_item_delta *it = &p->items[i];
		tal_value *d = tal_dict();

		tal_set_str(d, "item", it->item);
		tal_set_str(d, "base", it->base ? it->base->status : "absent");
		tal_set_str(d, "new", it->new ? it->new->status : "absent");
		tal_set_str(d, "base_class", status_class(it->base ? it->base->status : NULL));
		tal_set_str(d, "new_class", status_class(it->new ? it->new->status : NULL));
		tal_set_str(d, "detail", it->new ? it->new->detail : it->base->detail);
		tal_push(list, d);
	}
	return list;
}

static tal_value *open_model(struct bctx *c, const struct cmp_pair *p)
{
	tal_value *list = tal_list();

	for (size_t i = 0; i < p->nopen && i < c->limit; i++) {
		const struct cmp_open_delta *o = &p->open[i];
		const struct cmp_open *own = o->new ? o->new : o->base;
		tal_value *d = tal_dict();

		tal_set_str(d, "what", own->what);
		tal_set_str(d, "where", own->where);
		tal_set(d, "stack", stack_value(c, !o->new, own->stack_id));
		tal_set_int(d, "base", (long long)o->base_count);
		tal_set_int(d, "new", (long long)o->new_count);
		tal_set_str(d, "d_class", delta_class((double)(o->new_count - o->base_count)));
		tal_push(list, d);
	}
	return list;
}

/* ---------------------------------------------------------------- metrics */

static tal_value *metrics_model(const struct cmp_pair *p)
{
	tal_value *d = tal_dict(), *rows = tal_list(), *changed = tal_list();
	size_t labels = 0, last = (size_t)-1;
	char b[UNITS_BUF];

	for (size_t i = 0; i < p->nmetrics; i++) {
		const struct cmp_delta *x = &p->metrics[i];
		const struct cmp_metric_def *m = &cmp_metrics[x->metric];
		tal_value *r;

		if (x->new_snap != last) {
			last = x->new_snap;
			labels++;
		}
		if (labels > MAX_LABELS)
			break;
		r = tal_dict();
		tal_set_str(r, "label", p->new->snaps[x->new_snap].label);
		tal_set_bool(r, "first", i == 0 || p->metrics[i - 1].new_snap != x->new_snap);
		tal_set_str(r, "metric", m->name);
		set_fmt(r, "base", m->unit, x->base);
		set_fmt(r, "new", m->unit, x->new);
		set_delta(r, "change", m->unit, x->change);
		tal_set_str(r, "relative", baseline_fmt_rel(b, sizeof b, x->relative));
		tal_set_bool(r, "counted", x->counts);
		tal_set_str(r, "noise", m->noise == CMP_TIMING ? "timing: never counted" :
		            m->noise == CMP_STATE ? "counts past its noise floor" : "exact");
		tal_set_str(r, "class", x->counts ? "changed" : x->change != 0 && !isnan(x->change) ? "noise" :
		            "same");
		tal_set_str(r, "d_class", delta_class(x->change));
		if (x->change != 0 && !isnan(x->change))
			tal_push(changed, tal_ref(r));
		tal_push(rows, r);
	}
	tal_set(d, "rows", rows);
	tal_set(d, "moved", changed);
	tal_set_int(d, "count", (long long)p->nmetrics);
	tal_set_int(d, "changed", (long long)p->metrics_changed);
	tal_set_bool(d, "more", labels > MAX_LABELS);
	return d;
}

/* Both runs' Alloc over time on one axis; each holds its last value between snapshots. */
static xmlNodePtr overlay_chart(const struct cmp_pair *p)
{
	const struct cmp_proc *a = p->base, *b = p->new;
	size_t n = a->nall + b->nall, i = 0, j = 0, k = 0;
	double *x = malloc((n + 1) * sizeof *x), *ya = malloc((n + 1) * sizeof *ya), *yb = malloc((n + 1) * sizeof *yb);
	struct svg_mark *marks = calloc(b->nsnaps + 1, sizeof *marks);
	size_t nmarks = 0, s = 0;
	xmlNodePtr svg = NULL;

	if (!x || !ya || !yb || !marks)
		goto out_free;
	/* merge the two time lines */
	while (i < a->nall || j < b->nall) {
		double t;

		if (j >= b->nall || (i < a->nall && a->ts[i] <= b->ts[j]))
			t = a->ts[i++];
		else
			t = b->ts[j++];
		if (isnan(t))
			continue;
		ya[k] = i > 0 && (i < a->nall || t <= a->ts[a->nall - 1]) ? a->alloc[i - 1] : NAN;
		yb[k] = j > 0 && (j < b->nall || t <= b->ts[b->nall - 1]) ? b->alloc[j - 1] : NAN;
		x[k++] = t;
	}
	/* NEW's own snapshots as marks */
	for (i = 0; i < k && s < b->nsnaps; i++) {
		while (s < b->nsnaps && strcmp(b->snaps[s].kind, "user"))
			s++;
		if (s < b->nsnaps && x[i] >= b->snaps[s].v[CMP_M_TS]) {
			marks[nmarks].index = i;
			marks[nmarks++].label = b->snaps[s].label;
			s++;
		}
	}
	struct svg_series series[2] = {
		{ "NEW", "s1", yb },
		{ "BASE", "s2", ya },
	};
	struct svg_line_chart c = {
		.title = "Alloc over time, BASE and NEW overlaid", .x = x, .n = k, .series = series,
		.nseries = 2, .yunit = SVG_BYTES, .marks = marks, .nmarks = nmarks,
	};
	svg = svg_line_chart(&c);
out_free:
	free(x);
	free(ya);
	free(yb);
	free(marks);
	return svg;
}

static tal_value *timing_model(const struct cmp_pair *p)
{
	tal_value *list = tal_list();
	double da = (double)(p->base->end_ns - p->base->start_ns), db = (double)(p->new->end_ns - p->new->start_ns);
	const struct cmp_snap *la = p->base->nsnaps ? &p->base->snaps[p->base->nsnaps - 1] : NULL;
	const struct cmp_snap *lb = p->new->nsnaps ? &p->new->snaps[p->new->nsnaps - 1] : NULL;
	double ra = la && da > 0 ? la->v[1] / (da / 1e9) : NAN, rb = lb && db > 0 ? lb->v[1] / (db / 1e9) : NAN;
	char b[UNITS_BUF];
	tal_value *d;

	d = tal_dict();
	tal_set_str(d, "name", "Duration");
	set_fmt(d, "base", CMP_NS, da);
	set_fmt(d, "new", CMP_NS, db);
	set_delta(d, "change", CMP_NS, db - da);
	tal_set_str(d, "relative", baseline_fmt_rel(b, sizeof b, cmp_relative(da, db)));
	tal_push(list, d);
	d = tal_dict();
	tal_set_str(d, "name", "Mean allocation rate");
	tal_set_str(d, "base", units_byte_rate(b, sizeof b, ra));
	tal_set_str(d, "new", units_byte_rate(b, sizeof b, rb));
	tal_set_str(d, "change", isnan(ra) || isnan(rb) ? "\xe2\x80\x93" : units_byte_rate(b, sizeof b, rb - ra));
	tal_set_str(d, "relative", baseline_fmt_rel(b, sizeof b, cmp_relative(ra, rb)));
	tal_push(list, d);
	return list;
}

static const char *end_text(const struct cmp_proc *p, char *buf, size_t cap)
{
	if (!strcmp(p->end_reason, "exit"))
		snprintf(buf, cap, "exited with status %lld", (long long)p->exit_code);
	else if (!strcmp(p->end_reason, "signal"))
		snprintf(buf, cap, "killed by a signal");
	else
		snprintf(buf, cap, "%s", *p->end_reason ? p->end_reason : "unknown end");
	return buf;
}

static tal_value *pair_model(struct bctx *c, const struct cmp_pair *p)
{
	tal_value *d = tal_dict();
	char e1[64], e2[64];

	tal_set_str(d, "name", p->new->name);
	tal_set_int(d, "base_pid", p->base->pid);
	tal_set_int(d, "new_pid", p->new->pid);
	tal_set_bool(d, "differs", p->differs);
	tal_set_strf(d, "summary", "%zu new, %zu gone, %zu grown and %zu shrunk site%s; %zu leak change%s;"
	             " %zu checklist item%s changed; %zu metric value%s changed beyond noise",
	             p->nnew, p->ngone, p->ngrown, p->nshrunk,
	             p->nnew + p->ngone + p->ngrown + p->nshrunk == 1 ? "" : "s",
	             p->nleaks, p->nleaks == 1 ? "" : "s", p->nitems, p->nitems == 1 ? "" : "s",
	             p->metrics_changed, p->metrics_changed == 1 ? "" : "s");
	tal_set_str(d, "base_end", end_text(p->base, e1, sizeof e1));
	tal_set_str(d, "new_end", end_text(p->new, e2, sizeof e2));
	tal_set_bool(d, "end_changed", p->end_changed);
	tal_set(d, "chart", tal_node(overlay_chart(p)));
	tal_set(d, "timing", timing_model(p));
	tal_set(d, "metrics", metrics_model(p));
	tal_set(d, "sites", sites_model(c, p));
	tal_set(d, "leaks", leaks_model(c, p));
	tal_set_int(d, "leak_count", (long long)p->nleaks);
	tal_set(d, "items", items_model(p));
	tal_set(d, "open", open_model(c, p));
	return d;
}

static tal_value *procs_list(const struct cmp_proc *const *v, size_t n)
{
	tal_value *list = tal_list();

	for (size_t i = 0; i < n; i++) {
		tal_value *d = tal_dict();

		tal_set_str(d, "name", v[i]->name);
		tal_set_int(d, "pid", v[i]->pid);
		tal_push(list, d);
	}
	return list;
}

tal_value *baseline_model(const struct cmp_diff *d, size_t limit, const char *css)
{
	struct bctx c = { .d = d, .limit = limit ? limit : BASELINE_LIMIT };
	tal_value *root = tal_dict(), *pairs = tal_list();

	for (size_t i = 0; i < d->npairs; i++)
		tal_push(pairs, pair_model(&c, &d->pairs[i]));
	sqlite3_finalize(c.st_base);
	sqlite3_finalize(c.st_new);
	tal_set_strf(root, "title", "memledger diff: %s vs %s", base_name(d->base->path), base_name(d->new->path));
	tal_set_str(root, "generator", "memledger");
	tal_set_str(root, "style", css ? css : "");
	tal_set_str(root, "base_db", d->base->path);
	tal_set_str(root, "new_db", d->new->path);
	tal_set_bool(root, "differs", d->differs);
	tal_set_str(root, "verdict", d->differs ? "NEW differs from BASE." :
	            "No difference beyond noise: times and rates aside, the runs agree.");
	tal_set(root, "pairs", pairs);
	tal_set(root, "only_base", procs_list(d->only_base, d->nonly_base));
	tal_set(root, "only_new", procs_list(d->only_new, d->nonly_new));
	if (!tal_ok(root)) {
		tal_free(root);
		return NULL;
	}
	return root;
}

/* ---------------------------------------------------------------- output */

/* The template and style sheet: template_dir's when it has them, else built in. */
static int load(const char *template_dir, char **tmpl, size_t *tlen, char **css, char *name, size_t namecap,
                char *err, size_t errlen)
{
	char path[4096];
	size_t clen;

	*tmpl = *css = NULL;
	snprintf(name, namecap, "compare.xhtml (built in)");
	if (template_dir) {
		snprintf(path, sizeof path, "%s/compare.xhtml", template_dir);
		if ((*tmpl = report_read_file(path, tlen)))
			snprintf(name, namecap, "%s", path);
		else if (errno != ENOENT)
			goto out_err;
		snprintf(path, sizeof path, "%s/style.css", template_dir);
		if (!(*css = report_read_file(path, &clen)) && errno != ENOENT)
			goto out_err;
	}
	if (!*tmpl && !(*tmpl = strdup(embedded_templates_compare_xhtml)))
		goto out_oom;
	if (!strcmp(name, "compare.xhtml (built in)"))
		*tlen = strlen(*tmpl);
	if (!*css && !(*css = strdup(embedded_templates_style_css)))
		goto out_oom;
	return 0;
out_err:
	snprintf(err, errlen, "template %s: %s", path, strerror(errno));
	free(*tmpl);
	*tmpl = NULL;
	return -1;
out_oom:
	err_oom(err, errlen);
	free(*tmpl);
	free(*css);
	*tmpl = *css = NULL;
	return -1;
}

int baseline_write_page(const struct cmp_diff *d, const char *out_path, const char *template_dir,
                        size_t limit, char *err, size_t errlen)
{
	char *tmpl, *css, *html = NULL, name[4200];
	size_t tlen = 0, len = 0;
	tal_value *model;
	int ret = -1;

	if (load(template_dir, &tmpl, &tlen, &css, name, sizeof name, err, errlen) < 0)
		return -1;
	if (!(model = baseline_model(d, limit, css))) {
		err_oom(err, errlen);
		goto out_free;
	}
	xmlInitParser();
	if (tal_render(tmpl, tlen, name, model, &html, &len, err, errlen) < 0)
		goto out_free;
	ret = report_save(out_path, html, len, err, errlen);
out_free:
	free(html);
	tal_free(model);
	free(tmpl);
	free(css);
	return ret;
}

static xmlNodePtr find_id(xmlNodePtr n, const char *id)
{
	for (; n; n = n->next) {
		xmlChar *v;
		xmlNodePtr hit;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if ((v = xmlGetProp(n, (const xmlChar *)"id"))) {
			int same = !strcmp((const char *)v, id);

			xmlFree(v);
			if (same)
				return n;
		}
		if ((hit = find_id(n->children, id)))
			return hit;
	}
	return NULL;
}

int baseline_attach(tal_value *root, const char *base_path, const char *new_path,
                    const char *template_dir, char *err, size_t errlen)
{
	struct cmp_run base, new;
	struct cmp_diff d;
	char *tmpl = NULL, *css = NULL, name[4200], e[1024];
	size_t tlen = 0;
	tal_value *model = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr sec, copy;
	int ret = -1;

	if (cmp_run_load(&base, base_path, e, sizeof e) < 0) {
		snprintf(err, errlen, "baseline %s: %s", base_path, e);
		return -1;
	}
	if (cmp_run_load(&new, new_path, e, sizeof e) < 0) {
		snprintf(err, errlen, "%s", e);
		goto out_base;
	}
	if (cmp_diff_build(&d, &base, &new, 0, err, errlen) < 0)
		goto out_new;
	if (load(template_dir, &tmpl, &tlen, &css, name, sizeof name, err, errlen) < 0)
		goto out_diff;
	if (!(model = baseline_model(&d, 0, ""))) {
		err_oom(err, errlen);
		goto out_diff;
	}
	xmlInitParser();
	if (!(doc = tal_fill_text(tmpl, tlen, name, model, err, errlen)))
		goto out_diff;
	if (!(sec = find_id(xmlDocGetRootElement(doc), "baseline"))) {
		snprintf(err, errlen, "%s: no element with id=\"baseline\"", name);
		goto out_diff;
	}
	/* a copy that belongs to no document outlives this one */
	if (!(copy = xmlDocCopyNode(sec, NULL, 1)) || tal_set(root, "baseline", tal_node(copy)) < 0) {
		err_oom(err, errlen);
		goto out_diff;
	}
	ret = 0;
out_diff:
	xmlFreeDoc(doc);
	tal_free(model);
	free(tmpl);
	free(css);
	cmp_diff_free(&d);
out_new:
	cmp_run_free(&new);
out_base:
	cmp_run_free(&base);
	return ret;
}
