/*
 * sections.h - what the page's sections share: the per-process state the
 * driver (model.c) fills, the stack cache, and the helpers that put names
 * and numbers into the model. Internal to report/: model.h is the public
 * face.
 *
 * Where each section is built:
 *   Overview (and the process header)   sec_overview.c
 *   Leak checklist (and its badges)     sec_checklist.c
 *   Leaks                               sec_leaks.c
 *   Phases, Composition                 sec_phases.c
 *   Allocation rate                     sec_rate.c
 *   Metrics (one section per metric)    sec_metrics.c
 *   Sites, Flame graph                  sec_sites.c (the graph itself: flame.c)
 *   Threads, Descriptors                sec_threads.c
 *   Garbage collection (Go only)        go_gc.c
 *   Symbols                             symstatus.c
 *
 * Every section reads what ingest decided (the verdicts and checklist
 * tables, see ingest/verdicts.h) and words it; none judges pass or fail.
 * Every list is bounded (top-N), and every chart is downsampled by svg.c,
 * so the page stays a few MB however large the trace.
 */
#ifndef MEMLEDGER_REPORT_SECTIONS_H
#define MEMLEDGER_REPORT_SECTIONS_H

#include <stddef.h>

#include <sqlite3.h>

#include "common/u64map.h"
#include "report/data.h"
#include "report/metrics.h"
#include "report/stacklist.h"
#include "report/tal.h"

#define TOP_SITES 20       /* rows in each "top sites" table */
#define TOP_BUSY 10        /* busiest sites under Allocation rate */
#define TOP_LEAKS 50       /* rows in the leaks table */
#define MAX_KEY 60         /* program snapshots shown in tables */
#define MAX_COMPOSITION 12 /* bars in the composition picture */
#define MAX_TIMELINE 60    /* threads drawn in the timeline */
#define MAX_THREAD_ROWS 100
#define MAX_RESOURCE_ROWS 200
#define MAX_FRAMES 64      /* frames shown per stack */
#define NAME_LONG 60       /* names longer than this have their templates abbreviated */
#define NAME_SHOWN 240     /* bytes of a name shown in the text, at most */
#define NAME_TIP 2048      /* bytes of a name in its tooltip, at most (the database keeps it all) */
#define TEXT_CAP 4096      /* bytes of an evidence text shown, at most */

#define CHECK_MARK "\xe2\x9c\x93" /* ✓ */
#define CROSS_MARK "\xe2\x9c\x97" /* ✗ */
#define DASH "\xe2\x80\x93"       /* – */

struct sitename_rules;

/* ------------------------------------------------------------ stacks (stackcache.c) */

/** The stacks shown, read from db on first use and kept by id. Zero it, then set db. */
struct stack_entry {
	struct rp_frame *frames; /* owned */
	int n;
};

struct stack_cache {
	sqlite3 *db;
	sqlite3_stmt *st;
	struct u64map ids;          /* stack id -> index into tab */
	struct stack_entry *tab;
	size_t count, cap;
};

/** The frames of stack id (cached); NULL with *n = 0 if none or on error. */
const struct rp_frame *stack_get(struct stack_cache *c, long long id, int *n);
/** Free every cached stack and the statement. */
void stack_cache_free(struct stack_cache *c);
/** A frame's name: its function, else module+offset (into buf). */
const char *frame_label(const struct rp_frame *f, char *buf, size_t cap);
/** A stack as the templates list it: {fn, fn_full, where, module, runtime, inlined, class}. */
tal_value *stack_value(struct stack_cache *c, long long id);

/* ------------------------------------------------------------ per-process state (model.c) */

struct proc_ctx {
	struct rp_process *p;
	struct stack_cache *stacks;
	const char *sfx; /* "" or "-pN" */
	const char *parent_sfx; /* the parent's suffix, NULL if it has no sections */
	int is_go;
	/* key snapshots: start, the program's own, exit (indices into p->snaps) */
	size_t *keyidx;
	const struct rp_snapshot **key;
	size_t nkey, b, f; /* b, f: the baseline and final key snapshots */
	char *last_label; /* owned copy if a sample stands in for exit */
	/* sites sorted by various keys (pointers into p->sites) */
	struct rp_site **by;
	double duration_ns;
	const struct sitename_rules *rules; /* the report's own --alloc-fn names, or NULL */
};

/* ------------------------------------------------------------ helpers (sections.c) */

