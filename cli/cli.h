/*
 * cli.h - the memledger command: subcommands and their shared helpers.
 *
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` with argv[0]
 * the subcommand's name; it returns the process exit status. Errors reach
 * the user as one line, "memledger: WHAT: reason", through cli_error().
 */
#ifndef MEMLEDGER_CLI_H
#define MEMLEDGER_CLI_H

#include <stddef.h>
#include <stdio.h>

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

/** Print "memledger: what: message" on stderr. */
void cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** path with its extension (".mlt", ".db", ...) replaced by ext. Caller frees. */
char *cli_replace_ext(const char *path, const char *old_ext, const char *ext);

/** 1 if path starts with the trace magic, 0 if not, -1 if unreadable. */
int cli_is_trace(const char *path);

/** The directory of the running memledger binary ("" if unknown). */
const char *cli_self_dir(void);

/** Parse a non-negative integer option; -1 on error. */
long cli_parse_long(const char *s, long max);

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

/** Take opt ("--debug-dir" or "--sysroot") with its argument. 0, or -1 after
 * an error line (not a directory, ...). */
int cli_symopts_parse(struct cli_symopts *o, const char *opt, const char *arg);
/** The search the options describe, valid until cli_symopts_free(). */
const struct sym_search *cli_symopts_search(struct cli_symopts *o);
void cli_symopts_free(struct cli_symopts *o);
/** Print the warning for a module refused for its build-id. */
void cli_sym_warn(const struct sym_module_status *st);
/** s with control bytes shown as \xNN (in buf, n bytes), fit for a terminal. */
const char *cli_safe(const char *s, char *buf, size_t n);

#endif
