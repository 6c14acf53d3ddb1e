/*
 * gate.h - `memledger check` as a CI gate: which failures fail the
 * build, alone or against a baseline run.
 *
 * The verdicts themselves are ingest's (the `checklist` table); the gate
 * only decides which of them count, and adds gates of its own.
 *
 * On its own (gate_plain), a process fails the gate when
 *  - an item that gates fails. By default the items that point at a real
 *    leak gate: threads_stopped, threads_joined, timers_stopped,
 *    channels_closed; settle_time (it is evaluated only when the program
 *    took its own snapshots, and a failure means the phase verdicts were
 *    read too early to be trusted); and, for a process that took at least two
 *    snapshots of its own, containers_cleared and baseline_returned
 *    (without the program's own phases those compare start with exit,
 *    and a program that keeps its globals until exit, as ls and sort
 *    do, would fail them). global_references never gates by default. --fail-on chooses the items; --strict makes every item
 *    gate;
 *  - it has definite leaks (gate "leaks"): blocks of class lost or
 *    indirect at exit, at sites that are not the C/C++ runtime's own.
 *
 * Against a baseline (gate_baseline), only regressions fail: for each
 * process pair of the diff,
 *  - an item that gates fails in NEW but did not in BASE (every item
 *    gates here by default: failures BASE had are forgiven);
 *  - "new_leak_sites": a site with definite leaks in NEW had none in BASE;
 *  - "lost_growth", "peak_alloc_growth", "allocs_growth": definite leak
 *    bytes, the peak of Alloc, or the number of allocations grew past a
 *    threshold.
 *
 * Suppressed sites (compare/suppress.h) never gate: a leak site whose
 * stack matches a rule is left out, and so is an item failure whose
 * every piece of evidence has a stack that matches one.
 */
#ifndef MEMLEDGER_COMPARE_GATE_H
#define MEMLEDGER_COMPARE_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "compare/diff.h"
#include "compare/run.h"
#include "compare/suppress.h"

/** Growth is a regression past max(abs, rel x base). */
struct cmp_threshold {
	double abs, rel;
};

/**
 * Parse a threshold: one or two parts separated by a comma, each a
 * percentage ("10%") or an absolute amount ("64KiB", "1.5MiB", "1000";
 * units B, KiB, MiB, GiB, and k/K, M, G for counts of 1000). A missing
 * part is 0. 0, or -1 if s is not a threshold.
 */
int cmp_threshold_parse(const char *s, struct cmp_threshold *t);
/** The threshold as the user would write it ("10%,64KiB"); bytes: print the amount in bytes. */
char *cmp_threshold_text(char *dst, size_t cap, const struct cmp_threshold *t, int bytes);
/** 1 if going from base to new grows past t. */
int cmp_threshold_exceeded(const struct cmp_threshold *t, double base, double new);

/* Defaults, printed by --help and in every baseline check. */
#define GATE_LOST_DEFAULT { 0, 0 }               /* any growth of definite leaks */
#define GATE_PEAK_DEFAULT { 64 * 1024, 0.10 }    /* 10% or 64 KiB */
#define GATE_ALLOCS_DEFAULT { 1000, 0.10 }       /* 10% or 1000 allocations */

struct gate_opts {
	const char *fail_on;            /* comma-separated items (and "leaks"), NULL: defaults */
	int strict;                     /* every item gates */
	const char *classes;            /* leak classes that gate, NULL: "lost,indirect" */
	struct cmp_suppressions *supp;  /* NULL: none */
	struct cmp_threshold lost, peak, allocs;
	int64_t only;                   /* gate_plain: only this processes.id; -1: all */
};
#define GATE_OPTS_INIT { NULL, 0, NULL, NULL, GATE_LOST_DEFAULT, GATE_PEAK_DEFAULT, GATE_ALLOCS_DEFAULT, -1 }

enum gate_result { GATE_PASS, GATE_FAIL, GATE_SKIP };

/** A line of evidence, with a stack of the run it belongs to (0: none). */
struct gate_detail {
	char *text;
	int64_t stack_id;
	int in_base;                    /* the stack is BASE's, not NEW's */
};

/** One checklist item or one gate of one process: a JUnit testcase. */
struct gate_case {
	char *name;                     /* the item, or the gate's name */
	const char *kind;               /* "checklist" or "gate" */
	enum gate_result result;        /* FAIL: it fails the gate */
	char *status;                   /* an item's status in NEW (pass, fail, n/a); NULL for gates */
	char *base_status;              /* baseline mode: its status in BASE, or NULL */
	int gating;                     /* a failure here would fail the gate */
	char *message;                  /* one line: what happened, or why it does not count */
	struct gate_detail *details;
	size_t ndetails;
};

struct gate_leak_total {
	char *cls;
	int64_t allocs, bytes;
};

struct gate_suite {
	const struct cmp_proc *proc;    /* NEW's process (or the run's, alone) */
	const struct cmp_proc *base;    /* baseline mode: its pair, or NULL */
	struct gate_case *cases;
	size_t ncases, failures, skipped;
	/* blocks left at exit by class, at the program's own sites that no rule suppressed */
	struct gate_leak_total *totals;
	size_t ntotals;
	int64_t supp_allocs, supp_bytes;       /* left out by a suppression */
	int64_t runtime_allocs, runtime_bytes; /* the runtime's own, not counted */
};

struct gate_report {
	int baseline;                   /* made by gate_baseline */
	char **fail_on;                 /* the items that gate where they apply (printed) */
	size_t nfail_on;
	int default_items;              /* fail_on is the default choice */
	char **classes;                 /* leak classes that gate */
	size_t nclasses;
	struct gate_suite *suites;
	size_t nsuites, tests, failures, skipped;
};

/**
 * Gate every process of run (or o->only). 0, or -1 with err: a bad
 * option (an unknown item in fail_on), no such process, out of memory.
 */
int gate_plain(const struct cmp_run *run, const struct gate_opts *o, struct gate_report *r,
               char *err, size_t errlen);

/** Gate NEW against BASE, pair by pair (processes only in NEW against nothing). */
int gate_baseline(const struct cmp_diff *d, const struct gate_opts *o, struct gate_report *r,
                  char *err, size_t errlen);

void gate_report_free(struct gate_report *r);

/**
 * 1 if a failure of item gates by default (no --fail-on, no --strict) in a
 * process that took user_snaps snapshots of its own; else 0. The report's
 * run summary asks this too, so the page and `check` name the same
 * processes.
 */
int gate_item_default(const char *item, int user_snaps);

/** How valgrind words a class: "definitely lost", "indirectly lost", "possibly lost", "still reachable". */
const char *gate_class_words(const char *cls);

#endif
