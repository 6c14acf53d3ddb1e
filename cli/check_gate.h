/*
 * check_gate.h - the gate step of `memledger check` (compare/gate.h):
 * --baseline, --fail-on, --strict, --suppressions, the thresholds,
 * --leak-classes, --junit and --json.
 *
 * cmd_check.c's option table lists the options below, with their
 * --help, under the keys CG_OPT_*, and hands them to check_gate_option().
 * Plain `check` prints the checklist itself, then calls
 * check_gate_finish() for the leak summary, the gate's verdict and the
 * exit status. With --baseline or --json, check_gate_main() does the
 * whole job.
 */
#ifndef MEMLEDGER_CLI_CHECK_GATE_H
#define MEMLEDGER_CLI_CHECK_GATE_H

#include "compare/gate.h"
#include "compare/suppress.h"

enum {
	CG_OPT_BASELINE = 0x200,
	CG_OPT_JUNIT,
	CG_OPT_JSON,
	CG_OPT_FAIL_ON,
	CG_OPT_STRICT,
	CG_OPT_SUPPRESSIONS,
	CG_OPT_LEAK_CLASSES,
	CG_OPT_MAX_LOST,
	CG_OPT_MAX_PEAK,
	CG_OPT_MAX_ALLOCS,
};

struct check_gate {
	struct gate_opts o;
	const char *baseline, *junit, *supp_path;
	int json;
	int frames;
	struct cmp_suppressions supp;
	int run_summary;   /* plain check of a run of several processes: one line per failing process */
};
#define CHECK_GATE_INIT { GATE_OPTS_INIT, NULL, NULL, NULL, 0, 6, CMP_SUPPRESSIONS_INIT, 0 }

/**
 * Take option c (a CG_OPT_* value) with its argument. 0 when taken, 1 if
 * c is not one of these, -1 for a bad value (the error is printed).
 */
int check_gate_option(struct check_gate *g, int c, const char *arg);

/**
 * Read what the options name (the suppressions file) before anything is
 * printed. 0, or -1 (the error is printed: exit 2).
 */
int check_gate_prepare(struct check_gate *g);

/** 1 when check_gate_main() does the whole job (--baseline, --json). */
int check_gate_takes_over(const struct check_gate *g);

/**
 * --baseline (argv: NEW's path) or --json: gate, print, write the JUnit
 * file. Returns the exit status: 0 pass, 1 the gate fails, 2 error.
 */
int check_gate_main(struct check_gate *g, const char *db_path, long only);

/**
 * Plain check of a run of several processes without --verbose (set
 * g->run_summary): one line per process that fails the gate, naming what
 * fails, one line per checklist item that fails without gating (with the
 * number of processes), a run summary line and the gate's verdict; the
 * JUnit file as always. Returns the exit status as check_gate_main(),
 * which covers every process of the run.
 */
int check_gate_run(struct check_gate *g, const char *db_path);

/**
 * Plain check, after the checklist was printed: the leak summary with
 * the definite leaks' sites and stacks, the gate's verdict, and the JUnit
 * file. Returns the exit status as check_gate_main().
 */
int check_gate_finish(struct check_gate *g, const char *db_path, long only);

/** Release what the options loaded (the suppressions). */
void check_gate_free(struct check_gate *g);

#endif
