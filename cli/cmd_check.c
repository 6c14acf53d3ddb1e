/*
 * cmd_check.c - `memledger check [--process N] [--verbose] DB`.
 *
 * Prints the leak checklist of each process with its evidence and
 * symbolized stacks. A run of several processes gets one line per process
 * that fails the gate and a summary instead (check_gate_run), unless
 * --verbose or --process asks for the evidence. Exit status: 0 when no item fails (pass or n/a),
 * 1 when any fails, 2 on error, so CI pipelines can gate on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check_gate.h"
#include "cli/cli.h"
#include "ingest/db.h"

struct check_vars {
	long only, frames;
	int verbose;
	struct check_gate gate;
};

/* the gate's options */
static int check_option(void *vars, int key, const char *arg)
{
	struct check_vars *v = vars;

	return check_gate_option(&v->gate, key, arg);
}

static const struct cli_opt check_opts[] = {
	{ "process", 0, 'p', "N", "only process N (processes.id), with its evidence",
	  CLI_LONG(struct check_vars, only, "a process id", 0, 1L << 40) },
	{ "verbose", 'v', 0, NULL, "every process's checklist with its evidence",
	  CLI_FLAG(struct check_vars, verbose) },
	{ "frames", 0, 'f', "K", "frames shown per stack (default 6)",
	  CLI_LONG(struct check_vars, frames, "a number", 0, 256) },
	CLI_OPT_HELP,
	/* the gate's options, taken by check_gate_option() */
	CLI_OPT_TEXT("\nGate (CI):\n", 24),
	{ "fail-on", 0, CG_OPT_FAIL_ON, "ITEMS", "items that fail the gate, comma-separated, and 'leaks'\n"
						"(default: threads_stopped, threads_joined, timers_stopped,\n"
						"channels_closed, leaks, and, for a process that took two\n"
						"snapshots of its own, containers_cleared, baseline_returned)",
	  CLI_CALLBACK },
	{ "strict", 0, CG_OPT_STRICT, NULL, "every item fails the gate", CLI_CALLBACK },
	{ "leak-classes", 0, CG_OPT_LEAK_CLASSES, "LIST", "leak classes that fail the gate (default lost,indirect)",
	  CLI_CALLBACK },
	{ "suppressions", 0, CG_OPT_SUPPRESSIONS, "FILE", "sites that never fail the gate (format: README.md)",
	  CLI_CALLBACK },
	{ "junit", 0, CG_OPT_JUNIT, "FILE", "write JUnit XML: one testcase per item and per gate", CLI_CALLBACK },
	{ "json", 0, CG_OPT_JSON, NULL, "print the same as JSON instead of text", CLI_CALLBACK },
	{ "baseline", 0, CG_OPT_BASELINE, "BASE.db", NULL, CLI_CALLBACK },	/* in the text below */
	CLI_OPT_TEXT("\n"
		     "Against a baseline (--baseline BASE.db): only regressions fail, every item\n"
		     "gates, and these bound the growth, as PCT%, AMOUNT or both (the larger wins):\n", 0),
	{ "max-lost-growth", 0, CG_OPT_MAX_LOST, "T", "definite leak bytes (default 0: any growth)", CLI_CALLBACK },
	{ "max-peak-growth", 0, CG_OPT_MAX_PEAK, "T", "the peak of Alloc (default 10%,64KiB)", CLI_CALLBACK },
	{ "max-allocs-growth", 0, CG_OPT_MAX_ALLOCS, "T", "the number of allocations (default 10%,1000)",
	  CLI_CALLBACK },
	CLI_OPT_END,
};

static const struct cli_cmd check_cmd = {
	.name = "check",
	.head = "usage: memledger check [--process N] [--verbose] [--frames K] [--fail-on ITEMS|--strict]\n"
		"                       [--suppressions FILE] [--junit FILE] [--json] DB\n"
		"       memledger check --baseline BASE.db [options] DB\n"
		"\n"
		"Run the leak checklist: threads stopped and joined, timers stopped,\n"
		"containers cleared, channels closed, settle time, GC (n/a in C), global\n"
		"references, memory back to baseline. Each item is PASS, FAIL or N/A with\n"
		"its evidence and where in the code it comes from.\n"
		"\n"
		"A run of several processes (a build, a script) prints one line per process\n"
		"that fails the gate and a summary; --verbose or --process shows the evidence.\n"
		"The exit status covers every process of the run.\n"
		"\n",
	.opts = check_opts,
	.tail = "\n"
		"Exit status: 0 the gate passes, 1 it fails, 2 error.\n",
	.col = 16,
	.callback = check_option,
};

