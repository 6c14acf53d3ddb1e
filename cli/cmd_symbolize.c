/*
 * cmd_symbolize.c - `memledger symbolize [--debug-dir DIR]... [--sysroot DIR] DB`.
 *
 * Symbolizes a database again, in place and in one transaction, for when
 * symbols became available after the ingest: debug packages installed,
 * a debug folder or a sysroot copied from the machine that made the
 * trace, a debuginfod server. Needs only the database.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/db.h"
#include "ingest/resymbolize.h"

struct symbolize_vars {
	int quiet;
	struct cli_symopts so;
};

/* --debug-dir and --sysroot */
static int symbolize_option(void *vars, int key, const char *arg)
{
	struct symbolize_vars *v = vars;

	return cli_symopts_option(&v->so, key, arg);
}

static const struct cli_opt symbolize_opts[] = {
	CLI_SYMOPTS_OPTS,
	{ "quiet", 'q', 0, NULL, "print errors and warnings only", CLI_FLAG(struct symbolize_vars, quiet) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd symbolize_cmd = {
	.name = "symbolize",
	.head = "usage: memledger symbolize [--debug-dir DIR]... [--sysroot DIR] DB\n"
		"\n"
		"Look up every stack of DB again, now that more symbols may be found,\n"
		"and rewrite its frames, site names and thread start functions in place.\n"
		"One transaction: on failure DB is unchanged. Files are found by build-id\n"
		"as `memledger ingest` finds them; one with another build-id is never used.\n"
		"\n",
	.opts = symbolize_opts,
	.tail = "\n" CLI_SYMOPTS_DEBUGINFOD,
	.parse = CLI_PARSE_GNU,
	.col = 19,
	.callback = symbolize_option,
};

int cmd_symbolize(int argc, char **argv)
{
	struct symbolize_vars v = { 0 };
	int rc = cli_cmd_parse(&symbolize_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		goto out;
	if (argc - optind != 1) {
		rc = cli_usage_error(&symbolize_cmd, "wants one database");
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
	if (resymbolize_db(db, cli_symopts_search(&v.so), cli_sym_warn, &st, err, sizeof err) < 0) {
		cli_error(path, "%s (the database is unchanged)", err);
		sqlite3_close(db);
		goto out;
	}
	sqlite3_close(db);
	if (!v.quiet)
		cli_error(path, "%zu of %zu frames named before, %zu of %zu now",
		          st.named_before, st.frames_before, st.named_after, st.frames_after);
	rc = 0;
out:
	cli_symopts_free(&v.so);
	return rc;
}
