/*
 * cli.h - the memledger command: subcommands and their shared helpers.
 *
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` with argv[0]
 * the subcommand's name; it returns the process exit status. Errors reach
 * the user as one line, "memledger: WHAT: reason", through cli_error().
 */
#ifndef MEMLEDGER_CLI_H
#define MEMLEDGER_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/opts.h"

int cmd_run(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);

struct sqlite3;

/**
 * `memledger stats` of the trace at path, or of an open database (every
 * process, or only process `only` when >= 0), written to out: one block
 * per snapshot (samples too when `samples`). 0, or -1 with a one-line
 * reason in err. Names from the input are escaped with cli_escape().
 */
int stats_print_trace(FILE *out, const char *path, int samples, char *err, size_t errlen);
int stats_print_db(FILE *out, struct sqlite3 *db, int samples, long only, char *err, size_t errlen);

/**
 * Print "memledger: what: message" on stderr. The whole line goes through
 * cli_escape(), so a file or symbol name cannot drive the terminal.
 */
void cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Print "memledger: message" on stderr, escaped like cli_error(). */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * s with every byte that could control a terminal written as \xNN: C0
 * controls (ESC, BEL, CR, LF, TAB...), DEL, the C1 controls U+0080 to
 * U+009F, the bidirectional overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069), and bytes that are not valid UTF-8. Other UTF-8 text
 * passes unchanged. NULL prints as "(null)".
 *
 * The result lives in one of 8 buffers used in turn, so up to 8 calls may
 * appear in one printf; it stays valid until the 8th call after it.
 * Never NULL (on out of memory the text is "?").
 */
const char *cli_escape(const char *s);

/** path with its extension (".mlt", ".db", ...) replaced by ext. Caller frees. */
char *cli_replace_ext(const char *path, const char *old_ext, const char *ext);

/** 1 if path starts with the trace magic, 0 if not, -1 if unreadable. */
int cli_is_trace(const char *path);

/** The directory of the running memledger binary ("" if unknown). */
const char *cli_self_dir(void);


/** Parse a non-negative integer option; -1 on error. */
long cli_parse_long(const char *s, long max);

/**
 * In a forked child: exec prog (searched in PATH). If that fails, write
 * errno to errfd (the parent's pipe, close-on-exec) and exit 127 when prog
 * was not found, else 126, as a shell does. Never returns.
 */
_Noreturn void cli_exec_child(char **prog, int errfd);

struct ingest;
struct ingest_opts;
/**
 * `ingest`'s Go inputs (cli/ingest_go.c): load every Go input among
 * paths[0..n) as one process, reporting as `ingest` does. Returns the
 * number of processes loaded (0 or 1); sets *failed on an error.
 */
int ingest_go_inputs(struct ingest *ig, char **paths, int n, const struct ingest_opts *o, int quiet,
                     int *failed);

/**
 * `run` on a Go program (cli/run_go.c). 1 if the file at path carries Go
 * build info, else 0.
 */
int run_is_go_binary(const char *path);
/* ---------------------------------------------------------------- symopts.c */

#include "ingest/symbolize.h"

/** --debug-dir DIR... and --sysroot DIR, as given (strings are argv's). */
struct cli_symopts {
	const char **dirs;
	size_t ndirs;
	const char *sysroot;
	struct sym_search search;
};

/* The options' rows for a subcommand's table (cli/opts.h), keys 'D' and
 * 'S', for its callback to hand to cli_symopts_option(). Its --help
 * should end with CLI_SYMOPTS_DEBUGINFOD. */
#define CLI_SYMOPTS_OPTS \
	{ "debug-dir", 0, 'D', "DIR", "also look for debug files in DIR (by build-id, by\n" \
				      ".gnu_debuglink name, or an unstripped copy); repeatable", \
	  CLI_CALLBACK }, \
	{ "sysroot", 0, 'S', "DIR", "the traced machine's files are under DIR (a trace made\n" \
				    "elsewhere or in a container)", \
	  CLI_CALLBACK }
#define CLI_SYMOPTS_DEBUGINFOD "Debuginfod is asked too when DEBUGINFOD_URLS is set.\n"

/** Take option c, as getopt_long returned it, with its argument: 0, or -1
 * after an error line (not a directory, ...); 1 when c is neither
 * --debug-dir nor --sysroot. */
int cli_symopts_option(struct cli_symopts *o, int c, const char *arg);
/** The search the options describe, valid until cli_symopts_free(). */
const struct sym_search *cli_symopts_search(struct cli_symopts *o);
void cli_symopts_free(struct cli_symopts *o);
/** Print the warning for a module refused for its build-id. */
void cli_sym_warn(const struct sym_module_status *st);

#endif
