/*
 * cmd_diff.c - `memledger diff [--json] [--html OUT.html] BASE.db NEW.db`.
 *
 * Compares two runs (compare/diff.h) and prints what changed: a table on
 * the terminal, JSON with --json, and with --html a standalone page
 * (report/baseline.h). Exit status: 0 when nothing differs beyond noise,
 * 1 when something does, 2 on error (one line naming the file).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compare_out.h"
#include "common/units.h"
#include "compare/diff.h"
#include "compare/run.h"
#include "report/baseline.h"

struct diff_vars {
	const char *html, *tdir;
	long limit, frames;
	int json;
	double tolerance;
};

/* --tolerance PCT, as a fraction */
static int diff_option(void *vars, int key, const char *arg)
{
	struct diff_vars *v = vars;
	char *end;

	if (key != 'T')
		return 1;
	v->tolerance = strtod(arg, &end);
	if (end == arg || (*end && strcmp(end, "%")) || !(v->tolerance >= 0 && v->tolerance <= 1e6)) {
		cli_error("diff", "--tolerance wants a percentage (10%%), not '%s'", arg);
		return -1;
	}
	v->tolerance /= 100;
	return 0;
}

static const struct cli_opt diff_opts[] = {
	{ "json", 0, 'j', NULL, "print the comparison as JSON instead of a table", CLI_FLAG(struct diff_vars, json) },
	{ "html", 0, 'H', "OUT.html", "also write it as a standalone page", CLI_STR(struct diff_vars, html) },
	{ "template", 't', 0, "DIR", "for --html: DIR/compare.xhtml and DIR/style.css",
	  CLI_STR(struct diff_vars, tdir) },
	{ "tolerance", 0, 'T', "PCT", "changes in counts count only past PCT% of the base value\n"
				      "(default 0: any change), for programs whose work depends\n"
				      "on timing; new and gone sites always count",
	  CLI_CALLBACK },
	{ "limit", 0, 'l', "N", "rows per list (default 20; 0: all)",
	  CLI_LONG(struct diff_vars, limit, "a number", 0, 1L << 30) },
	{ "frames", 0, 'f', "K", "frames shown per stack (default 6)",
	  CLI_LONG(struct diff_vars, frames, "a number", 0, 256) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd diff_cmd = {
	.name = "diff",
	.head = "usage: memledger diff [--json] [--html OUT.html] [--tolerance PCT] [--limit N] [--frames K]\n"
		"                      BASE.db NEW.db\n"
		"\n"
		"Compare two runs: the metrics at every snapshot both took, the allocation\n"
		"sites (new, gone, grown, shrunk: matched by function, file and line, never\n"
		"by address), leaks at exit by class, checklist items whose status changed,\n"
		"and the threads, timers and channels left open at exit. Processes pair by\n"
		"program name and position. Counts from events must agree exactly; Sys,\n"
		"HeapInuse, RSS and the like count past a noise floor; times and rates are\n"
		"shown but never count as a difference.\n"
		"\n",
	.opts = diff_opts,
	.tail = "\n"
		"Exit status: 0 no difference, 1 the runs differ, 2 error.\n",
	.parse = CLI_PARSE_POSIX,
	.col = 22,
	.callback = diff_option,
};

struct out {
	const struct cmp_diff *d;
	sqlite3_stmt *st_base, *st_new;
	size_t limit;
	int frames;
};

static char *fv(char *b, enum cmp_unit u, double v)
{
	return baseline_fmt(b, UNITS_BUF, u, v);
}

static char *fd(char *b, enum cmp_unit u, double v)
{
	return baseline_fmt_delta(b, UNITS_BUF, u, v);
}

static void stack(struct out *o, int in_base, int64_t stack_id, const char *indent)
{
	const struct cmp_run *r = in_base ? o->d->base : o->d->new;

	out_stack(stdout, r->db, in_base ? &o->st_base : &o->st_new, stack_id, o->frames, indent);
}

/* ---------------------------------------------------------------- text */

static void text_metrics(const struct cmp_pair *p)
{
	size_t i = 0;
	char a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF], r[UNITS_BUF], safe[256];

	printf("\nmetrics at the snapshots both runs took: %zu changed beyond noise\n", p->metrics_changed);
	if (!p->nmetrics) {
		printf("  (the runs share no snapshot label)\n");
		return;
	}
	printf("    %-16s %-20s %14s %14s %14s %9s\n", "snapshot", "metric", "BASE", "NEW", "change", "%");
	printf("    (* counts as a difference; noise and timing never do)\n");
	while (i < p->nmetrics) {
		size_t snap = p->metrics[i].new_snap, same = 0, j;

		for (j = i; j < p->nmetrics && p->metrics[j].new_snap == snap; j++) {
			const struct cmp_delta *x = &p->metrics[j];
			const struct cmp_metric_def *m = &cmp_metrics[x->metric];

			if (x->change == 0) {
				same++;
				continue;
			}
			printf("  %c ", x->counts ? '*' : ' ');
			out_cell(stdout, out_safe(p->new->snaps[snap].label, safe, sizeof safe), 16, 0);
			out_cell(stdout, m->name, 20, 0);
			out_cell(stdout, fv(a, m->unit, x->base), 14, 1);
			out_cell(stdout, fv(b, m->unit, x->new), 14, 1);
			out_cell(stdout, fd(c, m->unit, x->change), 14, 1);
			out_cell(stdout, baseline_fmt_rel(r, sizeof r, x->relative), 9, 1);
			printf("%s\n", x->counts ? "" : m->noise == CMP_TIMING ? " (timing)" : " (noise)");
		}
		if (same)
			printf("    %-16s %zu metric%s unchanged\n", out_safe(p->new->snaps[snap].label, safe, sizeof safe),
			       same, same == 1 ? "" : "s");
		i = j;
	}
}

static void text_site(struct out *o, const struct cmp_site_delta *sd)
{
	const struct cmp_site *a = sd->base, *b = sd->new, *own = b ? b : a;
	char x1[UNITS_BUF], x2[UNITS_BUF], x3[UNITS_BUF], safe[1024];

	printf("  %-7s %s%s%s\n", cmp_change_name(sd->change), out_safe(own->where, safe, sizeof safe),
	       own->runtime ? " [runtime]" : "", sd->counts ? "" : "  (within --tolerance)");
	printf("          allocations %s -> %s (%s)", fv(x1, CMP_COUNT, a ? (double)a->allocs : 0),
	       fv(x2, CMP_COUNT, b ? (double)b->allocs : 0),
	       fd(x3, CMP_COUNT, (double)((b ? b->allocs : 0) - (a ? a->allocs : 0))));
	printf(", bytes %s -> %s (%s)", fv(x1, CMP_BYTES, a ? (double)a->bytes : 0),
	       fv(x2, CMP_BYTES, b ? (double)b->bytes : 0),
	       fd(x3, CMP_BYTES, (double)((b ? b->bytes : 0) - (a ? a->bytes : 0))));
	printf(", live at exit %s -> %s (%s)\n", fv(x1, CMP_BYTES, a ? (double)a->live_bytes : 0),
	       fv(x2, CMP_BYTES, b ? (double)b->live_bytes : 0),
	       fd(x3, CMP_BYTES, (double)((b ? b->live_bytes : 0) - (a ? a->live_bytes : 0))));
	stack(o, !b, own->stack_id, "          ");
}

static void text_sites(struct out *o, const struct cmp_pair *p)
{
	static const enum cmp_change kinds[] = { CMP_NEW, CMP_GONE, CMP_GROWN, CMP_SHRUNK };

	printf("\nallocation sites: %zu new, %zu gone, %zu grown, %zu shrunk, %zu unchanged\n", p->nnew, p->ngone,
	       p->ngrown, p->nshrunk, p->nsame);
	for (size_t k = 0; k < 4; k++) {
		size_t shown = 0, total = 0;

		for (size_t i = 0; i < p->nsites; i++) {
			if (p->sites[i].change != kinds[k])
				continue;
			total++;
			if (!o->limit || shown < o->limit) {
				text_site(o, &p->sites[i]);
				shown++;
			}
		}
		if (total > shown)
			printf("  ... %zu more %s site%s (--limit)\n", total - shown, cmp_change_name(kinds[k]),
			       total - shown == 1 ? "" : "s");
	}
}

static void text_leaks(struct out *o, const struct cmp_pair *p)
{
	char x1[UNITS_BUF], x2[UNITS_BUF], x3[UNITS_BUF], safe[1024], cls[64];

	printf("\nleaks at exit: %zu change%s\n", p->nleaks, p->nleaks == 1 ? "" : "s");
	for (size_t i = 0; i < p->nleaks && (!o->limit || i < o->limit); i++) {
		const struct cmp_leak_delta *l = &p->leaks[i];
		const struct cmp_site *own = l->new ? l->new : l->base;

		printf("  %-7s %-10s %s%s\n", cmp_change_name(l->change), out_safe(l->cls, cls, sizeof cls),
		       out_safe(own->where, safe, sizeof safe), l->counts ? "" : "  (within --tolerance)");
		printf("          %s in %lld block%s -> %s in %lld block%s (%s)%s\n", fv(x1, CMP_BYTES, (double)l->base_bytes),
		       (long long)l->base_allocs, l->base_allocs == 1 ? "" : "s", fv(x2, CMP_BYTES, (double)l->new_bytes),
		       (long long)l->new_allocs, l->new_allocs == 1 ? "" : "s",
		       fd(x3, CMP_BYTES, (double)(l->new_bytes - l->base_bytes)),
		       own->runtime ? " [the runtime's own]" : "");
		stack(o, !l->new, own->stack_id, "          ");
	}
	if (o->limit && p->nleaks > o->limit)
		printf("  ... %zu more (--limit)\n", p->nleaks - o->limit);
}

static void text_items(const struct cmp_pair *p)
{
	char safe[2048];

	printf("\nchecklist items that changed: %zu\n", p->nitems);
	for (size_t i = 0; i < p->nitems; i++) {
		const struct cmp_item_delta *it = &p->items[i];

		printf("  %-19s %s -> %s: %s\n", it->item, it->base ? it->base->status : "absent",
		       it->new ? it->new->status : "absent",
		       out_safe(it->new ? it->new->detail : it->base->detail, safe, sizeof safe));
	}
}

static void text_open(struct out *o, const struct cmp_pair *p)
{
	char safe[1024];

	printf("\nthreads, timers and channels open at exit: %zu change%s\n", p->nopen, p->nopen == 1 ? "" : "s");
	for (size_t i = 0; i < p->nopen && (!o->limit || i < o->limit); i++) {
		const struct cmp_open_delta *x = &p->open[i];
		const struct cmp_open *own = x->new ? x->new : x->base;

		printf("  %-16s %lld -> %lld, created at %s\n", own->what, (long long)x->base_count,
		       (long long)x->new_count, out_safe(own->where, safe, sizeof safe));
		stack(o, !x->new, own->stack_id, "          ");
	}
}

static void end_words(const struct cmp_proc *p, char *buf, size_t cap)
{
	if (!strcmp(p->end_reason, "exit"))
		snprintf(buf, cap, "exit %lld", (long long)p->exit_code);
	else
		snprintf(buf, cap, "%s", *p->end_reason ? p->end_reason : "?");
}

static void text_pair(struct out *o, const struct cmp_pair *p)
{
	char safe[512], e1[64], e2[64], a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF], r[UNITS_BUF];
	double da = (double)(p->base->end_ns - p->base->start_ns), db = (double)(p->new->end_ns - p->new->start_ns);

	printf("\n== %s: pid %lld (BASE) -> pid %lld (NEW)%s\n", out_safe(p->new->name, safe, sizeof safe),
	       (long long)p->base->pid, (long long)p->new->pid, p->differs ? "" : ": no difference");
	end_words(p->base, e1, sizeof e1);
	end_words(p->new, e2, sizeof e2);
	printf("   ended: %s -> %s%s\n", e1, e2, p->end_changed ? "  *" : "");
	printf("   duration: %s -> %s (%s %s; timing, never counted)\n", fv(a, CMP_NS, da), fv(b, CMP_NS, db),
	       fd(c, CMP_NS, db - da), baseline_fmt_rel(r, sizeof r, cmp_relative(da, db)));
	text_metrics(p);
	text_sites(o, p);
	text_leaks(o, p);
	text_items(p);
	text_open(o, p);
}