static const char *txt(sqlite3_stmt *s, int i, const char *def)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? t : def;
}

static void print_stack(sqlite3_stmt *fr, int64_t stack, int max)
{
	sqlite3_bind_int64(fr, 1, stack);
	int n = 0;
	while (sqlite3_step(fr) == SQLITE_ROW) {
		if (n++ >= max) {
			printf("          ...\n");
			break;
		}
		const char *fn = txt(fr, 0, NULL), *file = txt(fr, 1, NULL);
		if (fn && file)
			printf("          at %s (%s:%d)%s\n", cli_escape(fn), cli_escape(file), sqlite3_column_int(fr, 2),
			       sqlite3_column_int(fr, 5) ? " [inlined]" : "");
		else if (fn)
			printf("          at %s (%s)\n", cli_escape(fn), cli_escape(txt(fr, 3, "?")));
		else
			printf("          at %s+0x%llx\n", cli_escape(txt(fr, 3, "?")),
			       (unsigned long long)sqlite3_column_int64(fr, 4));
	}
	sqlite3_reset(fr);
}

/*
 * The threads items list one evidence row per thread (value = tid): print
 * them grouped by the stack that created them, each group once with its
 * count, start functions and first tids, so 241 threads from one place
 * take four lines, not six hundred.
 */
