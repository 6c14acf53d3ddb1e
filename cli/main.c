/*
 * main.c - the memledger command: dispatch to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: memledger COMMAND [ARGS]\n"
	"\n"
	"Shows where a C/C++ program's memory goes and whether it comes back.\n"
	"\n"
	"  run [-o TRACE] [--interval MS] [--depth N] [--no-follow] [--snapshot-every S] [--report] -- PROG [ARG...]\n"
	"                         run PROG with the tracer; write TRACE (memledger.PROG.PID.mlt)\n"
	"  ingest [-o DB] [--force] TRACE...\n"
	"                         load traces into a SQLite database (the root TRACE.db)\n"
	"  report [-o OUT.html] [--template DIR] DB\n"
	"                         write a self-contained HTML report\n"
	"  query [--csv|--json] DB SQL\n"
	"                         run SQL over a database\n"
	"  stats TRACE|DB         print every snapshot like Go's PrintMemStats()\n"
	"  check DB               run the leak checklist (exit 0 pass, 1 fail, 2 error)\n"
	"  export --format pprof|folded|speedscope|massif [-o FILE] DB\n"
	"                         write a profile for other viewers (pprof, flamegraph.pl, ...)\n"
	"  check --baseline BASE.db DB\n"
	"                         fail only on regressions against BASE\n"
	"  diff [--json] [--html OUT.html] BASE.db NEW.db\n"
	"                         compare two runs (exit 0 same, 1 differ, 2 error)\n"
	"  snapshot [--scan] PID [LABEL]\n"
	"                         take a labelled snapshot now in a process run by `memledger run`\n"
	"  symbolize [--debug-dir DIR]... [--sysroot DIR] DB\n"
	"                         look DB's stacks up again, now that symbols can be found\n"
	"\n"
	"Run `memledger COMMAND --help` for a command's options. Options may follow\n"
	"the arguments (except run's, which end at PROG); `--` ends them.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run }, { "ingest", cmd_ingest }, { "report", cmd_report },
	{ "query", cmd_query }, { "stats", cmd_stats }, { "check", cmd_check },
	{ "export", cmd_export },
	{ "diff", cmd_diff },
	{ "symbolize", cmd_symbolize }, { "snapshot", cmd_snapshot },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("memledger 1.0");
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error(NULL, "unknown command '%s' (try memledger --help)", argv[1]);
	return 2;
}
