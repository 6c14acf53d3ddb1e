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

static const struct cli_opt report_opts[] = {
	{ "output", 'o', 0, "OUT.html", "where to write (default: DB with .html)" },
	{ "template", 't', 0, "DIR", "use DIR/report.xhtml and DIR/style.css instead of the\n"
				     "built-in templates (see templates/README.md)" },
	{ "baseline", 'b', 0, "BASE.db", "add a section comparing this run with BASE's, as\n"
					 "`memledger diff BASE.db DB` does (id=\"baseline\")" },
	{ "alloc-fn", 0, 'A', "NAME", "a function of the program that only wraps malloc: the\n"
				      "sites shown are named after its caller (repeatable;\n"
				      "NAME* matches a prefix; adds to those ingest used)" },
	{ "process", 'p', 0, "WHICH", "the processes that get full sections: a pid, a program\n"
				      "(cc1 or /usr/bin/cc1: all its processes) or all\n"
				      "(repeatable). Default: every process of a run of at\n"
				      "most 4; of a larger run the root, then the processes\n"
				      "with leaks or failing items, then those that\n"
				      "allocated most, up to 4 (the page's run summary says\n"
				      "which and why)" },
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
	const char *out = NULL, *tdir = NULL, *db, *baseline = NULL;
	char err[1024], *def = NULL;
	int c, ret = 1;
	const char **alloc_fns = calloc((size_t)argc + 1, sizeof *alloc_fns);
	const char **which = calloc((size_t)argc + 1, sizeof *which);
	size_t nalloc_fns = 0, nwhich = 0;

	if (!alloc_fns || !which) {
		free(alloc_fns);
		free(which);
		fprintf(stderr, "memledger: report: %s\n", ERR_OOM);
		return 1;
	}

	while ((c = cli_cmd_getopt(&report_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			tdir = optarg;
			break;
		case 'A':
			alloc_fns[nalloc_fns++] = optarg;
			break;
		case 'p':
			if (!*optarg) {
				cli_error("report", "--process wants a pid, a program or all");
				free(alloc_fns);
				free(which);
				return 2;
			}
			which[nwhich++] = optarg;
			break;
		default: /* and 'h' */
			free(alloc_fns);
			free(which);
			return cli_opt_done(&report_cmd, c, argv);
		}
	}
	if (argc - optind != 1) {
		free(alloc_fns);
		free(which);
		return cli_usage_error(&report_cmd, "%s",
				       argc - optind == 0 ? "no database given" : "give exactly one database");
	}
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
	if (baseline) {
		/* a bad BASE is named as such, before any work */
		sqlite3 *bdb;

		if (db_open_ro(baseline, &bdb, err, sizeof err) < 0) {
			cli_error(baseline, "%s", err);
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
	struct report_opts ro = { .template_dir = tdir, .alloc_fns = alloc_fns, .nalloc_fns = nalloc_fns,
	                          .baseline_path = baseline, .processes = which, .nprocesses = nwhich };

	if (report_write_opts(db, out, &ro, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out_free;
	}
	printf("%s\n", cli_escape(out));
	ret = 0;
out_free:
	free(def);
	free(alloc_fns);
	free(which);
	return ret;
}
