/*
 * runs.c - the run summary and the choice of sections. See runs.h.
 */
#include "report/runs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/gate.h"
#include "report/flame.h"
#include "common/err.h"
#include "common/units.h"

#define ARROW " \xe2\x86\x92 " /* → */
#define DASH "\xe2\x80\x93"    /* – */
#define MAX_PIDS_LISTED 12     /* processes named per program */

/* What the summary needs of one process, computed once. */
struct pinfo {
	long long parent;  /* index of the lineage parent in procs, -1: none */
	int exec_parent;   /* the parent is the image this one replaced */
	int depth;         /* in the lineage tree */
	int visited;       /* emitted in the tree */
	double duration, allocs, total_alloc, peak_alloc, lost, indirect;
	double own_leak;   /* lost and indirect bytes at the program's own sites: the gate's "leaks" */
	int nfail;         /* checklist items that fail */
	int ngate;         /* failures that fail `check`'s default gate, "leaks" included */
	const char *name;
};

struct run {
	const struct rp_process *procs;
	size_t n;
	struct pinfo *pi;
	size_t *order; /* indices by start time, then id */
};

static const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static const char *proc_name(const struct rp_process *p)
{
	const char *b = base_name(p->exe);

	return b && *b ? b : "(unknown program)";
}

static double nz(double v)
{
	return isnan(v) ? 0 : v;
}

size_t runs_root(const struct rp_process *procs, size_t nprocs)
{
	for (size_t i = 0; i < nprocs; i++)
		if (isnan(procs[i].parent_process_id))
			return i;
	return 0;
}

