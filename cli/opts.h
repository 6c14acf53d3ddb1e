/*
 * opts.h - what every subcommand's option loop shares: one table per
 * subcommand that describes its options once, options anywhere among the
 * operands, the one wording for a bad option, and the two ways a loop
 * ends early (--help, or a usage error with exit status 2).
 *
 * The table (struct cli_opt rows) is the single source: the getopt_long
 * entries, the short-option string and the option list of --help are all
 * made from it, so they cannot disagree.
 *
 *	static const struct cli_opt report_opts[] = {
 *		{ "output", 'o', 'o', "OUT.html", "where to write (default: DB with .html)" },
 *		CLI_OPT_HELP,
 *		CLI_OPT_END,
 *	};
 *	static const struct cli_cmd report_cmd = {
 *		.name = "report", .head = "usage: memledger report ...\n\n...\n\n",
 *		.opts = report_opts, .col = 25,
 *	};
 *
 *	while ((c = cli_cmd_getopt(&report_cmd, argc, argv)) != -1) {
 *		switch (c) {
 *		case 'o':
 *			out = optarg;
 *			break;
 *		default:	(and 'h')
 *			return cli_opt_done(&report_cmd, c, argv);
 *		}
 *	}
 *	if (argc - optind != 1)
 *		return cli_usage_error(&report_cmd, "no database given");
 */
#ifndef MEMLEDGER_CLI_OPTS_H
#define MEMLEDGER_CLI_OPTS_H

#include <getopt.h>
#include <stdio.h>

/**
 * One row of a subcommand's option table.
 *
 * An option row has lng or shrt (or both). It takes a value exactly when
 * arg is set (memledger has no optional values). key is what the parser
 * returns for it; 0 means shrt.
 *
 * help is the option's text in --help: lines separated by '\n' (no
 * trailing one), each continuation line indented to the help column.
 * When the first line is empty the text starts on the line below the
 * option. NULL leaves the option out of --help (it is explained in the
 * prose instead).
 *
 * A row with neither lng nor shrt but with help is text printed as it
 * is among the options (a blank line, a heading "Gate (CI):\n"); when its
 * key is not 0 it sets the help column for the rows after it.
 *
 * The table ends with CLI_OPT_END, a row of zeros.
 */
struct cli_opt {
	const char *lng;	/* "output" for --output, or NULL */
	int shrt;		/* 'o' for -o, or 0 */
	int key;		/* what cli_cmd_getopt returns; 0: shrt */
	const char *arg;	/* the value's name in --help ("FILE"), NULL: no value */
	const char *help;	/* see above */
};

#define CLI_OPT_HELP { "help", 'h', 'h', NULL, "show this help" }
#define CLI_OPT_END { NULL, 0, 0, NULL, NULL }
/* Text among the options; col, when not 0, is the help column from here on. */
#define CLI_OPT_TEXT(text, col) { NULL, 0, (col), NULL, (text) }

/** How a subcommand's arguments are parsed. */
enum cli_parse {
	/* cli_getopt(): options anywhere among the operands, `--` ends
	 * them; a bad option is reported by cli_opt_done() */
	CLI_PARSE_ANYWHERE,
	/* getopt_long with "+": options end at the first operand (run's
	 * PROG ARG...); getopt prints what was wrong unless opterr is 0 */
	CLI_PARSE_POSIX,
	/* getopt_long in glibc's default order (options may follow the
	 * operands); getopt prints what was wrong */
	CLI_PARSE_GNU,
};

/**
 * A subcommand's --help and option table. --help prints head, the
 * option list made from opts, then tail.
 */
struct cli_cmd {
	const char *name;		/* "report": the WHAT of error lines */
	const char *head;		/* usage lines and description, up to the option list */
	const struct cli_opt *opts;	/* ends with CLI_OPT_END */
	const char *tail;		/* after the option list, or NULL */
	enum cli_parse parse;
	int col;			/* the help column (0-based) */
	int gap;			/* the fewest spaces between an option and its help; 0: 1 */
	int indent_long;		/* 1: "      --long" lines up with "  -x, --long" */
};

/**
 * The next option of argv as cmd->parse says, with the getopt_long table
 * and the short-option string made from cmd->opts (in a static buffer:
 * one parse at a time). Returns the row's key, 'h' for --help, '?' or ':'
 * (ANYWHERE) for a bad option, -1 at the end; optind and optarg as
 * getopt_long leaves them.
 */
int cli_cmd_getopt(const struct cli_cmd *cmd, int argc, char **argv);

/** The row of opts whose short letter is c, or NULL. */
const struct cli_opt *cli_opt_by_short(const struct cli_opt *opts, int c);

/** Print cmd's --help (head, option list, tail) to f. */
void cli_help(const struct cli_cmd *cmd, FILE *f);

/**
 * Parse options with getopt_long, letting them stand anywhere among the
 * arguments (`query DB SQL --csv`); `--` ends them. After it, argv holds
 * the options first, then the operands from optind, in their order.
 * Returns getopt_long's value; prints nothing (opterr is 0): the caller
 * reports '?' and ':' with cli_bad_option(). cli_cmd_getopt() calls it for
 * CLI_PARSE_ANYWHERE.
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/** "memledger: CMD: unknown option ..." or "... needs a value", after
 * cli_getopt returned c, '?' or ':'. */
void cli_bad_option(const char *cmd, int c, char **argv);

/**
 * End an option loop at c: for 'h', the help on stdout and 0; for
 * anything else, cli_bad_option() (only for CLI_PARSE_ANYWHERE: getopt
 * printed its own message otherwise), the help on stderr, and 2. The
 * result is the subcommand's exit status.
 */
int cli_opt_done(const struct cli_cmd *cmd, int c, char **argv);

/** "memledger: NAME: message" (cli_error), then the help on stderr; returns 2. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Read optarg, the value of cmd's option whose key is key, as a whole
 * number from min to max into *out. Otherwise "memledger: NAME: --OPTION
 * wants WHAT, not 'ARG'" and -1: the caller's option loop then returns 2.
 */
int cli_opt_long(const struct cli_cmd *cmd, int key, const char *what, long min, long max, long *out);

#endif