/** The last component of path; NULL for NULL. */
const char *base_name(const char *path);
/** s cut to fewer than cap bytes on a UTF-8 boundary, noting what was cut (into buf). */
const char *cap_text(const char *s, char *buf, size_t cap);
/** Set key to name as shown (long C++ names abbreviated), key_full to the whole name or null. */
void set_name(tal_value *d, const char *key, const char *key_full, const char *name);
/** Set key to v in human units (common/units.h). */
int set_bytes(tal_value *d, const char *key, double v);
int set_count(tal_value *d, const char *key, double v);
int set_duration(tal_value *d, const char *key, double ns);
int set_percent(tal_value *d, const char *key, double f);
/** n and its noun, singular or plural: "1 block", "2,048 blocks". */
int set_count_noun(tal_value *d, const char *key, double n, const char *one, const char *many);
/** The mark shown for a stored status: check, cross or dash. */
const char *status_mark(const char *status);
/** One class of the exit scan: PREFIX_blocks ("3 blocks"), PREFIX_allocs, PREFIX_bytes. */
void set_leak_class(tal_value *d, const char *prefix, double allocs, double bytes);
/** "pass" -> "pass", "fail" -> "fail", anything else -> "na" (a CSS-safe class). */
const char *status_class(const char *status);
/** "up", "down", "same", or "none" for NaN. */
const char *delta_class(double d);
/** The class of a change of metric m: "up"/"down" only for metrics that should return. */
const char *metric_delta_class(enum metric_id m, double d);

/* ------------------------------------------------------------ sites (sec_sites.c) */

/** Site orders for top_sites. */
int by_allocs(const void *a, const void *b);
int by_leak(const void *a, const void *b);
/** Site keys for top_sites: a site is listed while its key is > 0. */
double site_allocs(const struct rp_site *s);
double site_any_leak(const struct rp_site *s);
/**
 * Where site s is, as the page names it (sitename.h's rule): *fn points
 * into the site, its cached stack, or buf.
 */
void site_where(struct proc_ctx *pc, const struct rp_site *s, const char **fn,
		const char **file, double *line, char *buf, size_t cap);
/** The top n sites under cmp while keep(site) > 0 (keep may be NULL); tb, ta: totals for shares. */
tal_value *top_sites(struct proc_ctx *pc, int (*cmp)(const void *, const void *), size_t n,
		     double (*keep)(const struct rp_site *), double tb, double ta);

/* ------------------------------------------------------------ leak totals (sec_leaks.c) */

struct leak_totals {
	double lost_a, lost_b, ind_a, ind_b, reach_a, reach_b, poss_a, poss_b;
};

/** Sum the exit scan's classes over p's sites. */
void leak_totals(const struct rp_process *p, struct leak_totals *t);
/** Put t into d as the templates name it (lost_bytes, any_lost, ...). */
void set_leak_totals(tal_value *d, const struct leak_totals *t);

/* ------------------------------------------------------------ the sections */

/* Each returns the section's dictionary (templates/README.md names its keys). */
tal_value *overview_model(struct proc_ctx *pc, const struct leak_totals *lt);
tal_value *checklist_model(struct proc_ctx *pc, tal_value **badges, int *nfail);
tal_value *leaks_model(struct proc_ctx *pc, double tb, double ta);
tal_value *phases_model(struct proc_ctx *pc);
tal_value *composition_model(struct proc_ctx *pc);
tal_value *rate_model(struct proc_ctx *pc, double total_bytes, double total_allocs);
tal_value *metric_value_model(struct proc_ctx *pc, enum metric_id m);
tal_value *sites_model(struct proc_ctx *pc, double tb, double ta);
tal_value *flame_model(struct proc_ctx *pc);
tal_value *threads_model(struct proc_ctx *pc);
tal_value *resources_model(struct proc_ctx *pc);

/** A one-series area chart, "NAME over time", of (x, y) with marks. */
xmlNodePtr area_chart(const char *name, enum svg_unit unit, double *x, double *y, size_t n,
		      struct svg_mark *marks, size_t nmarks);
/** A chart from the timeline (p->ticks): Alloc with its true peaks
 * (what 0), bytes (1) or allocations (2) allocated per second. */
xmlNodePtr timeline_chart(struct proc_ctx *pc, int what, const char *name, enum svg_unit unit);

/** argv as one line a shell would accept, quoting where needed. */
tal_value *argv_line(char **argv, int n);
/** How the process ended, in words; *ok when it ended well. */
tal_value *end_text(const struct rp_process *p, int *ok);

#endif
