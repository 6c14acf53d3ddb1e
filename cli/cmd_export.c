/*
 * cmd_export.c - `memledger export --format F [-o FILE] [--process ID]
 * [--at LABEL] [--weight W] DB`.
 *
 * Writes one process of DB in a format other tools read (export/export.h)
 * and prints the output path on stdout ("-" writes the file itself to
 * stdout). Errors are one line on stderr, "memledger: WHAT: reason":
 * usage errors (an unknown format or weight) exit 2, everything else 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"
#include "export/export.h"

struct export_vars {
	struct export_opts o;
	const char *out;
	long pid;
};

static int export_option(void *vars, int key, const char *arg);

static const struct cli_opt export_opts[] = {
	{ "format", 'f', 0, "F", "the format (required)", CLI_STR(struct export_vars, o.format) },
	{ "output", 'o', 0, "FILE", "where to write (default: DB with .pb.gz, .folded,\n"
				    ".speedscope.json or .massif); - for standard output",
	  CLI_STR(struct export_vars, out) },
	{ "process", 'p', 0, "ID", "the process (processes.id; default: the root process)",
	  CLI_LONG(struct export_vars, pid, "a process id (a number > 0)", 1, 0x7fffffffL) },
	{ "at", 'a', 0, "LABEL", "\"live\" means live at the program's snapshot LABEL (its\n"
				 "first one) instead of at exit",
	  CLI_STR(struct export_vars, o.at_label) },
	{ "weight", 'w', 0, "W", "folded only: bytes (allocated, the default), allocs,\n"
				 "live, live-allocs, lost or indirect (bytes)",
	  CLI_STR(struct export_vars, o.weight) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd export_cmd = {
	.name = "export",
	.head = "usage: memledger export --format pprof|folded|speedscope|massif [-o FILE]\n"
		"                        [--process ID] [--at LABEL] [--weight W] DB\n"
		"\n"
		"Write one process of a memledger database in a format other viewers read:\n"
		"  pprof       gzip profile.proto: alloc_objects, alloc_space, inuse_objects,\n"
		"              inuse_space (go tool pprof -http=: FILE)\n"
		"  folded      one line per stack, root first, ';'-separated, then the weight\n"
		"              (flamegraph.pl, inferno-flamegraph, speedscope)\n"
		"  speedscope  speedscope's JSON, one profile per weight\n"
		"  massif      valgrind massif's format (ms_print, massif-visualizer); the\n"
		"              heap is Alloc, the live requested bytes\n"
		"\n",
	.opts = export_opts,
	.parse = CLI_PARSE_POSIX,
	.col = 21,
	.callback = export_option,
};

/* Every option is bound: key is '?', a bad option arg (opterr is 0),
 * which export words its own way. */
static int export_option(void *vars, int key, const char *arg)
{
	const struct cli_opt *row = cli_opt_by_short(export_opts, optopt);

	(void)vars, (void)key;
	if (row && row->arg)
		cli_error("export", "option -%c needs an argument", optopt);
	else if (optopt)
		cli_error("export", "unknown option -%c", optopt);
	else
		cli_error("export", "unknown or incomplete option %s", arg);
	cli_help(&export_cmd, stderr);
	return -1;
}

int cmd_export(int argc, char **argv)
{
	struct export_vars v = { 0 };
	const char *out, *db;
	char err[1024], *def = NULL;
	int ret, err_out;

	opterr = 0;	/* export_option() words a bad option */
	ret = cli_cmd_parse(&export_cmd, &v, argc, argv);
	if (ret != CLI_PARSED)
		return ret;
	ret = 1;
	struct export_opts o = v.o;
	o.process_id = v.pid;
	out = v.out;
	if (!o.format) {
		cli_error("export", "no --format given (formats: %s)", export_formats);
		return 2;
	}
	if (!export_format_known(o.format)) {
		cli_error("export", "unknown format '%s' (formats: %s)", o.format, export_formats);
		return 2;
	}
	if (o.weight && strcmp(o.format, "folded")) {
		cli_error("export", "--weight is for --format folded (%s writes every weight)",
			  o.format);
		return 2;
	}
	if (o.weight && !export_weight_known(o.weight)) {
		cli_error("export", "unknown weight '%s' (weights: %s)", o.weight, export_weights);
		return 2;
	}
	if (argc - optind != 1) {
		cli_error("export", "%s (see memledger export --help)",
			  argc - optind == 0 ? "no database given" : "give exactly one database");
		return 2;
	}
	db = argv[optind];
	if (!out) {
		if (!(def = export_default_output(db, o.format))) {
			cli_error(db, ERR_OOM);
			return 1;
		}
		out = def;
	}
	if (export_write(db, out, &o, err, sizeof err, &err_out) < 0) {
		cli_error(err_out ? out : db, "%s", err);
		goto out_free;
	}
	if (strcmp(out, "-"))
		printf("%s\n", out);
	ret = 0;
out_free:
	free(def);
	return ret;
}
