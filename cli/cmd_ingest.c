/*
 * cmd_ingest.c - `memledger ingest [-o DB] [--force] [--allocations all|live|none] TRACE...`.
 *
 * Loads each trace into DB (default: the run's root trace, the one whose
 * process started first, with .db), appending to a database that exists.
 * Each trace is one transaction: a trace that cannot be loaded leaves the
 * database as it was, prints "memledger: FILE: reason" and makes the exit
 * status 1 (the other traces still load). A trace whose process the
 * database already holds is refused unless --force. A truncated trace
 * loads its complete prefix with a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/err.h"
#include "ingest/events.h"
#include "ingest/go_ingest.h"
#include "ingest/ingest.h"

struct ingest_vars {
	const char *out;
	int force, quiet, mode;
	struct cli_symopts so;
	struct cli_list alloc_fns;
};

/* --allocations, and the symbol-search options (cli_symopts_option) */
static int ingest_option(void *vars, int key, const char *arg)
{
	struct ingest_vars *v = vars;

	if (key != 'M')
		return cli_symopts_option(&v->so, key, arg);
	if (!strcmp(arg, "live")) {
		v->mode = ALLOC_ROWS_LIVE;
	} else if (!strcmp(arg, "all")) {
		v->mode = ALLOC_ROWS_ALL;
	} else if (!strcmp(arg, "none")) {
		v->mode = ALLOC_ROWS_NONE;
	} else {
		cli_error("ingest", "--allocations takes all, live or none, not '%s'", arg);
		return -1;
	}
	return 0;
}

static const struct cli_opt ingest_opts[] = {
	{ "output", 'o', 0, "DB", "the database (default: the run's root trace, the one\n"
				  "whose process started first, with .db)",
	  CLI_STR(struct ingest_vars, out) },
	{ "force", 'f', 0, NULL, "load a trace again even if its process is loaded",
	  CLI_FLAG(struct ingest_vars, force) },
	{ "allocations", 0, 'M', "MODE", "which rows the allocations table gets: live (the\n"
					 "default: blocks live at exit or classified by a scan),\n"
					 "all (one per allocation: slower, larger) or none; every\n"
					 "other table is the same in each mode",
	  CLI_CALLBACK },
	{ "quiet", 'q', 0, NULL, "print errors and warnings only, and no progress bar",
	  CLI_FLAG(struct ingest_vars, quiet) },
	CLI_SYMOPTS_OPTS,
	{ "alloc-fn", 0, 'A', "NAME", "a function of the program that only wraps malloc:\n"
				      "sites are named after its caller (repeatable; NAME*\n"
				      "matches a prefix; xmalloc, g_malloc, operator new...\n"
				      "are built in)",
	  CLI_LIST(struct ingest_vars, alloc_fns, NULL) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd ingest_cmd = {
	.name = "ingest",
	.head = "usage: memledger ingest [-o DB] [-q] [--force] [--allocations all|live|none]\n"
		"                        [--debug-dir DIR]... [--sysroot DIR] [--alloc-fn NAME]... TRACE...\n"
		"\n"
		"Load traces written by `memledger run` into a SQLite database; several\n"
		"traces become several processes. An existing database is appended to;\n"
		"a trace it already holds is refused. Go inputs (MemStats JSON lines,\n"
		"gctrace logs, pprof heap profiles, goroutine dumps; recognised by content)\n"
		"named together are one Go process. Options may come anywhere; `--` ends\n"
		"them.\n"
		"\n",
	.opts = ingest_opts,
	.tail = "\n" CLI_SYMOPTS_DEBUGINFOD,
	.col = 20,
	.gap = 2,
	.indent_long = 1,
	.callback = ingest_option,
};

/* The default database: named after the trace whose process started
 * first, which for the files of one run is its root (children and exec'd
 * images start later). `ingest app*.mlt` lists a child (app.4242.mlt)
 * before the root (app.mlt). Traces that cannot be read do not count. */
static char *default_db(char **traces, int n)
{
	const char *best = traces[0];
	uint64_t best_t = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		struct ingest_peek pk;
		/* on a tie, the shorter name: a run's other files add to the
		 * root's stem */
		if (ingest_peek(traces[i], &pk) == 0 &&
		    (pk.unix0_ns < best_t || (pk.unix0_ns == best_t && strlen(traces[i]) < strlen(best)))) {
			best_t = pk.unix0_ns;
			best = traces[i];
		}
	}
	return cli_replace_ext(best, ".mlt", ".db");
}

int cmd_ingest(int argc, char **argv)
{
	struct ingest_vars v = { .mode = ALLOC_ROWS_LIVE };
	const char *out;
	char *def = NULL, err[1024];
	int rc = cli_cmd_parse(&ingest_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		goto out_free;
	if (optind >= argc) {
		rc = cli_usage_error(&ingest_cmd, "no trace given");
		goto out_free;
	}
	out = v.out;
	rc = 1;
	if (!out && !(out = def = default_db(argv + optind, argc - optind))) {
		cli_error("ingest", ERR_OOM);
		goto out_free;
	}
	/* A database this command creates and loads nothing into is removed:
	 * a bad trace leaves things as they were. */
	int existed = access(out, F_OK) == 0, loaded = 0;
	struct ingest ig;
	if (ingest_open(&ig, out, err, sizeof err) < 0) {
		cli_error(out, "%s", err);
		goto out_free;
	}
	int failed = 0;
	struct ingest_opts o = { .progress = !v.quiet, .search = cli_symopts_search(&v.so),
	                         .sym_warn = cli_sym_warn, .alloc_fns = v.alloc_fns.v, .nalloc_fns = v.alloc_fns.n,
	                         .force = v.force, .allocations = v.mode };
	if (ingest_go_inputs(&ig, argv + optind, argc - optind, &o, v.quiet, &failed) > 0)
		loaded++;
	for (int i = optind; i < argc; i++) {
		struct ingest_stats st;
		if (ingest_is_go(argv[i]))
			continue;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ingest_trace(&ig, argv[i], &o, &st, err, sizeof err) < 0) {
			cli_error(argv[i], "%s", err);
			failed++;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		loaded++;
		double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
		if (st.truncated && strcmp(st.end_reason, "truncated") == 0)
			cli_error(argv[i], "warning: the trace stops early (the process was killed?): loaded its"
			          " %llu complete events", (unsigned long long)st.events);
		if (!v.quiet)
			cli_note("%s: process %lld (pid %lld, %s): %llu events in %.2f s", argv[i],
			         (long long)st.process_id, (long long)st.pid, st.end_reason,
			         (unsigned long long)st.events, dt);
	}
	ingest_close(&ig);
	/* Only a load that went through reads like one. One bad trace is
	 * one line (its error); of several, a count follows unless -q. */
	if (!existed && !loaded)
		unlink(out);
	if (failed && loaded + failed > 1 && !v.quiet)
		cli_error(out, "%d of %d traces loaded%s", loaded, loaded + failed,
		          loaded || !existed ? "" : "; the database is as it was");
	else if (!failed && !v.quiet)
		cli_note("database: %s", out);
	rc = failed ? 1 : 0;
out_free:
	free(def);
	cli_symopts_free(&v.so);
	free(v.alloc_fns.v);
	return rc;
}
