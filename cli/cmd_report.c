/*
 * cmd_report.c - `memledger report [-o OUT.html] [--template DIR] [--baseline BASE.db]
 *   [--alloc-fn NAME]... [--process PID|PROGRAM|all]... DB`.
 *
 * Writes the HTML report of DB (default output: DB's name with .html) and
 * prints the output path on stdout. Errors are one line on stderr,
 * "memledger: DB: what is wrong", exit 1; usage errors exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"
#include "ingest/db.h"
#include "report/report.h"

struct report_vars {
	const char *out, *tdir, *baseline;
	struct cli_list alloc_fns, which;
};

static const struct cli_opt report_opts[] = {
	{ "output", 'o', 0, "OUT.html", "where to write (default: DB with .html)", CLI_STR(struct report_vars, out) },
	{ "template", 't', 0, "DIR", "use DIR/report.xhtml and DIR/style.css instead of the\n"
				     "built-in templates (see templates/README.md)",
	  CLI_STR(struct report_vars, tdir) },
	{ "baseline", 'b', 0, "BASE.db", "add a section comparing this run with BASE's, as\n"
					 "`memledger diff BASE.db DB` does (id=\"baseline\")",
	  CLI_STR(struct report_vars, baseline) },
	{ "alloc-fn", 0, 'A', "NAME", "a function of the program that only wraps malloc: the\n"
				      "sites shown are named after its caller (repeatable;\n"
				      "NAME* matches a prefix; adds to those ingest used)",
	  CLI_LIST(struct report_vars, alloc_fns, NULL) },
	{ "process", 'p', 0, "WHICH", "the processes that get full sections: a pid, a program\n"
				      "(cc1 or /usr/bin/cc1: all its processes) or all\n"
				      "(repeatable). Default: every process of a run of at\n"
				      "most 4; of a larger run the root, then the processes\n"
				      "with leaks or failing items, then those that\n"
				      "allocated most, up to 4 (the page's run summary says\n"
				      "which and why)",
	  CLI_LIST(struct report_vars, which, "a pid, a program or all") },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd report_cmd = {
	.name = "report",
	.head = "usage: memledger report [-o OUT.html] [--template DIR] [--baseline BASE.db]\n"
		"                        [--alloc-fn NAME]... [--process PID|PROGRAM|all]... DB\n"
		"\n"
		"Write the HTML report of a memledger database: one self-contained page\n"
		"(CSS and SVG inline, no network needed) explaining every metric for this\n"
		"run, the allocation rate, the program's phases, the leak checklist, leaks,\n"
		"allocation sites, flame graphs and threads.\n"
		"\n",
	.opts = report_opts,
	.col = 25,
	.indent_long = 1,
};

int cmd_report(int argc, char **argv)
{
	struct report_vars v = { 0 };
	const char *out, *db;
	char err[1024], *def = NULL;
	int ret = cli_cmd_parse(&report_cmd, &v, argc, argv);

	if (ret != CLI_PARSED)
		goto out_free;
	if (argc - optind != 1) {
		ret = cli_usage_error(&report_cmd, "%s",
				      argc - optind == 0 ? "no database given" : "give exactly one database");
		goto out_free;
	}
	ret = 1;
	out = v.out;
	db = argv[optind];
	/* A trace is not a database yet; say what to do (and a locked or
	 * foreign file gets db_open_ro's clear reason). */
	if (cli_is_trace(db) == 1) {
		char *dbname = cli_replace_ext(db, ".mlt", ".db");
		cli_error(db, "a trace, not a database: load it first with `memledger ingest %s`, then"
		          " `memledger report %s`", db, dbname ? dbname : "DB");
		free(dbname);
		goto out_free;
	}
	if (db_check_readable(db, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out_free;
	}
	if (v.baseline) {
		/* a bad BASE is named as such, before any work */
		sqlite3 *bdb;

		if (db_open_ro(v.baseline, &bdb, err, sizeof err) < 0) {
			cli_error(v.baseline, "%s", err);
			goto out_free;
		}
		sqlite3_close(bdb);
	}
	if (!out) {
		if (!(def = report_default_output(db))) {
			cli_error(db, ERR_OOM);
			goto out_free;
		}
		out = def;
	}
	struct report_opts ro = { .template_dir = v.tdir, .alloc_fns = v.alloc_fns.v, .nalloc_fns = v.alloc_fns.n,
	                          .baseline_path = v.baseline, .processes = v.which.v, .nprocesses = v.which.n };

	if (report_write_opts(db, out, &ro, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out_free;
	}
	printf("%s\n", cli_escape(out));
	ret = 0;
out_free:
	free(def);
	free(v.alloc_fns.v);
	free(v.which.v);
	return ret;
}