static int print_thread_groups(sqlite3 *db, sqlite3_stmt *fr, int64_t pid, const char *item, int frames)
{
	static const char sql[] =
		"SELECT e.stack_id, count(*), group_concat(DISTINCT coalesce(t.start_function, '?')),"
		" group_concat(e.value, ', ')"
		" FROM checklist_evidence e LEFT JOIN threads t ON t.process_id = e.process_id AND t.tid = e.value"
		"  AND t.stack_id IS e.stack_id"
		" WHERE e.process_id = ? AND e.item = ? GROUP BY e.stack_id ORDER BY min(e.seq)";
	sqlite3_stmt *g;
	const char *what = !strcmp(item, "threads_stopped") ? "still running at exit" : "ended without being joined";

	if (sqlite3_prepare_v2(db, sql, -1, &g, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(g, 1, pid);
	sqlite3_bind_text(g, 2, item, -1, SQLITE_STATIC);
	while (sqlite3_step(g) == SQLITE_ROW) {
		int n = sqlite3_column_int(g, 1);
		const char *tids = txt(g, 3, "");

		if (n == 1) {
			printf("        - thread %s (%s) %s, created at:\n", tids, txt(g, 2, "?"), what);
		} else {
			/* the first ten tids */
			const char *p = tids;
			int commas = 0;

			while (*p && commas < 10)
				commas += *p++ == ',';
			printf("        - %d threads (%s) %s: %.*s%s, all created at:\n", n, txt(g, 2, "?"), what,
			       (int)(*p ? p - tids - 1 : p - tids), tids, *p ? ", ..." : "");
		}
		if (sqlite3_column_type(g, 0) != SQLITE_NULL && frames > 0)
			print_stack(fr, sqlite3_column_int64(g, 0), frames);
		else
			printf("          (no stack recorded)\n");
	}
	sqlite3_finalize(g);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check_vars v = { .only = -1, .frames = 6, .gate = CHECK_GATE_INIT };
	int rc = cli_cmd_parse(&check_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	if (argc - optind != 1)
		return cli_usage_error(&check_cmd, "wants one database");
	const char *path = argv[optind];
	v.gate.frames = (int)v.frames;
	if (check_gate_prepare(&v.gate) < 0)
		return 2;
	if (check_gate_takes_over(&v.gate)) {
		int grc = check_gate_main(&v.gate, path, v.only);

		check_gate_free(&v.gate);
		return grc;
	}
	char err[1024];
	sqlite3 *db;
	if (db_open_ro(path, &db, err, sizeof err) < 0) {
		cli_error(path, "%s", err);
		return 2;
	}
	sqlite3_stmt *procs = db_prepare(db, "SELECT id, pid, exe, end_reason FROM processes"
	                                     " WHERE ?1 < 0 OR id = ?1 ORDER BY id", err, sizeof err);
	sqlite3_stmt *items = db_prepare(db, "SELECT item, status, detail FROM checklist WHERE process_id = ?"
	                                     " ORDER BY CASE item WHEN 'threads_stopped' THEN 1 WHEN 'threads_joined' THEN 2"
	                                     " WHEN 'timers_stopped' THEN 3 WHEN 'containers_cleared' THEN 4"
	                                     " WHEN 'channels_closed' THEN 5 WHEN 'settle_time' THEN 6"
	                                     " WHEN 'gc_repeated' THEN 7 WHEN 'global_references' THEN 8 ELSE 9 END",
	                             err, sizeof err);
	sqlite3_stmt *ev = db_prepare(db, "SELECT text, stack_id FROM checklist_evidence WHERE process_id = ?"
	                                  " AND item = ? ORDER BY seq", err, sizeof err);
	sqlite3_stmt *fr = db_prepare(db, "SELECT f.function, f.file, f.line, f.module, f.offset, f.inlined"
	                                  " FROM stacks s JOIN frames f ON f.id = s.frame_id WHERE s.stack_id = ?"
	                                  " ORDER BY s.depth", err, sizeof err);
	rc = 2;
	if (!procs || !items || !ev || !fr) {
		cli_error(path, "%s", err);
		goto out;
	}
	if (v.only < 0 && !v.verbose) {
		sqlite3_stmt *cnt = db_prepare(db, "SELECT count(*) FROM processes", err, sizeof err);
		long long n = cnt && sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : -1;

		sqlite3_finalize(cnt);
		if (n < 0) {
			cli_error(path, "%s", err);
			goto out;
		}
		if (n > 1) {
			rc = check_gate_run(&v.gate, path);
			goto out;
		}
	}
	sqlite3_bind_int64(procs, 1, v.only);
	int nproc = 0, fails = 0, nitems = 0;
	while (sqlite3_step(procs) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(procs, 0);
		nproc++;
		printf("process %lld: pid %lld %s (%s)\n", (long long)pid, (long long)sqlite3_column_int64(procs, 1),
		       cli_escape(txt(procs, 2, "?")), cli_escape(txt(procs, 3, "?")));
		sqlite3_bind_int64(items, 1, pid);
		while (sqlite3_step(items) == SQLITE_ROW) {
			const char *item = txt(items, 0, "?"), *status = txt(items, 1, "?");
			nitems++;
			fails += !strcmp(status, "fail");
			printf("  %-4s  %-19s %s\n", !strcmp(status, "pass") ? "PASS" : !strcmp(status, "fail") ? "FAIL" : "N/A",
			       cli_escape(item), cli_escape(txt(items, 2, "")));
			if (!strcmp(status, "pass"))
				continue;
			if ((!strcmp(item, "threads_stopped") || !strcmp(item, "threads_joined")) &&
			    print_thread_groups(db, fr, pid, item, (int)v.frames) == 0)
				continue;
			sqlite3_bind_int64(ev, 1, pid);
			sqlite3_bind_text(ev, 2, item, -1, SQLITE_TRANSIENT);
			while (sqlite3_step(ev) == SQLITE_ROW) {
				printf("        - %s\n", cli_escape(txt(ev, 0, "")));
				if (sqlite3_column_type(ev, 1) != SQLITE_NULL && v.frames > 0)
					print_stack(fr, sqlite3_column_int64(ev, 1), (int)v.frames);
			}
			sqlite3_reset(ev);
		}
		sqlite3_reset(items);
		putchar('\n');
	}
	if (!nproc) {
		cli_error(path, v.only >= 0 ? "no process %ld in the database" : "the database holds no process",
		          v.only);
		goto out;
	}
	if (!nitems) {
		cli_error(path, "no checklist in the database");
		goto out;
	}
	printf("%d item%s failed\n\n", fails, fails == 1 ? "" : "s");
	fflush(stdout);
	/* which failures fail the gate, and the definite leaks */
	rc = check_gate_finish(&v.gate, path, v.only);
out:
	check_gate_free(&v.gate);
	sqlite3_finalize(procs);
	sqlite3_finalize(items);
	sqlite3_finalize(ev);
	sqlite3_finalize(fr);
	sqlite3_close(db);
	return rc;
}