static void print_text(struct out *o)
{
	const struct cmp_diff *d = o->d;
	char s1[1024], s2[1024];
	size_t sites = 0, leaks = 0, items = 0, metrics = 0, open = 0, ends = 0;

	printf("memledger diff: BASE %s -> NEW %s\n", out_safe(d->base->path, s1, sizeof s1),
	       out_safe(d->new->path, s2, sizeof s2));
	for (size_t i = 0; i < d->nonly_base; i++)
		printf("only in BASE: %s (pid %lld)\n", out_safe(d->only_base[i]->name, s1, sizeof s1),
		       (long long)d->only_base[i]->pid);
	for (size_t i = 0; i < d->nonly_new; i++)
		printf("only in NEW: %s (pid %lld)\n", out_safe(d->only_new[i]->name, s1, sizeof s1),
		       (long long)d->only_new[i]->pid);
	for (size_t i = 0; i < d->npairs; i++) {
		const struct cmp_pair *p = &d->pairs[i];

		text_pair(o, p);
		sites += p->sites_counted;
		leaks += p->leaks_counted;
		items += p->nitems;
		metrics += p->metrics_changed;
		open += p->nopen;
		ends += (size_t)p->end_changed;
	}
	putchar('\n');
	if (!d->differs) {
		printf("no difference beyond noise\n");
		return;
	}
	printf("differs: %zu site change%s, %zu leak change%s, %zu item%s, %zu metric value%s, %zu open-at-exit"
	       " change%s%s%s\n", sites, sites == 1 ? "" : "s", leaks, leaks == 1 ? "" : "s", items,
	       items == 1 ? "" : "s", metrics, metrics == 1 ? "" : "s", open, open == 1 ? "" : "s",
	       ends ? ", a different end" : "", d->nonly_base || d->nonly_new ? ", unpaired processes" : "");
}

