/*
 * export.h - a memledger database in the formats other viewers read.
 *
 *   pprof       gzip profile.proto: `go tool pprof`, and everything that reads pprof
 *   folded      folded stacks: flamegraph.pl, inferno, speedscope, and others
 *   speedscope  speedscope's JSON file format
 *   massif      valgrind massif's output: ms_print, massif-visualizer
 *
 * One process per file (the root process unless told otherwise). Every
 * export reads the aggregate tables (sites, site_snapshots, stacks,
 * frames, modules, snapshots) and so gives the same result whichever
 * allocations mode the database was loaded with; the one exception is
 * massif's heap tree of a peak that fell on a periodic sample, which
 * needs the allocations rows (see export/massif.c).
 *
 * "live" (pprof's inuse_*, folded's live and live-allocs, speedscope's
 * live profiles) means live when the process ended, or at the program's
 * snapshot named by at_label.
 */
#ifndef MEMLEDGER_EXPORT_EXPORT_H
#define MEMLEDGER_EXPORT_EXPORT_H

#include <stddef.h>

struct export_opts {
	const char *format;	/* "pprof", "folded", "speedscope" or "massif" */
	const char *weight;	/* folded only: see export_weights; NULL: "bytes" */
	long long process_id;	/* processes.id; 0: the root process */
	const char *at_label;	/* NULL: live at exit */
};

/** The format names, space-separated, for messages and --help. */
extern const char export_formats[];

/** The weights folded accepts, space-separated. */
extern const char export_weights[];

/** 1 if name is a format export_write knows. */
int export_format_known(const char *name);

/** 1 if name is a weight folded knows. */
int export_weight_known(const char *name);

/**
 * The default output path for db_path and format: the database's name
 * with its extension replaced (".pb.gz", ".folded", ".speedscope.json",
 * ".massif"). malloc'd; NULL if out of memory.
 */
char *export_default_output(const char *db_path, const char *format);

/**
 * Export the database at db_path to out_path ("-": standard output).
 * A file is replaced atomically: written beside it under a temporary
 * name, then renamed, so a failed export leaves no partial file. Returns
 * 0, or -1 with a one-line reason in err; *err_is_output tells whether
 * the reason is about out_path (a file that cannot be written) rather
 * than the database.
 */
int export_write(const char *db_path, const char *out_path, const struct export_opts *o,
		 char *err, size_t errlen, int *err_is_output);

#endif
