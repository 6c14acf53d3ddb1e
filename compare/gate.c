/*
 * gate.c - see gate.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "compare/gate.h"
#include "compare/sitekey.h"
#include "format/memstats.h"

static const char *const known_items[] = {
	"threads_stopped", "threads_joined", "timers_stopped", "containers_cleared", "channels_closed",
	"settle_time", "gc_repeated", "global_references", "baseline_returned",
};

/* The items that gate by default; the phase items only with the program's own snapshots. */
static const char *const default_items[] = {
	"threads_stopped", "threads_joined", "timers_stopped", "channels_closed",
	"settle_time", "containers_cleared", "baseline_returned",
};
static const char *const phase_items[] = { "containers_cleared", "baseline_returned" };

/* Gates of their own, and the word that covers the leak gates. */
static const char *const baseline_gates[] = { "new_leak_sites", "lost_growth", "peak_alloc_growth",
	                                      "allocs_growth" };

#define N(a) (sizeof a / sizeof *a)

static int in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

const char *gate_class_words(const char *cls)
{
	if (!strcmp(cls, "lost"))
		return "definitely lost";
	if (!strcmp(cls, "indirect"))
		return "indirectly lost";
	if (!strcmp(cls, "possible"))
		return "possibly lost";
	if (!strcmp(cls, "reachable"))
		return "still reachable";
	return cls;
}

/* ---------------------------------------------------------------- thresholds */