/* ---------------------------------------------------------------- JSON */

static void json_site_fields(struct out *o, struct jw *w, const struct cmp_site *s, int in_base)
{
	const struct cmp_run *r = in_base ? o->d->base : o->d->new;

	jw_str(w, "where", s->where);
	jw_bool(w, "runtime", s->runtime);
	jw_stack(w, "stack", r->db, in_base ? &o->st_base : &o->st_new, s->stack_id);
}

static void json_side(struct jw *w, const char *key, const struct cmp_site *s)
{
	jw_open(w, key, '{');
	jw_int(w, "allocs", s ? s->allocs : 0);
	jw_int(w, "bytes", s ? s->bytes : 0);
	jw_int(w, "live_allocs", s ? s->live_allocs : 0);
	jw_int(w, "live_bytes", s ? s->live_bytes : 0);
	jw_close(w, '}');
}

static void json_proc(struct jw *w, const char *key, const struct cmp_proc *p)
{
	jw_open(w, key, '{');
	jw_int(w, "id", p->id);
	jw_int(w, "pid", p->pid);
	jw_str(w, "exe", p->exe);
	jw_str(w, "end_reason", p->end_reason);
	if (p->exit_code >= 0)
		jw_int(w, "exit_code", p->exit_code);
	else
		jw_num(w, "exit_code", NAN);
	jw_int(w, "duration_ns", p->end_ns - p->start_ns);
	jw_close(w, '}');
}

