/*
 * cmd_symbolize.c - `memledger symbolize [--debug-dir DIR]... [--sysroot DIR] DB`.
 *
 * Symbolizes a database again, in place and in one transaction, for when
 * symbols became available after the ingest: debug packages installed,
 * a debug folder or a sysroot copied from the machine that made the
 * trace, a debuginfod server. Needs only the database.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/db.h"
#include "ingest/resymbolize.h"

static const char usage[] =
	"usage: memledger symbolize [--debug-dir DIR]... [--sysroot DIR] DB\n"
	"\n"
	"Look up every stack of DB again, now that more symbols may be found,\n"
	"and rewrite its frames, site names and thread start functions in place.\n"
	"One transaction: on failure DB is unchanged. Files are found by build-id\n"
	"as `memledger ingest` finds them; one with another build-id is never used.\n"
	"\n"
	"  --debug-dir DIR  also look for debug files in DIR (by build-id, by\n"
	"                   .gnu_debuglink name, or an unstripped copy); repeatable\n"
	"  --sysroot DIR    the traced machine's files are under DIR\n"
	"  -q, --quiet      print errors and warnings only\n"
	"  -h, --help       show this help\n"
	"\n"
	"Debuginfod is asked too when DEBUGINFOD_URLS is set.\n";

int cmd_symbolize(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SYMOPTS_LONG_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		CLI_OPT_HELP_END,
	};
	struct cli_symopts so = { 0 };
	int quiet = 0, c, rc = 2;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		default: /* and 'h'; getopt_long said what was wrong */
			switch (cli_symopts_option(&so, c, optarg)) {
			case 0:
				continue;
			case 1:
				rc = cli_opt_done(NULL, c, argv, usage);
			}
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = cli_usage_error("symbolize", usage, "wants one database");
		goto out;
	}
	const char *path = argv[optind];
	char err[1024];
	sqlite3 *db;
	rc = 1;
	/* db_open_rw() would create a new, empty database */
	if (access(path, F_OK) != 0) {
		cli_error(path, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (cli_is_trace(path) == 1) {
		cli_error(path, "is a trace: `memledger ingest` it (it takes --debug-dir and --sysroot too)");
		goto out;
	}
	if (db_open_rw(path, &db, err, sizeof err) < 0) {
		cli_error(path, "%s", err);
		goto out;
	}
	struct resym_stats st;
	if (resymbolize_db(db, cli_symopts_search(&so), cli_sym_warn, &st, err, sizeof err) < 0) {
		cli_error(path, "%s (the database is unchanged)", err);
		sqlite3_close(db);
		goto out;
	}
	sqlite3_close(db);
	if (!quiet)
		cli_error(path, "%zu of %zu frames named before, %zu of %zu now",
		          st.named_before, st.frames_before, st.named_after, st.frames_after);
	rc = 0;
out:
	cli_symopts_free(&so);
	return rc;
}
