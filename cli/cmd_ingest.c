/*
 * cmd_ingest.c - `memledger ingest [-o DB] TRACE...`.
 *
 * Loads each trace into DB (default: the first trace's name with .db),
 * appending to a database that exists. Each trace is one transaction: a
 * trace that cannot be loaded leaves the database as it was, prints
 * "memledger: FILE: reason" and makes the exit status 1 (the other traces
 * still load). A truncated trace loads its complete prefix with a warning.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/go_ingest.h"
#include "ingest/ingest.h"

static const char usage[] =
	"usage: memledger ingest [-o DB] [-q] [--debug-dir DIR]... [--sysroot DIR] TRACE...\n"
	"\n"
	"Load traces written by `memledger run` into a SQLite database; several\n"
	"traces become several processes. An existing database is appended to.\n"
	"Go inputs (MemStats JSON lines, gctrace logs, pprof heap profiles,\n"
	"goroutine dumps; recognised by content) named together are one Go process.\n"
	"\n"
	"  -o, --output DB   the database (default: the first TRACE with .db)\n"
	"  -q, --quiet       print errors and warnings only, and no progress bar\n"
	"      --debug-dir DIR  also look for debug files in DIR (by build-id, by\n"
	"                    .gnu_debuglink name, or an unstripped copy); repeatable\n"
	"      --sysroot DIR  the traced machine's files are under DIR (a trace made\n"
	"                    elsewhere or in a container)\n"
	"                    Debuginfod is asked too when DEBUGINFOD_URLS is set.\n"
	"      --alloc-fn NAME  a function of the program that only wraps malloc:\n"
	"                    sites are named after its caller (repeatable; NAME*\n"
	"                    matches a prefix; xmalloc, g_malloc, operator new...\n"
	"                    are built in)\n"
	"  -h, --help        show this help\n";

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "alloc-fn", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "sysroot", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int quiet = 0, c;
	struct cli_symopts so = { 0 };
	const char **alloc_fns = calloc((size_t)argc + 1, sizeof *alloc_fns);
	size_t nalloc_fns = 0;
	if (!alloc_fns) {
		cli_error("ingest", "out of memory");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "+o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			alloc_fns[nalloc_fns++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'D':
		case 'S':
			if (cli_symopts_parse(&so, c == 'D' ? "--debug-dir" : "--sysroot", optarg) < 0) {
				cli_symopts_free(&so);
				free(alloc_fns);
				return 2;
			}
			break;
		case 'h':
			cli_symopts_free(&so);
			fputs(usage, stdout);
			free(alloc_fns);
			return 0;
		default:
			cli_symopts_free(&so);
			fputs(usage, stderr);
			free(alloc_fns);
			return 2;
		}
	}
	if (optind >= argc) {
		cli_symopts_free(&so);
		cli_error("ingest", "no trace given");
		fputs(usage, stderr);
		free(alloc_fns);
		return 2;
	}
	char *def = NULL, err[1024];
	if (!out)
		out = def = cli_replace_ext(argv[optind], ".mlt", ".db");
	/* A database this command creates and loads nothing into is removed:
	 * a bad trace leaves things as they were. */
	int existed = access(out, F_OK) == 0, loaded = 0;
	struct ingest ig;
	if (ingest_open(&ig, out, err, sizeof err) < 0) {
		cli_error(out, "%s", err);
		free(def);
		cli_symopts_free(&so);
		free(alloc_fns);
		return 1;
	}
	int failed = 0;
	struct ingest_opts o = { .progress = !quiet, .search = cli_symopts_search(&so), .sym_warn = cli_sym_warn,
	                         .alloc_fns = alloc_fns, .nalloc_fns = nalloc_fns };
	if (ingest_go_inputs(&ig, argv + optind, argc - optind, &o, quiet, &failed) > 0)
		loaded++;
	for (int i = optind; i < argc; i++) {
		struct ingest_stats st;
		if (ingest_is_go(argv[i]))
			continue;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ingest_trace(&ig, argv[i], &o, &st, err, sizeof err) < 0) {
			cli_error(argv[i], "%s", err);
			failed = 1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		loaded++;
		double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
		if (st.truncated && strcmp(st.end_reason, "truncated") == 0)
			cli_error(argv[i], "warning: the trace stops early (the process was killed?): loaded its"
			          " %llu complete events", (unsigned long long)st.events);
		if (!quiet)
			fprintf(stderr, "memledger: %s: process %lld (pid %lld, %s): %llu events in %.2f s\n",
			        argv[i], (long long)st.process_id, (long long)st.pid, st.end_reason,
			        (unsigned long long)st.events, dt);
	}
	ingest_close(&ig);
	if (!existed && !loaded) {
		unlink(out);
	} else if (!quiet) {
		fprintf(stderr, "memledger: database: %s\n", out);
	}
	free(def);
	cli_symopts_free(&so);
	free(alloc_fns);
	return failed;
}