static int parse_part(const char *s, size_t n, struct cmp_threshold *t)
{
	char buf[64], *end;
	double v, mul = 1;

	if (!n || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	v = strtod(buf, &end);
	if (end == buf || !(v >= 0) || isinf(v))
		return -1;
	while (*end == ' ')
		end++;
	if (!strcmp(end, "%")) {
		t->rel = v / 100;
		return 0;
	}
	if (!*end || !strcmp(end, "B"))
		mul = 1;
	else if (!strcmp(end, "KiB"))
		mul = 1024;
	else if (!strcmp(end, "MiB"))
		mul = 1024.0 * 1024;
	else if (!strcmp(end, "GiB"))
		mul = 1024.0 * 1024 * 1024;
	else if (!strcmp(end, "k") || !strcmp(end, "K") || !strcmp(end, "kB"))
		mul = 1e3;
	else if (!strcmp(end, "M") || !strcmp(end, "MB"))
		mul = 1e6;
	else if (!strcmp(end, "G") || !strcmp(end, "GB"))
		mul = 1e9;
	else
		return -1;
	t->abs = v * mul;
	return 0;
}

int cmp_threshold_parse(const char *s, struct cmp_threshold *t)
{
	struct cmp_threshold r = { 0, 0 };
	const char *comma = strchr(s, ',');

	if (comma) {
		if (strchr(comma + 1, ',') || parse_part(s, (size_t)(comma - s), &r) < 0 ||
		    parse_part(comma + 1, strlen(comma + 1), &r) < 0)
			return -1;
	} else if (parse_part(s, strlen(s), &r) < 0) {
		return -1;
	}
	*t = r;
	return 0;
}

char *cmp_threshold_text(char *dst, size_t cap, const struct cmp_threshold *t, int bytes)
{
	char a[32] = "", r[32] = "";

	if (t->rel > 0)
		snprintf(r, sizeof r, "%g%%", t->rel * 100);
	if (t->abs > 0 || t->rel == 0) {
		if (bytes && t->abs >= 1024.0 * 1024 * 1024 && fmod(t->abs, 1024.0 * 1024 * 1024) == 0)
			snprintf(a, sizeof a, "%gGiB", t->abs / (1024.0 * 1024 * 1024));
		else if (bytes && t->abs >= 1024.0 * 1024 && fmod(t->abs, 1024.0 * 1024) == 0)
			snprintf(a, sizeof a, "%gMiB", t->abs / (1024.0 * 1024));
		else if (bytes && t->abs >= 1024 && fmod(t->abs, 1024) == 0)
			snprintf(a, sizeof a, "%gKiB", t->abs / 1024);
		else
			snprintf(a, sizeof a, "%.15g", t->abs);
	}
	snprintf(dst, cap, "%s%s%s", r, *r && *a ? "," : "", a);
	return dst;
}

int cmp_threshold_exceeded(const struct cmp_threshold *t, double base, double new)
{
	if (isnan(base) || isnan(new))
		return 0;
	return new - base > fmax(t->abs, t->rel * fabs(base));
}

/* ---------------------------------------------------------------- building */

struct gctx {
	const struct gate_opts *o;
	struct gate_report *r;
	const struct cmp_run *run, *base_run;
	sqlite3_stmt *st, *st_base; /* frame readers of each run */
	int oom, dberr;
	char *err;
	size_t errlen;
};

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static struct gate_case *add_case(struct gctx *g, struct gate_suite *s, const char *kind, const char *name)
{
	struct gate_case *nc = realloc(s->cases, (s->ncases + 1) * sizeof *nc);

	if (!nc) {
		g->oom = 1;
		return NULL;
	}
	s->cases = nc;
	nc = &s->cases[s->ncases++];
	memset(nc, 0, sizeof *nc);
	nc->kind = kind;
	if (!(nc->name = strdup(name)))
		g->oom = 1;
	return nc;
}

static void message(struct gctx *g, struct gate_case *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void message(struct gctx *g, struct gate_case *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(c->message);
	if (!(c->message = vfmt(fmt, ap)))
		g->oom = 1;
	va_end(ap);
}

static void detail(struct gctx *g, struct gate_case *c, int64_t stack, int in_base, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void detail(struct gctx *g, struct gate_case *c, int64_t stack, int in_base, const char *fmt, ...)
{
	struct gate_detail *nd = realloc(c->details, (c->ndetails + 1) * sizeof *nd);
	va_list ap;

	if (!nd) {
		g->oom = 1;
		return;
	}
	c->details = nd;
	va_start(ap, fmt);
	nd[c->ndetails].text = vfmt(fmt, ap);
	va_end(ap);
	if (!nd[c->ndetails].text) {
		g->oom = 1;
		return;
	}
	nd[c->ndetails].stack_id = stack;
	nd[c->ndetails++].in_base = in_base;
}

static char *dupstr(struct gctx *g, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		g->oom = 1;
	return d;
}

/* The rule that suppresses a stack of NEW (or BASE), or NULL. */
static const struct cmp_supp_rule *suppressed(struct gctx *g, int64_t stack, int in_base)
{
	const struct cmp_run *run = in_base ? g->base_run : g->run;
	struct cmp_frame *f;
	const struct cmp_supp_rule *rule;
	int n;

	if (!g->o->supp || !g->o->supp->n || stack <= 0 || !run)
		return NULL;
	n = cmp_stack_read(run->db, in_base ? &g->st_base : &g->st, stack, &f, g->err, g->errlen);
	if (n < 0) {
		g->dberr = 1;
		return NULL;
	}
	rule = cmp_supp_match(g->o->supp, f, (size_t)n);
	cmp_frames_free(f, (size_t)n);
	return rule;
}

static int gating_class(const struct gctx *g, const char *cls)
{
	return in(cls, (const char *const *)g->r->classes, g->r->nclasses);
}

/* Blocks of the gating classes at a site. */
static void site_gating(const struct gctx *g, const struct cmp_site *s, int64_t *allocs, int64_t *bytes)
{
	*allocs = *bytes = 0;
	for (size_t k = 0; s && k < s->nleaks; k++)
		if (gating_class(g, s->leaks[k].cls)) {
			*allocs += s->leaks[k].allocs;
			*bytes += s->leaks[k].bytes;
		}
}

/* "3 blocks (48 B) definitely lost, 1 block (16 B) indirectly lost" of a site */
static void leak_words(const struct gctx *g, const struct cmp_site *s, char *out, size_t cap)
{
	size_t off = 0;
	char b[32];

	out[0] = 0;
	for (size_t k = 0; s && k < s->nleaks && off + 1 < cap; k++) {
		if (!gating_class(g, s->leaks[k].cls))
			continue;
		ml_fmt_bytes(b, sizeof b, s->leaks[k].bytes);
		off += (size_t)snprintf(out + off, cap - off, "%s%s in %lld block%s %s", off ? ", " : "", b,
		                        (long long)s->leaks[k].allocs, s->leaks[k].allocs == 1 ? "" : "s",
		                        gate_class_words(s->leaks[k].cls));
	}
}

/* ---------------------------------------------------------------- options */

static char **split(const char *s, size_t *n)
{
	char **v = NULL, **nv;
	const char *p = s;

	*n = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *a = p, *b = p + len;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if (!(nv = realloc(v, (*n + 2) * sizeof *v)))
				goto out_oom;
			v = nv;
			if (!(v[*n] = strndup(a, (size_t)(b - a))))
				goto out_oom;
			v[++*n] = NULL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!v && !(v = calloc(1, sizeof *v)))
		return NULL;
	return v;
out_oom:
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	*n = 0;
	return NULL;
}

static int item_in_run(const struct cmp_run *run, const char *name)
{
	for (size_t i = 0; run && i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i].nitems; k++)
			if (!strcmp(run->procs[i].items[k].item, name))
				return 1;
	return 0;
}

static int setup(struct gctx *g, int baseline)
{
	const struct gate_opts *o = g->o;
	struct gate_report *r = g->r;

	memset(r, 0, sizeof *r);
	r->baseline = baseline;
	if (!(r->classes = split(o->classes ? o->classes : "lost,indirect", &r->nclasses)))
		goto out_oom;
	if (!r->nclasses) {
		snprintf(g->err, g->errlen, "--leak-classes names no class");
		return -1;
	}
	if (o->fail_on && !o->strict) {
		if (!(r->fail_on = split(o->fail_on, &r->nfail_on)))
			goto out_oom;
		for (size_t i = 0; i < r->nfail_on; i++) {
			const char *x = r->fail_on[i];

			if (in(x, known_items, N(known_items)) || !strcmp(x, "leaks") ||
			    (baseline && in(x, baseline_gates, N(baseline_gates))) || item_in_run(g->run, x))
				continue;
			snprintf(g->err, g->errlen, "--fail-on: unknown item '%s' (items: threads_stopped, threads_joined,"
			         " timers_stopped, containers_cleared, channels_closed, settle_time, gc_repeated,"
			         " global_references, baseline_returned; gates: leaks%s)",
			         x, baseline ? ", new_leak_sites, lost_growth, peak_alloc_growth, allocs_growth" : "");
			return -1;
		}
		return 0;
	}
	/* the effective choice, for printing */
	const char *const *list = o->strict || baseline ? known_items : default_items;
	size_t n = o->strict || baseline ? N(known_items) : N(default_items);
	if (!(r->fail_on = calloc(n + 2, sizeof *r->fail_on)))
		goto out_oom;
	for (size_t i = 0; i < n; i++)
		if (!(r->fail_on[r->nfail_on++] = strdup(list[i])))
			goto out_oom;
	if (!(r->fail_on[r->nfail_on++] = strdup("leaks")))
		goto out_oom;
	r->default_items = !o->strict;
	return 0;
out_oom:
	return err_oom(g->err, g->errlen);
}

/* Does item gate for process p? */
static int item_gates(const struct gctx *g, const struct cmp_proc *p, const char *item)
{
	if (g->o->strict)
		return 1;
	if (!g->r->default_items)
		return in(item, (const char *const *)g->r->fail_on, g->r->nfail_on);
	if (g->r->baseline)
		return 1;
	return gate_item_default(item, p->user_snaps);
}

int gate_item_default(const char *item, int user_snaps)
{
	if (!in(item, default_items, N(default_items)))
		return 0;
	return !in(item, phase_items, N(phase_items)) || user_snaps >= 2;
}

static int gate_gates(const struct gctx *g, const char *gate)
{
	if (g->o->strict || g->r->default_items)
		return 1;
	if (in(gate, (const char *const *)g->r->fail_on, g->r->nfail_on))
		return 1;
	return (!strcmp(gate, "new_leak_sites") || !strcmp(gate, "lost_growth")) &&
	       in("leaks", (const char *const *)g->r->fail_on, g->r->nfail_on);
}

/* ---------------------------------------------------------------- items */

/*
 * A failing item whose every piece of evidence has a stack that a rule
 * suppresses does not count. Returns the last rule used, or NULL.
 */
static const struct cmp_supp_rule *item_suppressed(struct gctx *g, const struct cmp_item *it)
{
	const struct cmp_supp_rule *rule = NULL;

	if (!g->o->supp || !g->o->supp->n || !it->nev)
		return NULL;
	for (size_t k = 0; k < it->nev; k++)
		if (!(rule = suppressed(g, it->ev[k].stack_id, 0)))
			return NULL;
	return rule;
}

static void item_details(struct gctx *g, struct gate_case *c, const struct cmp_item *it)
{
	for (size_t k = 0; k < it->nev; k++)
		detail(g, c, it->ev[k].stack_id, 0, "%s", it->ev[k].text);
}

static void add_items(struct gctx *g, struct gate_suite *s, const struct cmp_proc *p, const struct cmp_proc *base)
{
	for (size_t i = 0; i < p->nitems; i++) {
		const struct cmp_item *it = &p->items[i], *was = NULL;
		struct gate_case *c = add_case(g, s, "checklist", it->item);
		const struct cmp_supp_rule *rule;

		if (!c)
			return;
		for (size_t k = 0; base && k < base->nitems; k++)
			if (!strcmp(base->items[k].item, it->item))
				was = &base->items[k];
		c->status = dupstr(g, it->status);
		c->base_status = g->r->baseline ? dupstr(g, was ? was->status : "absent") : NULL;
		c->gating = item_gates(g, p, it->item);
		c->result = GATE_PASS;
		if (strcmp(it->status, "fail")) {
			if (strcmp(it->status, "pass"))
				c->result = GATE_SKIP;
			message(g, c, "%s", it->detail);
			continue;
		}
		item_details(g, c, it);
		if (g->r->baseline && was && !strcmp(was->status, "fail")) {
			c->result = GATE_SKIP;
			message(g, c, "fails, as it did in BASE (not a regression): %s", it->detail);
		} else if (!c->gating) {
			c->result = GATE_SKIP;
			message(g, c, "fails, but does not gate (%s): %s",
			        !g->r->default_items ? "not in --fail-on" :
			        in(it->item, phase_items, N(phase_items)) ?
			        "by default only with two snapshots of the program's own; see --fail-on" :
			        "not gated by default; see --fail-on", it->detail);
		} else if ((rule = item_suppressed(g, it))) {
			c->result = GATE_SKIP;
			message(g, c, "fails, but every stack is suppressed (%s line %d): %s", g->o->supp->path,
			        rule->line, it->detail);
		} else {
			c->result = GATE_FAIL;
			if (g->r->baseline)
				message(g, c, "%s in BASE, fails now: %s", was ? was->status : "absent", it->detail);
			else
				message(g, c, "%s", it->detail);
		}
	}
}

/* ---------------------------------------------------------------- leaks */

static void add_total(struct gctx *g, struct gate_suite *s, const char *cls, int64_t allocs, int64_t bytes)
{
	struct gate_leak_total *nt;

	for (size_t i = 0; i < s->ntotals; i++)
		if (!strcmp(s->totals[i].cls, cls)) {
			s->totals[i].allocs += allocs;
			s->totals[i].bytes += bytes;
			return;
		}
	if (!(nt = realloc(s->totals, (s->ntotals + 1) * sizeof *nt))) {
		g->oom = 1;
		return;
	}
	s->totals = nt;
	nt[s->ntotals] = (struct gate_leak_total){ dupstr(g, cls), allocs, bytes };
	s->ntotals++;
}

/* Fill the leak summary of s; mark in keep[] the sites whose gating leaks count. */
static void leak_summary(struct gctx *g, struct gate_suite *s, const struct cmp_proc *p, char *keep)
{
	/* the classes valgrind prints, in its order, even when empty */
	add_total(g, s, "lost", 0, 0);
	add_total(g, s, "indirect", 0, 0);
	for (size_t i = 0; i < p->nsites; i++) {
		const struct cmp_site *x = &p->sites[i];
		int64_t ga, gb;

		keep[i] = 0;
		if (!x->nleaks)
			continue;
		site_gating(g, x, &ga, &gb);
		if (x->runtime) {
			for (size_t k = 0; k < x->nleaks; k++) {
				s->runtime_allocs += x->leaks[k].allocs;
				s->runtime_bytes += x->leaks[k].bytes;
			}
			continue;
		}
		/* only a stack that would gate is worth reading for rules */
		if (ga && suppressed(g, x->stack_id, 0)) {
			for (size_t k = 0; k < x->nleaks; k++) {
				s->supp_allocs += x->leaks[k].allocs;
				s->supp_bytes += x->leaks[k].bytes;
			}
			continue;
		}
		for (size_t k = 0; k < x->nleaks; k++)
			add_total(g, s, x->leaks[k].cls, x->leaks[k].allocs, x->leaks[k].bytes);
		keep[i] = ga > 0;
	}
}

struct ranked {
	const struct cmp_site *s;
	int64_t bytes;
};

static int by_bytes_desc(const void *a, const void *b)
{
	int64_t x = ((const struct ranked *)a)->bytes, y = ((const struct ranked *)b)->bytes;
	return x > y ? -1 : x < y;
}

/* The plain gate "leaks": definite leaks at the program's own sites. */
static void leaks_case(struct gctx *g, struct gate_suite *s, const struct cmp_proc *p, const char *keep)
{
	struct gate_case *c = add_case(g, s, "gate", "leaks");
	struct ranked *v;
	size_t n = 0;
	int64_t allocs = 0, bytes = 0;
	char b[32], w[512];

	if (!c)
		return;
	c->gating = gate_gates(g, "leaks");
	if (!p->scanned) {
		c->result = GATE_SKIP;
		message(g, c, "no reachability scan ran at exit (the process %s), so blocks left at exit are"
		        " not classified", !strcmp(p->end_reason, "signal") ? "was killed by a signal" :
		        !strcmp(p->end_reason, "exit") ? "skipped it" : "did not exit normally");
		return;
	}
	if (!(v = malloc((p->nsites + 1) * sizeof *v))) {
		g->oom = 1;
		return;
	}
	for (size_t i = 0; i < p->nsites; i++)
		if (keep[i]) {
			int64_t ga, gb;

			site_gating(g, &p->sites[i], &ga, &gb);
			v[n++] = (struct ranked){ &p->sites[i], gb };
			allocs += ga;
			bytes += gb;
		}
	qsort(v, n, sizeof *v, by_bytes_desc);
	for (size_t i = 0; i < n; i++) {
		leak_words(g, v[i].s, w, sizeof w);
		detail(g, c, v[i].s->stack_id, 0, "%s at %s", w, v[i].s->where);
	}
	free(v);
	ml_fmt_bytes(b, sizeof b, bytes);
	if (!n) {
		c->result = GATE_PASS;
		message(g, c, "no definite leaks at exit%s", s->supp_allocs ? " (some suppressed)" : "");
		return;
	}
	c->result = c->gating ? GATE_FAIL : GATE_SKIP;
	message(g, c, "%s%lld block%s (%s) left at exit that nothing can reach, at %zu site%s",
	        c->gating ? "" : "does not gate (not in --fail-on): ", (long long)allocs, allocs == 1 ? "" : "s",
	        b, n, n == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- suites */

static struct gate_suite *add_suite(struct gctx *g, const struct cmp_proc *p, const struct cmp_proc *base)
{
	struct gate_suite *ns = realloc(g->r->suites, (g->r->nsuites + 1) * sizeof *ns);

	if (!ns) {
		g->oom = 1;
		return NULL;
	}
	g->r->suites = ns;
	ns = &ns[g->r->nsuites++];
	memset(ns, 0, sizeof *ns);
	ns->proc = p;
	ns->base = base;
	return ns;
}

static void count(struct gate_report *r)
{
	r->tests = r->failures = r->skipped = 0;
	for (size_t i = 0; i < r->nsuites; i++) {
		struct gate_suite *s = &r->suites[i];

		s->failures = s->skipped = 0;
		for (size_t k = 0; k < s->ncases; k++) {
			s->failures += s->cases[k].result == GATE_FAIL;
			s->skipped += s->cases[k].result == GATE_SKIP;
		}
		r->tests += s->ncases;
		r->failures += s->failures;
		r->skipped += s->skipped;
	}
}

static int finish(struct gctx *g, int rc)
{
	sqlite3_finalize(g->st);
	sqlite3_finalize(g->st_base);
	if (g->oom && rc == 0) {
		err_oom(g->err, g->errlen);
		rc = -1;
	}
	if (g->dberr && rc == 0)
		rc = -1; /* err was filled by cmp_stack_read */
	if (rc < 0) {
		gate_report_free(g->r);
		return -1;
	}
	count(g->r);
	return 0;
}

int gate_plain(const struct cmp_run *run, const struct gate_opts *o, struct gate_report *r,
               char *err, size_t errlen)
{
	struct gctx g = { .o = o, .r = r, .run = run, .err = err, .errlen = errlen };
	size_t i, seen = 0;

	if (setup(&g, 0) < 0)
		return finish(&g, -1);
	for (i = 0; i < run->nprocs && !g.oom && !g.dberr; i++) {
		const struct cmp_proc *p = &run->procs[i];
		struct gate_suite *s;
		char *keep;

		if (o->only >= 0 && p->id != o->only)
			continue;
		seen++;
		if (!(s = add_suite(&g, p, NULL)))
			break;
		add_items(&g, s, p, NULL);
		if (!(keep = calloc(p->nsites + 1, 1))) {
			g.oom = 1;
			break;
		}
		leak_summary(&g, s, p, keep);
		leaks_case(&g, s, p, keep);
		free(keep);
	}
	if (!seen && !g.oom) {
		snprintf(err, errlen, "no process %lld in the database", (long long)o->only);
		return finish(&g, -1);
	}
	return finish(&g, 0);
}

/* ---------------------------------------------------------------- baseline */

/* Definite leak bytes of a run's process at the sites that count. */
static int64_t counted_leak_bytes(struct gctx *g, const struct cmp_proc *p, int in_base)
{
	int64_t total = 0;

	for (size_t i = 0; p && i < p->nsites; i++) {
		int64_t ga, gb;

		if (p->sites[i].runtime)
			continue;
		site_gating(g, &p->sites[i], &ga, &gb);
		if (ga && !suppressed(g, p->sites[i].stack_id, in_base))
			total += gb;
	}
	return total;
}

static void new_sites_case(struct gctx *g, struct gate_suite *s, const struct cmp_pair *pair,
                           const struct cmp_proc *p)
{
	struct gate_case *c = add_case(g, s, "gate", "new_leak_sites");
	int64_t allocs = 0, bytes = 0;
	size_t n = 0;
	char w[512], b[32];

	if (!c)
		return;
	c->gating = gate_gates(g, "new_leak_sites");
	for (size_t i = 0; i < p->nsites; i++) {
		const struct cmp_site *x = &p->sites[i], *was = pair ? cmp_pair_base_site(pair, x) : NULL;
		int64_t ga, gb, ba, bb;

		if (x->runtime)
			continue;
		site_gating(g, x, &ga, &gb);
		site_gating(g, was, &ba, &bb);
		if (!ga || ba || suppressed(g, x->stack_id, 0))
			continue;
		leak_words(g, x, w, sizeof w);
		detail(g, c, x->stack_id, 0, "new leak site: %s at %s", w, x->where);
		allocs += ga;
		bytes += gb;
		n++;
	}
	ml_fmt_bytes(b, sizeof b, bytes);
	if (!n) {
		c->result = GATE_PASS;
		message(g, c, "no site leaks that did not in BASE");
		return;
	}
	c->result = c->gating ? GATE_FAIL : GATE_SKIP;
	message(g, c, "%s%zu site%s leak%s that did not in BASE: %lld block%s (%s)",
	        c->gating ? "" : "does not gate (not in --fail-on): ", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
	        (long long)allocs, allocs == 1 ? "" : "s", b);
}

/* A threshold gate, its case returned (NULL when memory ran out). */
static struct gate_case *growth_case(struct gctx *g, struct gate_suite *s, const char *name, const char *what,
                        double base, double new, const struct cmp_threshold *t, int bytes,
                        const struct cmp_pair *pair, const char *opt)
{
	struct gate_case *c = add_case(g, s, "gate", name);
	char a[32], z[32], d[32], lim[64];

	if (!c)
		return NULL;
	c->gating = gate_gates(g, name);
	cmp_threshold_text(lim, sizeof lim, t, bytes);
	if (!pair) {
		c->result = GATE_SKIP;
		message(g, c, "no process in BASE to compare with");
		return c;
	}
	if (isnan(base) || isnan(new)) {
		c->result = GATE_SKIP;
		message(g, c, "%s is not known for both runs", what);
		return c;
	}
	if (bytes) {
		ml_fmt_bytes(a, sizeof a, (int64_t)base);
		ml_fmt_bytes(z, sizeof z, (int64_t)new);
		ml_fmt_bytes(d, sizeof d, (int64_t)(new - base));
	} else {
		snprintf(a, sizeof a, "%.0f", base);
		snprintf(z, sizeof z, "%.0f", new);
		snprintf(d, sizeof d, "%.0f", new - base);
	}
	int over = cmp_threshold_exceeded(t, base, new);
	char rel[32] = "";
	if (base != 0)
		snprintf(rel, sizeof rel, ", %+.1f%%", (new - base) / fabs(base) * 100);
	c->result = over ? (c->gating ? GATE_FAIL : GATE_SKIP) : GATE_PASS;
	message(g, c, "%s%s %s -> %s (%s%s%s); allowed growth %s %s", over && !c->gating ?
	        "does not gate (not in --fail-on): " : "", what, a, z, new >= base ? "+" : "", d, rel, opt, lim);
	return c;
}

/* The sites behind a growth: those whose value grew most. */
static void growth_sites(struct gctx *g, struct gate_case *c, const struct cmp_pair *pair, int which, size_t max)
{
	struct ranked *v;
	size_t n = 0;
	char a[32], z[32];

	if (!pair || !c || c->result == GATE_PASS)
		return;
	if (!(v = malloc((pair->nsites + 1) * sizeof *v))) {
		g->oom = 1;
		return;
	}
	for (size_t i = 0; i < pair->nsites; i++) {
		const struct cmp_site *x = pair->sites[i].base, *y = pair->sites[i].new;
		int64_t before = 0, after = 0, ga, gb;

		if (!y || y->runtime)
			continue;
		switch (which) {
		case 0: /* leaks */
			site_gating(g, x, &ga, &gb);
			before = gb;
			site_gating(g, y, &ga, &gb);
			after = gb;
			break;
		case 1: /* peak */
			before = x ? x->peak_live_bytes : 0;
			after = y->peak_live_bytes;
			break;
		default:
			before = x ? x->allocs : 0;
			after = y->allocs;
		}
		if (after > before)
			v[n++] = (struct ranked){ y, after - before };
	}
	qsort(v, n, sizeof *v, by_bytes_desc);
	for (size_t i = 0; i < n && i < max; i++) {
		const struct cmp_site *y = v[i].s, *x = cmp_pair_base_site(pair, y);

		if (which == 2) {
			detail(g, c, y->stack_id, 0, "%lld -> %lld allocations (+%lld) at %s",
			       (long long)(x ? x->allocs : 0), (long long)y->allocs, (long long)v[i].bytes, y->where);
			continue;
		}
		int64_t before, ga, gb;
		if (which == 1) {
			before = x ? x->peak_live_bytes : 0;
		} else {
			site_gating(g, x, &ga, &gb);
			before = gb;
		}
		ml_fmt_bytes(a, sizeof a, before);
		ml_fmt_bytes(z, sizeof z, before + v[i].bytes);
		detail(g, c, y->stack_id, 0, "%s %s -> %s at %s", which == 1 ? "peak live bytes" : "leaked", a, z,
		       y->where);
	}
	free(v);
}

static void baseline_suite(struct gctx *g, const struct cmp_pair *pair, const struct cmp_proc *p,
                           const struct cmp_proc *base)
{
	struct gate_suite *s = add_suite(g, p, base);
	struct gate_case *c;
	char *keep;

	if (!s)
		return;
	add_items(g, s, p, base);
	if (!(keep = calloc(p->nsites + 1, 1))) {
		g->oom = 1;
		return;
	}
	leak_summary(g, s, p, keep);
	free(keep);
	new_sites_case(g, s, pair, p);
	c = growth_case(g, s, "lost_growth", "definite leaks", (double)counted_leak_bytes(g, base, 1),
	                (double)counted_leak_bytes(g, p, 0), &g->o->lost, 1, pair, "--max-lost-growth");
	growth_sites(g, c, pair, 0, 10);
	c = growth_case(g, s, "peak_alloc_growth", "peak Alloc", base ? base->peak_alloc : NAN, p->peak_alloc,
	                &g->o->peak, 1, pair, "--max-peak-growth");
	growth_sites(g, c, pair, 1, 5);
	c = growth_case(g, s, "allocs_growth", "allocations", base ? base->total_allocs : NAN, p->total_allocs,
	                &g->o->allocs, 0, pair, "--max-allocs-growth");
	growth_sites(g, c, pair, 2, 5);
}

int gate_baseline(const struct cmp_diff *d, const struct gate_opts *o, struct gate_report *r,
                  char *err, size_t errlen)
{
	struct gctx g = { .o = o, .r = r, .run = d->new, .base_run = d->base, .err = err, .errlen = errlen };

	if (setup(&g, 1) < 0)
		return finish(&g, -1);
	for (size_t i = 0; i < d->npairs && !g.oom && !g.dberr; i++)
		baseline_suite(&g, &d->pairs[i], d->pairs[i].new, d->pairs[i].base);
	for (size_t i = 0; i < d->nonly_new && !g.oom && !g.dberr; i++)
		baseline_suite(&g, NULL, d->only_new[i], NULL);
	return finish(&g, 0);
}

void gate_report_free(struct gate_report *r)
{
	size_t i, k, j;

	for (i = 0; i < r->nfail_on; i++)
		free(r->fail_on[i]);
	free(r->fail_on);
	for (i = 0; i < r->nclasses; i++)
		free(r->classes[i]);
	free(r->classes);
	for (i = 0; i < r->nsuites; i++) {
		struct gate_suite *s = &r->suites[i];

		for (k = 0; k < s->ncases; k++) {
			struct gate_case *c = &s->cases[k];

			free(c->name);
			free(c->status);
			free(c->base_status);
			free(c->message);
			for (j = 0; j < c->ndetails; j++)
				free(c->details[j].text);
			free(c->details);
		}
		free(s->cases);
		for (k = 0; k < s->ntotals; k++)
			free(s->totals[k].cls);
		free(s->totals);
	}
	free(r->suites);
	memset(r, 0, sizeof *r);
}