/* procs are in id order (rp_load): the index of id, or -1. */
static long long index_of(const struct rp_process *procs, size_t n, double id)
{
	size_t lo = 0, hi = n;

	if (isnan(id))
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((double)procs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && (double)procs[lo].id == id ? (long long)lo : -1;
}

/* Does a start before b (start time, then id)? NaN times compare false, as NULL does in SQL. */
static int started_before(const struct rp_process *a, const struct rp_process *b)
{
	return a->start_unix_ns < b->start_unix_ns ||
	       (a->start_unix_ns == b->start_unix_ns && a->id < b->id);
}

/*
 * The lineage parent of procs[i]: the latest earlier image with the same
 * pid if it ended with exec, else the forking parent. The same rule as
 * the view process_tree.
 */
static long long lineage_parent(const struct rp_process *procs, size_t n, size_t i, int *exec)
{
	const struct rp_process *p = &procs[i];
	long long best = -1;

	*exec = 0;
	for (size_t k = 0; k < n; k++) {
		if (k == i || procs[k].pid != p->pid || !started_before(&procs[k], p))
			continue;
		if (best < 0 || started_before(&procs[best], &procs[k]))
			best = (long long)k;
	}
	if (best >= 0 && procs[best].end_reason && strcmp(procs[best].end_reason, "exec") == 0) {
		*exec = 1;
		return best;
	}
	return index_of(procs, n, p->parent_process_id);
}

static void proc_stats(const struct rp_process *p, struct pinfo *pi)
{
	double sites_bytes = 0, sites_allocs = 0;
	int user_snaps = 0;
	size_t k;

	pi->name = proc_name(p);
	pi->allocs = pi->total_alloc = pi->peak_alloc = NAN;
	for (k = 0; k < p->nsnaps; k++) {
		const double *v = p->snaps[k].v;

		if (!isnan(v[SC_MALLOCS]) && !(v[SC_MALLOCS] <= pi->allocs))
			pi->allocs = v[SC_MALLOCS];
		if (!isnan(v[SC_TOTAL_ALLOC]) && !(v[SC_TOTAL_ALLOC] <= pi->total_alloc))
			pi->total_alloc = v[SC_TOTAL_ALLOC];
		if (!isnan(v[SC_ALLOC]) && !(v[SC_ALLOC] <= pi->peak_alloc))
			pi->peak_alloc = v[SC_ALLOC];
		user_snaps += p->snaps[k].kind == SNAP_USER;
	}
	/* the timeline's true peaks: a short process's snapshots (start and
	 * exit) miss the peak it reached between them */
	for (k = 0; k < p->nticks; k++)
		if (!(p->ticks[k].peak_bytes <= pi->peak_alloc))
			pi->peak_alloc = p->ticks[k].peak_bytes;
	for (k = 0; k < p->nsites; k++) {
		sites_bytes += nz(p->sites[k].bytes);
		sites_allocs += nz(p->sites[k].allocs);
		pi->lost += nz(p->sites[k].lost_bytes);
		pi->indirect += nz(p->sites[k].indirect_bytes);
		if (!p->sites[k].runtime)
			pi->own_leak += nz(p->sites[k].lost_bytes) + nz(p->sites[k].indirect_bytes);
	}
	if (isnan(pi->allocs) && p->nsites)
		pi->allocs = sites_allocs;
	if (isnan(pi->total_alloc) && p->nsites)
		pi->total_alloc = sites_bytes;
	pi->ngate = pi->own_leak > 0;
	for (k = 0; k < p->nchecks; k++) {
		int fail = p->checks[k].status && strcmp(p->checks[k].status, "fail") == 0;

		pi->nfail += fail;
		pi->ngate += fail && p->checks[k].item && gate_item_default(p->checks[k].item, user_snaps);
	}
	pi->duration = NAN;
	if (!isnan(p->end_ns))
		pi->duration = p->end_ns - nz(p->start_ns);
	else
		for (k = 0; k < p->nsnaps; k++)
			if (!(p->snaps[k].ts <= pi->duration))
				pi->duration = p->snaps[k].ts;
}

static struct run *run_order;

static int by_start(const void *a, const void *b)
{
	const struct rp_process *pa = &run_order->procs[*(const size_t *)a];
	const struct rp_process *pb = &run_order->procs[*(const size_t *)b];

	if (started_before(pa, pb))
		return -1;
	if (started_before(pb, pa))
		return 1;
	return pa->id < pb->id ? -1 : pa->id > pb->id;
}

static void run_free(struct run *r)
{
	free(r->pi);
	free(r->order);
}

static int run_init(struct run *r, const struct rp_process *procs, size_t n)
{
	size_t i;

	r->procs = procs;
	r->n = n;
	r->pi = calloc(n + 1, sizeof *r->pi);
	r->order = calloc(n + 1, sizeof *r->order);
	if (!r->pi || !r->order) {
		run_free(r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		proc_stats(&procs[i], &r->pi[i]);
		r->pi[i].parent = lineage_parent(procs, n, i, &r->pi[i].exec_parent);
		r->order[i] = i;
	}
	for (i = 0; i < n; i++) {
		/* a cycle (inconsistent data) stops at n steps */
		long long k = r->pi[i].parent;
		int d = 0;

		while (k >= 0 && d < (int)n) {
			d++;
			k = r->pi[k].parent;
		}
		r->pi[i].depth = d;
	}
	run_order = r;
	qsort(r->order, n, sizeof *r->order, by_start);
	run_order = NULL;
	return 0;
}

/* ------------------------------------------------------------ choosing sections */

static struct run *rank_run;

/* Failing the gate first, then leaked bytes, then failing items, then memory allocated. */
static int by_importance(const void *a, const void *b)
{
	const struct pinfo *x = &rank_run->pi[*(const size_t *)a], *y = &rank_run->pi[*(const size_t *)b];
	int px = x->ngate > 0, py = y->ngate > 0;
	double lx = x->lost + x->indirect, ly = y->lost + y->indirect;

	if (px != py)
		return py - px;
	if (lx != ly)
		return lx < ly ? 1 : -1;
	if (x->ngate != y->ngate)
		return y->ngate - x->ngate;
	if (x->nfail != y->nfail)
		return y->nfail - x->nfail;
	if (nz(x->total_alloc) != nz(y->total_alloc))
		return nz(x->total_alloc) < nz(y->total_alloc) ? 1 : -1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void why_important(const struct pinfo *pi, char *buf, size_t cap)
{
	char b[UNITS_BUF];
	size_t n = 0;

	buf[0] = '\0';
	if (pi->ngate > 0)
		n += (size_t)snprintf(buf, cap, "fails the gate (%d failure%s)", pi->ngate,
				      pi->ngate == 1 ? "" : "s");
	if (pi->lost + pi->indirect > 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%sleaked %s (lost and indirect)", n ? "; " : "",
				      units_bytes(b, sizeof b, pi->lost + pi->indirect));
	if (pi->nfail > 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%s%d checklist item%s fail%s", n ? "; " : "",
				      pi->nfail, pi->nfail == 1 ? "" : "s", pi->nfail == 1 ? "s" : "");
	if (n == 0)
		snprintf(buf, cap, "allocated %s", units_bytes(b, sizeof b, nz(pi->total_alloc)));
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int select_chosen(struct rp_process *procs, size_t n, const char *const *choice,
			 size_t nchoice, char *err, size_t errlen)
{
	for (size_t c = 0; c < nchoice; c++) {
		const char *w = choice[c];
		int all = strcmp(w, "all") == 0, num = all_digits(w), hits = 0;

		for (size_t i = 0; i < n; i++) {
			struct rp_process *p = &procs[i];
			int hit = all || (num ? p->pid == strtoll(w, NULL, 10) :
						(strcmp(proc_name(p), w) == 0 || (p->exe && strcmp(p->exe, w) == 0)));

			if (!hit)
				continue;
			hits++;
			if (p->section)
				continue;
			p->section = 1;
			snprintf(p->section_why, sizeof p->section_why, "--process %s", w);
		}
		if (!hits) {
			snprintf(err, errlen, "--process %s: no process has that %s", w, num ? "pid" : "program");
			return -1;
		}
	}
	return 0;
}

int runs_select(struct rp_process *procs, size_t nprocs, const char *const *choice,
		size_t nchoice, char *err, size_t errlen)
{
	struct run r;
	size_t i, *rank, root, taken = 0;
	int pass;

	for (i = 0; i < nprocs; i++) {
		procs[i].section = 0;
		procs[i].section_why[0] = '\0';
	}
	if (nprocs == 0)
		return 0;
	if (choice && nchoice)
		return select_chosen(procs, nprocs, choice, nchoice, err, errlen);
	if (nprocs <= RUNS_DEFAULT_SECTIONS) {
		for (i = 0; i < nprocs; i++) {
			procs[i].section = 1;
			snprintf(procs[i].section_why, sizeof procs[i].section_why,
				 nprocs == 1 ? "the only process" : "the run has at most %d processes",
				 RUNS_DEFAULT_SECTIONS);
		}
		return 0;
	}
	if (run_init(&r, procs, nprocs) < 0 || !(rank = malloc(nprocs * sizeof *rank))) {
		if (r.pi)
			run_free(&r);
		return err_oom(err, errlen);
	}
	root = runs_root(procs, nprocs);
	procs[root].section = 1;
	snprintf(procs[root].section_why, sizeof procs[root].section_why, "the run's first process");
	taken = 1;
	for (i = 0; i < nprocs; i++)
		rank[i] = i;
	rank_run = &r;
	qsort(rank, nprocs, sizeof *rank, by_importance);
	rank_run = NULL;
	/* first one process per program, then the next most important */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nprocs && taken < RUNS_DEFAULT_SECTIONS; i++) {
			struct rp_process *p = &procs[rank[i]];
			int dup = 0;

			if (p->section)
				continue;
			for (size_t k = 0; pass == 0 && k < nprocs && !dup; k++)
				dup = procs[k].section && strcmp(r.pi[k].name, r.pi[rank[i]].name) == 0;
			if (dup)
				continue;
			p->section = 1;
			why_important(&r.pi[rank[i]], p->section_why, sizeof p->section_why);
			taken++;
		}
	}
	free(rank);
	run_free(&r);
	return 0;
}

/* ------------------------------------------------------------ the summary */

static void sfx_of(const struct rp_process *procs, size_t i, size_t root, char *buf, size_t cap)
{
	if (i == root)
		buf[0] = '\0';
	else
		snprintf(buf, cap, "-p%lld", procs[i].id);
}

/* "#overview-pN" when the process has sections, else null. */
static void set_href(tal_value *d, const struct rp_process *procs, size_t i, size_t root)
{
	char sfx[40];

	if (!procs[i].section) {
		tal_set(d, "href", tal_null());
		return;
	}
	sfx_of(procs, i, root, sfx, sizeof sfx);
	tal_set_strf(d, "href", "#overview%s", sfx);
}

/* A figure as text for the page and as a raw number for sorting. */
static void set_fig(tal_value *d, const char *key, double v, char *(*fmt)(char *, size_t, double))
{
	char b[UNITS_BUF], raw[80];

	tal_set_str(d, key, isnan(v) ? DASH : fmt(b, sizeof b, v));
	snprintf(raw, sizeof raw, "%s_raw", key);
	tal_set_strf(d, raw, "%.0f", isnan(v) ? -1.0 : v);
}

/*
 * The peak of the sum of live bytes (Alloc) over the run: every process's
 * Alloc is a step function of wall time (start_unix_ns + ts), from its
 * first point to its end, when it falls to zero. Its points are its
 * timeline's (each bucket's peak at its time, then its end value), or, in
 * a database without one, its snapshots. The sum is read once every step
 * at one time is taken. The view run_totals computes the same.
 */
struct step {
	double t, d;
	int end;
};

static int by_time(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return y->end - x->end;
}

static double peak_live(const struct rp_process *procs, size_t n, double *out)
{
	size_t cap = 0, ns = 0, i, k;
	struct step *st;
	double sum = 0, peak = 0;

	/* times from the run's first start: wall-clock nanoseconds since 1970
	 * as doubles are 256 ns apart, which would merge a bucket's peak with
	 * its end */
	double base = INFINITY;

	for (i = 0; i < n; i++) {
		cap += procs[i].nsnaps + 2 * procs[i].nticks + 1;
		if (nz(procs[i].start_unix_ns) < base)
			base = nz(procs[i].start_unix_ns);
	}
	if (!(st = malloc((cap + 1) * sizeof *st)))
		return -1;
	for (i = 0; i < n; i++) {
		const struct rp_process *p = &procs[i];
		double t0 = (nz(p->start_unix_ns) - base) - nz(p->start_ns), last = 0;

		for (k = 0; k < p->nticks; k++) {
			const struct rp_tick *tk = &p->ticks[k];
			/* the last bucket may reach past the end */
			double pk = isnan(p->end_ns) || tk->peak_ns < p->end_ns ? tk->peak_ns : p->end_ns;
			double en = isnan(p->end_ns) || tk->end < p->end_ns ? tk->end : p->end_ns;

			st[ns++] = (struct step){ t0 + pk, tk->peak_bytes - last, 0 };
			st[ns++] = (struct step){ t0 + en, tk->live_bytes - tk->peak_bytes, 0 };
			last = tk->live_bytes;
		}
		for (k = 0; k < p->nsnaps && !p->nticks; k++) {
			double a = p->snaps[k].v[SC_ALLOC];

			if (isnan(a))
				continue;
			st[ns++] = (struct step){ t0 + p->snaps[k].ts, a - last, 0 };
			last = a;
		}
		if (last != 0 && !isnan(p->end_ns))
			st[ns++] = (struct step){ t0 + p->end_ns, -last, 1 };
	}
	qsort(st, ns, sizeof *st, by_time);
	/* the sum once every step at one time is taken */
	for (i = 0; i < ns; i++) {
		sum += st[i].d;
		if ((i + 1 == ns || st[i + 1].t != st[i].t) && sum > peak)
			peak = sum;
	}
	free(st);
	*out = peak;
	return 0;
}

static void total_row(tal_value *list, const char *key, const char *name, const char *value,
		      double raw)
{
	tal_value *d = tal_dict();

	tal_set_str(d, "key", key);
	tal_set_str(d, "name", name);
	tal_set_str(d, "value", value);
	tal_set_strf(d, "raw", "%.0f", raw);
	tal_push(list, d);
}

static tal_value *totals_model(struct run *r, double *peak)
{
	const struct rp_process *procs = r->procs;
	tal_value *list = tal_list();
	double t0 = INFINITY, t1 = -INFINITY, allocs = 0, bytes = 0, lost = 0, ind = 0, pk = 0;
	size_t i, failing = 0, gating = 0;
	char b[UNITS_BUF];

	for (i = 0; i < r->n; i++) {
		const struct pinfo *pi = &r->pi[i];
		double s = procs[i].start_unix_ns;

		if (s < t0)
			t0 = s;
		if (!isnan(pi->duration) && s + pi->duration > t1)
			t1 = s + pi->duration;
		allocs += nz(pi->allocs);
		bytes += nz(pi->total_alloc);
		lost += pi->lost;
		ind += pi->indirect;
		failing += pi->nfail > 0;
		gating += pi->ngate > 0;
	}
	if (peak_live(procs, r->n, &pk) < 0)
		pk = NAN;
	*peak = pk;
	total_row(list, "processes", "Processes", units_count(b, sizeof b, (double)r->n), (double)r->n);
	total_row(list, "wall", "Wall time", t1 > t0 ? units_duration(b, sizeof b, t1 - t0) : DASH,
		  t1 > t0 ? t1 - t0 : 0);
	total_row(list, "allocations", "Allocations", units_count(b, sizeof b, allocs), allocs);
	total_row(list, "total_alloc", "Bytes allocated (TotalAlloc, all processes)",
		  units_bytes(b, sizeof b, bytes), bytes);
	total_row(list, "peak_live", "Peak of the sum of live bytes over time",
		  units_bytes(b, sizeof b, nz(pk)), nz(pk));
	total_row(list, "lost", "Lost at exit", units_bytes(b, sizeof b, lost), lost);
	total_row(list, "indirect", "Indirectly lost at exit", units_bytes(b, sizeof b, ind), ind);
	total_row(list, "gate", "Processes that fail the gate (memledger check)",
		  units_count(b, sizeof b, (double)gating), (double)gating);
	total_row(list, "failing", "Processes with failing checklist items",
		  units_count(b, sizeof b, (double)failing), (double)failing);
	return list;
}

/*
 * The names of p's failing items, comma-separated, or a dash: those that
 * fail the default gate ("leaks" first, for definite leaks at the
 * program's own sites) when gating is 1, the others when it is 0.
 */
static void failing_items(const struct rp_process *p, const struct pinfo *pi, int gating,
			  char *buf, size_t cap)
{
	size_t n = 0;
	int user_snaps = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < p->nsnaps; k++)
		user_snaps += p->snaps[k].kind == SNAP_USER;
	if (gating && pi->own_leak > 0)
		n += (size_t)snprintf(buf, cap, "leaks");
	for (size_t k = 0; k < p->nchecks && n + 1 < cap; k++) {
		const char *item = p->checks[k].item ? p->checks[k].item : "?";

		if (!p->checks[k].status || strcmp(p->checks[k].status, "fail") != 0 ||
		    gate_item_default(item, user_snaps) != gating)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", item);
	}
	if (!n)
		snprintf(buf, cap, "%s", DASH);
}

/* The path of program names from the root to i, images of an exec chain included. */
static void path_of(struct run *r, size_t i, char *buf, size_t cap)
{
	size_t chain[64], n = 0, len = 0;
	long long k = (long long)i;

	while (k >= 0 && n < 64) {
		chain[n++] = (size_t)k;
		k = r->pi[k].parent;
	}
	buf[0] = '\0';
	if (k >= 0)
		len = (size_t)snprintf(buf, cap, "\xe2\x80\xa6" ARROW);
	while (n-- > 0 && len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", r->pi[chain[n]].name,
					n ? ARROW : "");
}

static tal_value *process_row(struct run *r, size_t i, size_t root)
{
	const struct rp_process *p = &r->procs[i];
	const struct pinfo *pi = &r->pi[i];
	tal_value *d = tal_dict();
	char buf[1024];

	tal_set_int(d, "id", p->id);
	tal_set_int(d, "pid", p->pid);
	tal_set_str(d, "name", pi->name);
	tal_set_str(d, "exe", p->exe);
	tal_set_int(d, "depth", pi->depth);
	path_of(r, i, buf, sizeof buf);
	tal_set_str(d, "path", buf);
	if (pi->parent >= 0) {
		const struct rp_process *q = &r->procs[pi->parent];

		tal_set_strf(d, "parent", "%s%s (pid %lld)", pi->exec_parent ? "exec from " : "",
			     r->pi[pi->parent].name, q->pid);
		tal_set_int(d, "parent_id", q->id);
	} else {
		tal_set_str(d, "parent", DASH);
		tal_set(d, "parent_id", tal_null());
	}
	set_fig(d, "duration", pi->duration, units_duration);
	set_fig(d, "allocs", pi->allocs, units_count);
	set_fig(d, "total_alloc", pi->total_alloc, units_bytes);
	set_fig(d, "peak_alloc", pi->peak_alloc, units_bytes);
	set_fig(d, "lost", pi->lost, units_bytes);
	set_fig(d, "indirect", pi->indirect, units_bytes);
	failing_items(p, pi, 1, buf, sizeof buf);
	tal_set_str(d, "gate", buf);
	tal_set_int(d, "ngate", pi->ngate);
	failing_items(p, pi, 0, buf, sizeof buf);
	tal_set_str(d, "failing", buf);
	tal_set_int(d, "nfail", pi->nfail - (pi->ngate - (pi->own_leak > 0)));
	tal_set_bool(d, "bad", pi->ngate > 0);
	tal_set_str(d, "end", p->end_reason ? p->end_reason : "?");
	set_href(d, r->procs, i, root);
	if (p->section)
		tal_set_str(d, "why", p->section_why);
	else
		tal_set(d, "why", tal_null());
	return d;
}

/* ------------------------------------------------------------ the tree */

/* The image that replaced i by exec, or -1. */
static long long exec_successor(struct run *r, size_t i)
{
	for (size_t k = 0; k < r->n; k++)
		if (r->pi[k].parent == (long long)i && r->pi[k].exec_parent)
			return (long long)k;
	return -1;
}

struct tree_out {
	struct run *r;
	size_t root;
	tal_value *rows, *table;
};

static void emit(struct tree_out *o, size_t head, int depth)
{
	struct run *r = o->r;
	size_t chain[256], n = 0, c, j;
	tal_value *row = tal_dict(), *links = tal_list();
	double alloc = 0, leaked = 0;
	int ngate = 0;
	long long k = (long long)head;
	char b[UNITS_BUF], b2[UNITS_BUF];

	/* the lineage of one pid: head and the images that replaced it */
	while (k >= 0 && n < 256 && !r->pi[k].visited) {
		r->pi[k].visited = 1;
		chain[n++] = (size_t)k;
		k = exec_successor(r, (size_t)k);
	}
	for (c = 0; c < n; c++) {
		const struct pinfo *pi = &r->pi[chain[c]];
		tal_value *l = tal_dict();

		tal_set_str(l, "name", pi->name);
		tal_set_int(l, "id", r->procs[chain[c]].id);
		tal_set_bool(l, "bad", pi->ngate > 0);
		tal_set_bool(l, "last", c + 1 == n);
		set_href(l, r->procs, chain[c], o->root);
		tal_push(links, l);
		alloc += nz(pi->total_alloc);
		leaked += pi->lost + pi->indirect;
		ngate += pi->ngate;
		tal_push(o->table, process_row(r, chain[c], o->root));
	}
	tal_set(row, "chain", links);
	tal_set_int(row, "depth", depth);
	tal_set_strf(row, "indent", "padding-left: %.1fem", 1.4 * depth);
	tal_set_int(row, "pid", r->procs[head].pid);
	if (ngate > 0)
		tal_set_strf(row, "figures", "%s allocated, %s leaked, fails the gate",
			     units_bytes(b, sizeof b, alloc), units_bytes(b2, sizeof b2, leaked));
	else if (leaked > 0)
		tal_set_strf(row, "figures", "%s allocated, %s leaked", units_bytes(b, sizeof b, alloc),
			     units_bytes(b2, sizeof b2, leaked));
	else
		tal_set_strf(row, "figures", "%s allocated", units_bytes(b, sizeof b, alloc));
	tal_set_bool(row, "bad", ngate > 0);
	tal_push(o->rows, row);
	/* the children of every image of the lineage, by start time */
	for (j = 0; j < r->n; j++) {
		size_t ch = r->order[j];

		if (r->pi[ch].visited || r->pi[ch].exec_parent || r->pi[ch].parent < 0)
			continue;
		for (c = 0; c < n; c++)
			if (r->pi[ch].parent == (long long)chain[c]) {
				emit(o, ch, depth + 1);
				break;
			}
	}
}

/* ------------------------------------------------------------ programs */

struct agg_site {
	const struct rp_site *s;
};

static int site_key_cmp(const struct rp_site *a, const struct rp_site *b)
{
	int c = strcmp(a->function ? a->function : "", b->function ? b->function : "");

	if (c)
		return c;
	if ((c = strcmp(a->file ? a->file : "", b->file ? b->file : "")))
		return c;
	return nz(a->line) < nz(b->line) ? -1 : nz(a->line) > nz(b->line);
}

static int by_site_key(const void *a, const void *b)
{
	return site_key_cmp(*(const struct rp_site *const *)a, *(const struct rp_site *const *)b);
}

struct merged {
	const struct rp_site *s;
	double bytes, allocs, leaked;
	int nproc;
};

static int by_merged_bytes(const void *a, const void *b)
{
	const struct merged *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->allocs < y->allocs ? 1 : x->allocs > y->allocs ? -1 : 0;
}

/* The sites of every process named name, merged by function, file and line; top ones. */
static tal_value *program_sites(struct run *r, const char *name)
{
	const struct rp_site **all = NULL;
	struct merged *m = NULL;
	size_t n = 0, cap = 0, nm = 0, i, k;
	tal_value *list = tal_list();
	char b[UNITS_BUF];

	for (i = 0; i < r->n; i++)
		if (strcmp(r->pi[i].name, name) == 0)
			cap += r->procs[i].nsites;
	if (!cap)
		return list;
	if (!(all = malloc(cap * sizeof *all)) || !(m = malloc(cap * sizeof *m))) {
		free(all);
		tal_free(list);
		return NULL;
	}
	for (i = 0; i < r->n; i++)
		if (strcmp(r->pi[i].name, name) == 0)
			for (k = 0; k < r->procs[i].nsites; k++)
				all[n++] = &r->procs[i].sites[k];
	qsort(all, n, sizeof *all, by_site_key);
	for (i = 0; i < n; i++) {
		if (nm == 0 || site_key_cmp(m[nm - 1].s, all[i]) != 0)
			m[nm++] = (struct merged){ all[i], 0, 0, 0, 0 };
		m[nm - 1].bytes += nz(all[i]->bytes);
		m[nm - 1].allocs += nz(all[i]->allocs);
		m[nm - 1].leaked += nz(all[i]->lost_bytes) + nz(all[i]->indirect_bytes);
	}
	qsort(m, nm, sizeof *m, by_merged_bytes);
	for (i = 0; i < nm && i < RUNS_PROGRAM_SITES; i++) {
		tal_value *d = tal_dict();

		tal_set_str(d, "function", m[i].s->function ? m[i].s->function : "(no symbol)");
		if (m[i].s->file && !isnan(m[i].s->line))
			tal_set_strf(d, "location", "%s:%.0f", base_name(m[i].s->file), m[i].s->line);
		else
			tal_set(d, "location", tal_null());
		tal_set_str(d, "bytes", units_bytes(b, sizeof b, m[i].bytes));
		tal_set_str(d, "allocs", units_count(b, sizeof b, m[i].allocs));
		tal_set_str(d, "leaked", units_bytes(b, sizeof b, m[i].leaked));
		tal_set_bool(d, "runtime", m[i].s->runtime);
		tal_push(list, d);
	}
	free(all);
	free(m);
	return list;
}

/* ------------------------------------------------------------ a program's flame graph */

struct stack_w {
	long long stack_id;
	double bytes;
	const struct rp_site *s;
};

static int by_stack_id(const void *a, const void *b)
{
	const struct stack_w *x = a, *y = b;

	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static int by_stack_bytes(const void *a, const void *b)
{
	const struct stack_w *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/*
 * The flame graph of the bytes every process named name allocated, stacks
 * being shared across the database: the RUNS_FLAME_STACKS heaviest stacks
 * drawn, the rest summed into one frame. A node, or NULL (none, or out of
 * memory: the table says enough).
 */
static xmlNodePtr program_flame(sqlite3 *db, struct run *r, const char *name)
{
	struct stack_w *v = NULL;
	struct flame *f = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 0, m = 0, i, k;
	double rest = 0;
	xmlNodePtr svg = NULL;
	char title[300];

	if (!db)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->pi[i].name, name) == 0)
			cap += r->procs[i].nsites;
	if (!cap || !(v = malloc(cap * sizeof *v)))
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->pi[i].name, name) == 0)
			for (k = 0; k < r->procs[i].nsites; k++) {
				const struct rp_site *s = &r->procs[i].sites[k];

				v[n++] = (struct stack_w){ s->stack_id, nz(s->bytes), s };
			}
	qsort(v, n, sizeof *v, by_stack_id);
	for (i = 0; i < n; i++) {
		if (m && v[m - 1].stack_id == v[i].stack_id)
			v[m - 1].bytes += v[i].bytes;
		else
			v[m++] = v[i];
	}
	qsort(v, m, sizeof *v, by_stack_bytes);
	if (!(f = flame_new(name, 1)))
		goto out;
	for (i = 0; i < m; i++) {
		struct rp_frame *fr = NULL;
		int nf;

		if (v[i].bytes <= 0)
			continue;
		if (i >= RUNS_FLAME_STACKS) {
			rest += v[i].bytes;
			continue;
		}
		nf = rp_stack(db, &st, v[i].stack_id, &fr);
		if (nf > 0) {
			if (flame_add_frames(f, fr, nf, &v[i].bytes) < 0) {
				rp_free_frames(fr, (size_t)nf);
				goto out;
			}
			rp_free_frames(fr, (size_t)nf);
		} else {
			const char *lab = v[i].s->function ? v[i].s->function : "(no stack)";
			int fl = v[i].s->runtime ? FLAME_RUNTIME : 0;

			if (flame_add(f, &lab, &fl, 1, &v[i].bytes) < 0)
				goto out;
		}
	}
	if (rest > 0) {
		char lab[64];
		const char *labp = lab;
		int fl = FLAME_SMALL;

		snprintf(lab, sizeof lab, "(%zu smaller sites)", m - RUNS_FLAME_STACKS);
		if (flame_add(f, &labp, &fl, 1, &rest) < 0)
			goto out;
	}
	if (flame_total(f, 0) > 0) {
		snprintf(title, sizeof title, "Flame graph of the bytes all %s processes allocated", name);
		svg = flame_svg(f, 0, 1, title);
	}
