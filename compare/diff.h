/*
 * diff.h - what changed from one run (BASE) to another (NEW).
 *
 * Processes pair by executable and position: the k-th process running
 * a program of one name in BASE with the k-th running it in NEW (when
 * each run holds a single process, those two pair whatever their
 * names). For each pair:
 *  - metrics at every snapshot both share (compare/deltas.h);
 *  - allocation sites matched by symbols (compare/sitekey.h): new, gone,
 *    grown or shrunk in allocations, bytes or live bytes at exit,
 *    sorted by impact, the largest change first;
 *  - leaks at exit by site and class: new definite (lost, indirect)
 *    sites first, then their growth, then the other classes;
 *  - checklist items whose status changed;
 *  - threads, timers and channels open at exit, by creating stack.
 * Every change is listed; a change in a count counts (makes the runs
 * differ) beyond the tolerance only (compare/deltas.h; 0: any change).
 * New and gone sites always count.
 * The diff points into the two runs, which must outlive it.
 */
#ifndef MEMLEDGER_COMPARE_DIFF_H
#define MEMLEDGER_COMPARE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "compare/deltas.h"
#include "compare/run.h"

enum cmp_change { CMP_SAME, CMP_NEW, CMP_GONE, CMP_GROWN, CMP_SHRUNK };

/** "same", "new", "gone", "grown", "shrunk". */
const char *cmp_change_name(enum cmp_change c);

/** A site in both runs, or in one (the other NULL). */
struct cmp_site_delta {
	enum cmp_change change;
	const struct cmp_site *base, *new;
	double impact; /* the largest of |change| in bytes and in live bytes at exit */
	int counts;    /* a change beyond the tolerance */
};

/** One leak class at one site. */
struct cmp_leak_delta {
	enum cmp_change change;
	const char *cls;
	int definite;
	const struct cmp_site *base, *new;  /* the site in each run (either may be NULL) */
	int64_t base_allocs, base_bytes, new_allocs, new_bytes;
	int counts;                         /* beyond the tolerance */
};

struct cmp_item_delta {
	const char *item;
	const struct cmp_item *base, *new;  /* NULL: the run has no such item */
};

struct cmp_open_delta {
	const struct cmp_open *base, *new;
	int64_t base_count, new_count;
};

struct cmp_pair {
	const struct cmp_proc *base, *new;
	struct cmp_delta *metrics;        /* every metric at every shared snapshot */
	size_t nmetrics, metrics_changed; /* changed: beyond noise */
	struct cmp_site_delta *sites;     /* every site, CMP_SAME included: new, gone, grown, shrunk, same */
	size_t nsites, nnew, ngone, ngrown, nshrunk, nsame;
	size_t sites_counted;             /* changes beyond the tolerance */
	const struct cmp_site **base_of;  /* per site of NEW (by index): its BASE site or NULL */
	struct cmp_leak_delta *leaks;     /* the changed ones, in the order above */
	size_t nleaks, leaks_counted;
	struct cmp_item_delta *items;     /* the changed ones, in NEW's order */
	size_t nitems;
	struct cmp_open_delta *open;      /* the changed ones */
	size_t nopen;
	int end_changed;                  /* it ended differently: status, signal, truncation */
	int differs;
};

struct cmp_diff {
	const struct cmp_run *base, *new;
	struct cmp_pair *pairs;
	size_t npairs;
	const struct cmp_proc **only_base, **only_new;
	size_t nonly_base, nonly_new;
	double tolerance;
	int differs;                      /* anything at all changed beyond noise */
};

/**
 * Compare two loaded runs into d, counting changes in counts beyond
 * tolerance (a fraction, >= 0). 0, or -1 (out of memory) with err.
 */
int cmp_diff_build(struct cmp_diff *d, const struct cmp_run *base, const struct cmp_run *new,
                   double tolerance, char *err, size_t errlen);
void cmp_diff_free(struct cmp_diff *d);

/** The site of base matched to s of new in pair p, or NULL (for the gate). */
const struct cmp_site *cmp_pair_base_site(const struct cmp_pair *p, const struct cmp_site *s);

#endif