static void json_pair(struct out *o, struct jw *w, const struct cmp_pair *p)
{
	static const enum cmp_change kinds[] = { CMP_NEW, CMP_GONE, CMP_GROWN, CMP_SHRUNK };

	jw_open(w, NULL, '{');
	json_proc(w, "base", p->base);
	json_proc(w, "new", p->new);
	jw_bool(w, "differs", p->differs);
	jw_bool(w, "end_changed", p->end_changed);
	jw_int(w, "metrics_changed", (long long)p->metrics_changed);
	jw_int(w, "sites_changed", (long long)p->sites_counted);
	jw_int(w, "leaks_changed", (long long)p->leaks_counted);
	jw_open(w, "metrics", '[');
	for (size_t i = 0; i < p->nmetrics; i++) {
		const struct cmp_delta *x = &p->metrics[i];
		const struct cmp_metric_def *m = &cmp_metrics[x->metric];

		jw_open(w, NULL, '{');
		jw_str(w, "label", p->new->snaps[x->new_snap].label);
		jw_int(w, "occurrence", p->new->snaps[x->new_snap].occ);
		jw_str(w, "metric", m->column);
		jw_str(w, "name", m->name);
		jw_num(w, "base", x->base);
		jw_num(w, "new", x->new);
		jw_num(w, "change", x->change);
		jw_num(w, "relative", x->relative);
		jw_str(w, "noise", m->noise == CMP_TIMING ? "timing" : m->noise == CMP_STATE ? "state" : "exact");
		jw_bool(w, "counts", x->counts);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "sites", '{');
	jw_int(w, "new", (long long)p->nnew);
	jw_int(w, "gone", (long long)p->ngone);
	jw_int(w, "grown", (long long)p->ngrown);
	jw_int(w, "shrunk", (long long)p->nshrunk);
	jw_int(w, "unchanged", (long long)p->nsame);
	jw_open(w, "changes", '[');
	for (size_t k = 0; k < 4; k++) {
		size_t shown = 0;

		for (size_t i = 0; i < p->nsites; i++) {
			const struct cmp_site_delta *sd = &p->sites[i];

			if (sd->change != kinds[k] || (o->limit && shown >= o->limit))
				continue;
			shown++;
			jw_open(w, NULL, '{');
			jw_str(w, "change", cmp_change_name(sd->change));
			json_site_fields(o, w, sd->new ? sd->new : sd->base, !sd->new);
			json_side(w, "base", sd->base);
			json_side(w, "new", sd->new);
			jw_num(w, "impact", sd->impact);
			jw_bool(w, "counts", sd->counts);
			jw_close(w, '}');
		}
	}
	jw_close(w, ']');
	jw_close(w, '}');
	jw_open(w, "leaks", '[');
	for (size_t i = 0; i < p->nleaks && (!o->limit || i < o->limit); i++) {
		const struct cmp_leak_delta *l = &p->leaks[i];

		jw_open(w, NULL, '{');
		jw_str(w, "change", cmp_change_name(l->change));
		jw_str(w, "class", l->cls);
		jw_bool(w, "definite", l->definite);
		jw_bool(w, "counts", l->counts);
		json_site_fields(o, w, l->new ? l->new : l->base, !l->new);
		jw_int(w, "base_allocs", l->base_allocs);
		jw_int(w, "base_bytes", l->base_bytes);
		jw_int(w, "new_allocs", l->new_allocs);
		jw_int(w, "new_bytes", l->new_bytes);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "items", '[');
	for (size_t i = 0; i < p->nitems; i++) {
		const struct cmp_item_delta *it = &p->items[i];

		jw_open(w, NULL, '{');
		jw_str(w, "item", it->item);
		jw_str(w, "base", it->base ? it->base->status : NULL);
		jw_str(w, "new", it->new ? it->new->status : NULL);
		jw_str(w, "detail", it->new ? it->new->detail : it->base->detail);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "open_at_exit", '[');
	for (size_t i = 0; i < p->nopen && (!o->limit || i < o->limit); i++) {
		const struct cmp_open_delta *x = &p->open[i];
		const struct cmp_open *own = x->new ? x->new : x->base;
		const struct cmp_run *r = x->new ? o->d->new : o->d->base;

		jw_open(w, NULL, '{');
		jw_str(w, "what", own->what);
		jw_str(w, "where", own->where);
		jw_stack(w, "stack", r->db, x->new ? &o->st_new : &o->st_base, own->stack_id);
		jw_int(w, "base", x->base_count);
		jw_int(w, "new", x->new_count);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static int print_json(struct out *o)
{
	const struct cmp_diff *d = o->d;
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '{');
	jw_str(&w, "base", d->base->path);
	jw_str(&w, "new", d->new->path);
	jw_bool(&w, "differs", d->differs);
	jw_num(&w, "tolerance", d->tolerance);
	jw_open(&w, "processes", '[');
	for (size_t i = 0; i < d->npairs; i++)
		json_pair(o, &w, &d->pairs[i]);
	jw_close(&w, ']');
	jw_open(&w, "only_in_base", '[');
	for (size_t i = 0; i < d->nonly_base; i++)
		json_proc(&w, NULL, d->only_base[i]);
	jw_close(&w, ']');
	jw_open(&w, "only_in_new", '[');
	for (size_t i = 0; i < d->nonly_new; i++)
		json_proc(&w, NULL, d->only_new[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	return jw_finish(&w, stdout);
}

/* ---------------------------------------------------------------- main */

int cmd_diff(int argc, char **argv)
{
	struct diff_vars v = { .limit = BASELINE_LIMIT, .frames = 6 };
	struct cmp_run base, new;
	struct cmp_diff d;
	char err[1024];
	int rc = cli_cmd_parse(&diff_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	rc = 2;
	if (argc - optind != 2)
		return cli_usage_error(&diff_cmd, "wants two databases, BASE and NEW");
	if (cmp_run_load(&base, argv[optind], err, sizeof err) < 0) {
		cli_error(argv[optind], "%s", err);
		return 2;
	}
	if (cmp_run_load(&new, argv[optind + 1], err, sizeof err) < 0) {
		cli_error(argv[optind + 1], "%s", err);
		goto out_base;
	}
	if (cmp_diff_build(&d, &base, &new, v.tolerance, err, sizeof err) < 0) {
		cli_error(argv[optind + 1], "%s", err);
		goto out_new;
	}
	struct out o = { .d = &d, .limit = (size_t)v.limit, .frames = (int)v.frames };
	if (v.html && baseline_write_page(&d, v.html, v.tdir, (size_t)v.limit, err, sizeof err) < 0) {
		cli_error(v.html, "%s", err);
		goto out_diff;
	}
	if (v.json) {
		if (print_json(&o) < 0) {
			cli_error("diff", "cannot write the JSON (out of memory or a closed output)");
			goto out_diff;
		}
	} else {
		print_text(&o);
		if (fflush(stdout) == EOF) {
			cli_error("diff", "cannot write the output");
			goto out_diff;
		}
	}
	rc = d.differs ? 1 : 0;
out_diff:
	sqlite3_finalize(o.st_base);
	sqlite3_finalize(o.st_new);
	cmp_diff_free(&d);
out_new:
	cmp_run_free(&new);
out_base:
	cmp_run_free(&base);
	return rc;
}
