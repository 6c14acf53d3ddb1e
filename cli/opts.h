/*
 * opts.h - what every subcommand's option loop shares: options anywhere
 * among the operands, the one wording for a bad option, and the two ways
 * a loop ends early (--help, or a usage error with exit status 2).
 *
 *	while ((c = cli_getopt(argc, argv, "o:h", opts)) != -1) {
 *		switch (c) {
 *		case 'o':
 *			out = optarg;
 *			break;
 *		default:	(and 'h')
 *			return cli_opt_done("report", c, argv, usage);
 *		}
 *	}
 *	if (argc - optind != 1)
 *		return cli_usage_error("report", usage, "no database given");
 */
#ifndef MEMLEDGER_CLI_OPTS_H
#define MEMLEDGER_CLI_OPTS_H

#include <getopt.h>

/* Every subcommand's table ends with --help and the terminator. */
#define CLI_OPT_HELP_END { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }

/**
 * Parse options with getopt_long, letting them stand anywhere among the
 * arguments (`query DB SQL --csv`); `--` ends them. After it, argv holds
 * the options first, then the operands from optind, in their order.
 * Returns getopt_long's value; prints nothing (opterr is 0): the caller
 * reports '?' and ':' with cli_bad_option().
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/** "memledger: CMD: unknown option ..." or "... needs a value", after
 * cli_getopt returned c, '?' or ':'. */
void cli_bad_option(const char *cmd, int c, char **argv);

/**
 * End an option loop at c: for 'h', the usage on stdout and 0; for
 * anything else, cli_bad_option(cmd, c, argv) (skipped when cmd is NULL,
 * for loops where getopt printed its own message), the usage on stderr,
 * and 2. The result is the subcommand's exit status.
 */
int cli_opt_done(const char *cmd, int c, char **argv, const char *usage);

/** "memledger: cmd: message" (cli_error), then the usage on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Read optarg, the value of option OPT (e.g. "--frames"), as a whole number
 * from min to max into *out. Otherwise "memledger: CMD: OPT wants WHAT, not
 * 'ARG'" and -1: the caller's option loop then returns 2.
 */
int cli_opt_long(const char *cmd, const char *opt, const char *what, long min, long max, long *out);

#endif