out:
	sqlite3_finalize(st);
	flame_free(f);
	free(v);
	return svg;
}

struct prog {
	const char *name;
	size_t first, nproc, failing;
	double allocs, total, peak, leaked;
};

static int by_prog_total(const void *a, const void *b)
{
	const struct prog *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

static tal_value *programs_model(sqlite3 *db, struct run *r, size_t root)
{
	struct prog *pg = calloc(r->n + 1, sizeof *pg);
	size_t np = 0, i, k, nflames = 0;
	tal_value *list = tal_list();
	char b[UNITS_BUF];

	if (!pg) {
		tal_free(list);
		return NULL;
	}
	for (i = 0; i < r->n; i++) {
		const struct pinfo *pi = &r->pi[i];

		for (k = 0; k < np && strcmp(pg[k].name, pi->name) != 0; k++)
			;
		if (k == np)
			pg[np++] = (struct prog){ .name = pi->name, .first = i };
		pg[k].nproc++;
		pg[k].failing += pi->ngate > 0;
		pg[k].allocs += nz(pi->allocs);
		pg[k].total += nz(pi->total_alloc);
		pg[k].leaked += pi->lost + pi->indirect;
		if (!isnan(pi->peak_alloc) && pi->peak_alloc > pg[k].peak)
			pg[k].peak = pi->peak_alloc;
	}
	qsort(pg, np, sizeof *pg, by_prog_total);
	for (k = 0; k < np; k++) {
		tal_value *d = tal_dict(), *procs = tal_list();
		size_t listed = 0;

		tal_set_str(d, "name", pg[k].name);
		tal_set_str(d, "exe", r->procs[pg[k].first].exe);
		tal_set_int(d, "count", (long long)pg[k].nproc);
		tal_set_str(d, "allocs", units_count(b, sizeof b, pg[k].allocs));
		tal_set_str(d, "total_alloc", units_bytes(b, sizeof b, pg[k].total));
		tal_set_str(d, "peak_alloc", units_bytes(b, sizeof b, pg[k].peak));
		tal_set_str(d, "leaked", units_bytes(b, sizeof b, pg[k].leaked));
		tal_set_int(d, "failing", (long long)pg[k].failing);
		tal_set_bool(d, "bad", pg[k].failing > 0);
		for (i = 0; i < r->n && listed < MAX_PIDS_LISTED; i++) {
			tal_value *x;

			if (strcmp(r->pi[i].name, pg[k].name) != 0)
				continue;
			x = tal_dict();
			tal_set_strf(x, "text", "pid %lld", r->procs[i].pid);
			set_href(x, r->procs, i, root);
			tal_push(procs, x);
			listed++;
		}
		tal_set(d, "processes", procs);
		if (pg[k].nproc > listed)
			tal_set_strf(d, "more", "and %zu more", pg[k].nproc - listed);
		else
			tal_set(d, "more", tal_null());
		tal_set(d, "sites", program_sites(r, pg[k].name));
		/* the programs that ran several times and allocated most: one picture for all */
		if (pg[k].nproc > 1 && nflames < RUNS_PROGRAM_FLAMES && pg[k].total > 0) {
			xmlNodePtr svg = program_flame(db, r, pg[k].name);

			tal_set(d, "flame", svg ? tal_node(svg) : tal_null());
			nflames += svg != NULL;
		} else {
			tal_set(d, "flame", tal_null());
		}
		tal_push(list, d);
	}
	free(pg);
	return list;
}

/* ------------------------------------------------------------ sections */

static tal_value *sections_model(struct run *r, size_t root)
{
	tal_value *d = tal_dict(), *chosen = tal_list();
	size_t i, n = 0;
	int by_choice = 0;

	for (i = 0; i < r->n; i++) {
		const struct rp_process *p = &r->procs[i];
		tal_value *x;

		if (!p->section)
			continue;
		n++;
		by_choice |= strncmp(p->section_why, "--process", 9) == 0;
		x = tal_dict();
		tal_set_str(x, "name", r->pi[i].name);
		tal_set_int(x, "pid", p->pid);
		tal_set_str(x, "why", p->section_why);
		set_href(x, r->procs, i, root);
		tal_push(chosen, x);
	}
	tal_set(d, "chosen", chosen);
	tal_set_int(d, "count", (long long)n);
	tal_set_int(d, "limit", RUNS_DEFAULT_SECTIONS);
	tal_set_int(d, "without", (long long)(r->n - n));
	tal_set_bool(d, "by_choice", by_choice);
	tal_set_strf(d, "rule",
		     "By default a run of at most %d processes has sections for every one. A larger run "
		     "has sections for %d: the run's first process, then the processes that fail the "
		     "gate of memledger check (definite leaks at the program's own sites, or an item "
		     "that gates), most leaked bytes first, then those with the most failing items, "
		     "then the ones that allocated most; one process per program comes first, so that "
		     "eight runs of the same compiler cost one set of sections (the table by program "
		     "below sums them all). memledger report --process PID|PROGRAM|all chooses others.",
		     RUNS_DEFAULT_SECTIONS, RUNS_DEFAULT_SECTIONS);
	return d;
}

tal_value *runs_model(sqlite3 *db, const struct rp_process *procs, size_t nprocs)
{
	struct run r;
	struct tree_out o;
	tal_value *d;
	size_t i, root, nroots = 0;
	double peak = 0;

	if (nprocs < 2)
		return tal_null();
	if (run_init(&r, procs, nprocs) < 0)
		return NULL;
	root = runs_root(procs, nprocs);
	d = tal_dict();
	o = (struct tree_out){ &r, root, tal_list(), tal_list() };
	tal_set(d, "totals", totals_model(&r, &peak));
	/* the page's root first, then any other process without a parent, by start */
	emit(&o, root, 0);
	nroots = 1;
	for (i = 0; i < nprocs; i++) {
		size_t k = r.order[i];

		if (!r.pi[k].visited && r.pi[k].parent < 0) {
			emit(&o, k, 0);
			nroots++;
		}
	}
	/* whatever a cycle left out */
	for (i = 0; i < nprocs; i++)
		if (!r.pi[r.order[i]].visited) {
			emit(&o, r.order[i], 0);
			nroots++;
		}
	tal_set(d, "tree", o.rows);
	tal_set(d, "rows", o.table);
	tal_set_int(d, "roots", (long long)nroots);
	tal_set_int(d, "count", (long long)nprocs);
	tal_set(d, "programs", programs_model(db, &r, root));
	tal_set(d, "sections", sections_model(&r, root));
	run_free(&r);
	return d;
}
