/*
 * cmd_report.c - `memledger report [-o OUT.html] [--template DIR] DB`.
 *
 * Writes the HTML report of DB (default output: DB's name with .html) and
 * prints the output path on stdout. Errors are one line on stderr,
 * "memledger: DB: what is wrong", exit 1; usage errors exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/db.h"
#include "report/report.h"

static const char usage[] =
	"usage: memledger report [-o OUT.html] [--template DIR] DB\n"
	"\n"
	"Write the HTML report of a memledger database: one self-contained page\n"
	"(CSS and SVG inline, no network needed) explaining every metric for this\n"
	"run, the allocation rate, the program's phases, the leak checklist, leaks,\n"
	"allocation sites, flame graphs and threads.\n"
	"\n"
	"  -o, --output OUT.html  where to write (default: DB with .html)\n"
	"  -t, --template DIR     use DIR/report.xhtml and DIR/style.css instead of the\n"
	"                         built-in templates (see templates/README.md)\n"
	"  -h, --help             show this help\n";

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "template", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *tdir = NULL, *db;
	char err[1024], *def = NULL;
	int c, ret = 1;

	while ((c = cli_getopt(argc, argv, "o:t:h", opts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 't':
			tdir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			cli_bad_option("report", c, argv);
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		cli_error("report", "%s", argc - optind == 0 ? "no database given" : "give exactly one database");
		fputs(usage, stderr);
		return 2;
	}
	db = argv[optind];
	/* A trace is not a database yet; say what to do (and a locked or
	 * foreign file gets db_open_ro's clear reason). */
	if (cli_is_trace(db) == 1) {
		char *dbname = cli_replace_ext(db, ".mlt", ".db");
		cli_error(db, "a trace, not a database: load it first with `memledger ingest %s`, then"
		          " `memledger report %s`", db, dbname ? dbname : "DB");
		free(dbname);
		return 1;
	}
	if (db_check_readable(db, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		return 1;
	}
	if (!out) {
		if (!(def = report_default_output(db))) {
			cli_error(db, "out of memory");
			return 1;
		}
		out = def;
	}
	if (report_write(db, out, tdir, err, sizeof err) < 0) {
		cli_error(db, "%s", err);
		goto out_free;
	}
	printf("%s\n", cli_escape(out));
	ret = 0;
out_free:
	free(def);
	return ret;
}
