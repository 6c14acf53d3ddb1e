/*
 * opts.h - what every subcommand's option parse shares: one table per
 * subcommand that describes its options once, options anywhere among the
 * operands, the one wording for a bad option, and the two ways a parse
 * ends early (--help, or a usage error with exit status 2).
 *
 * The table (struct cli_opt rows) is the single source: the getopt_long
 * entries, the short-option string, the option list of --help and where
 * each option's value goes are all made from it, so they cannot disagree.
 *
 * A row binds its option to a variable, as git's OPT_STRING and OPT_BOOL
 * do. The tables are static const and a subcommand's variables are not,
 * so a row names its variable as a member of a struct: the subcommand
 * gathers what its options set in one struct (its "vars"), and
 * cli_cmd_parse() stores through the member's offset in the vars it is
 * given. The macros check the member's type at compile time. An option
 * that does more than store (a gate threshold, --debug-dir's directory
 * check) is marked CLI_CALLBACK and handed to the subcommand's callback.
 *
 *	struct report_vars {
 *		const char *out;
 *		struct cli_list alloc_fns;
 *	};
 *	static const struct cli_opt report_opts[] = {
 *		{ "output", 'o', 0, "OUT.html", "where to write", CLI_STR(struct report_vars, out) },
 *		{ "alloc-fn", 0, 'A', "NAME", "(repeatable)", CLI_LIST(struct report_vars, alloc_fns, NULL) },
 *		CLI_OPT_HELP,
 *		CLI_OPT_END,
 *	};
 *	static const struct cli_cmd report_cmd = {
 *		.name = "report", .head = "usage: memledger report ...\n\n...\n\n",
 *		.opts = report_opts, .col = 25,
 *	};
 *
 *	struct report_vars v = { 0 };	(the options' defaults)
 *	int rc = cli_cmd_parse(&report_cmd, &v, argc, argv);
 *
 *	if (rc != CLI_PARSED)
 *		goto out_free;	(0 after --help, 2 after a bad option)
 *	if (argc - optind != 1) {
 *		rc = cli_usage_error(&report_cmd, "no database given");
 *		goto out_free;
 *	}
 *	...
 *	out_free:
 *	free(v.alloc_fns.v);
 */
#ifndef MEMLEDGER_CLI_OPTS_H
#define MEMLEDGER_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/** Where a row's value goes (see struct cli_opt and the CLI_* macros below). */
enum cli_bind {
	CLI_BIND_NONE,	/* the key goes to the subcommand's callback */
	CLI_BIND_HELP,	/* --help: print it on stdout, exit status 0 */
	CLI_BIND_SET,	/* int: set to val */
	CLI_BIND_STR,	/* const char *: the value (a pointer into argv) */
	CLI_BIND_LONG,	/* long: the value as a whole number from min to max */
	CLI_BIND_LIST,	/* struct cli_list: the value added (repeatable) */
};

/**
 * A repeatable option's values, in the order given (pointers into argv).
 * Zero is the empty list; cli_cmd_parse() grows v, NULL-terminated, and
 * the subcommand frees it with free(list.v).
 */
struct cli_list {
	const char **v;
	size_t n;
};

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
 * Every option row ends with where its value goes: CLI_FLAG, CLI_SET,
 * CLI_STR, CLI_LONG or CLI_LIST name a member of the subcommand's vars
 * struct; CLI_CALLBACK hands the key to the subcommand's callback.
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
	enum cli_bind bind;	/* where the value goes */
	size_t off;		/* the variable: its offset in the vars struct */
	long val;		/* SET: the value stored */
	long min, max;		/* LONG: the range */
	/* LONG: "a number" for "memledger: CMD: --depth wants a number, not
	 * 'x'"; STR, LIST: NULL, or an empty value is refused with
	 * "memledger: CMD: --process wants WHAT" */
	const char *what;
};

/* The offset of member m of struct type T, which must have type type. */
#define CLI_VAR(T, m, type) _Generic(((T *)0)->m, type: offsetof(T, m))

/* int T.m = 1 (or v) when the option is given */
#define CLI_FLAG(T, m) CLI_SET(T, m, 1)
#define CLI_SET(T, m, v) .bind = CLI_BIND_SET, .off = CLI_VAR(T, m, int), .val = (v)
/* const char *T.m = the value */
#define CLI_STR(T, m) .bind = CLI_BIND_STR, .off = CLI_VAR(T, m, const char *)
/* long T.m = the value, from lo to hi; wants is cli_opt.what */
#define CLI_LONG(T, m, wants, lo, hi) \
	.bind = CLI_BIND_LONG, .off = CLI_VAR(T, m, long), .what = (wants), .min = (lo), .max = (hi)
/* struct cli_list T.m gets the value; wants: NULL or cli_opt.what */
#define CLI_LIST(T, m, wants) .bind = CLI_BIND_LIST, .off = CLI_VAR(T, m, struct cli_list), .what = (wants)
/* the subcommand's callback takes the option */
#define CLI_CALLBACK .bind = CLI_BIND_NONE

#define CLI_OPT_HELP { "help", 'h', 'h', NULL, "show this help", .bind = CLI_BIND_HELP }
#define CLI_OPT_END { .lng = NULL }
/* Text among the options; col, when not 0, is the help column from here on. */
#define CLI_OPT_TEXT(text, col) { NULL, 0, (col), NULL, (text), .bind = CLI_BIND_NONE }

/** How a subcommand's arguments are parsed. */
enum cli_parse {
	/* cli_getopt(): options anywhere among the operands, `--` ends
	 * them; cli_cmd_parse() reports a bad option */
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
	/*
	 * Takes the option key of a CLI_CALLBACK row, with its value arg
	 * (optarg), and also '?' and ':': a bad option, arg being the
	 * argument it was in (argv[optind - 1]; optopt as getopt_long leaves
	 * it). vars is what cli_cmd_parse() was given.
	 * Returns 0 when taken, -1 after an error line of its own (exit
	 * status 2), 1 when key is not its own: a bad option, reported by
	 * cli_cmd_parse(). NULL: every key is not its own.
	 */
	int (*callback)(void *vars, int key, const char *arg);
};

/* cli_cmd_parse() took every option: the operands are argv[optind..]. */
#define CLI_PARSED (-1)

/**
 * Parse argv's options as cmd says: each option's value goes where its
 * row binds it in vars (whose members keep their values for the options
 * not given), or to cmd->callback. Returns CLI_PARSED when every option
 * was taken, with optind at the first operand. Otherwise the exit status
 * the subcommand returns at once: 0 after --help (printed on stdout), 2
 * after a usage error (its line, then the help, on stderr; a callback's
 * error line alone), 1 when out of memory.
 *
 * Each parse starts afresh (optind is reset), so parses can follow one
 * another; opterr is left as the caller set it (CLI_PARSE_POSIX and
 * CLI_PARSE_GNU: 0 lets the callback word a bad option itself).
 */
int cli_cmd_parse(const struct cli_cmd *cmd, void *vars, int argc, char **argv);

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

/** "memledger: NAME: message" (cli_error), then the help on stderr; returns 2. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
