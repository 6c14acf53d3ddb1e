/*
 * load.h - what the exports read from a memledger database.
 *
 * One process at a time, from the aggregate tables only: processes,
 * snapshots, sites, site_snapshots, stacks, frames and modules. The
 * allocations table is read at most once, by massif, for the heap tree
 * of a peak that fell on a periodic sample (see ex_live_at_time), and
 * only when the database has its rows.
 *
 * Invariants, for every loaded struct ex_data:
 *  - sites are sorted by stack_id; frames by their database id;
 *  - a site's frames[] index into d->frames, depth 0 (the allocator's
 *    caller) first; a site without a stack has nframes == 0;
 *  - "live" is live at exit (sites.live_*), or at the snapshot chosen with
 *    --at (site_snapshots), whichever ex_load was asked for;
 *  - every string is a NUL-terminated copy, or NULL when the column is
 *    NULL; nothing is yet made safe for any output format.
 */
#ifndef MEMLEDGER_EXPORT_LOAD_H
#define MEMLEDGER_EXPORT_LOAD_H

#include <stddef.h>

#include <sqlite3.h>

struct ex_frame {
	long long id;
	char *module, *function, *file; /* module: a file name, not a path */
	long long offset;		/* address relative to the module's load bias */
	long long line;			/* 0: unknown */
	int inlined;			/* 1: inlined into the next deeper frame */
	int runtime;			/* 1: in the C/C++ runtime */
};

struct ex_site {
	long long stack_id;
	long long allocs, bytes;	   /* over the whole run */
	long long live_allocs, live_bytes; /* at exit, or at the --at snapshot */
	long long lost_allocs, lost_bytes, indirect_allocs, indirect_bytes;
	int runtime;			   /* allocated by the runtime for itself */
	int *frames;			   /* indexes into ex_data.frames, depth 0 first */
	int nframes;
};

struct ex_module {
	char *path, *build_id;	/* build_id: hex, or NULL */
	const char *name;	/* the file name part of path */
	unsigned long long base; /* load bias */
};

struct ex_snapshot {
	long long seq;
	long long ts_ns;
	char *label;
	int sample;		/* a periodic sample: no per-site data */
	long long alloc;	/* NULL in the database reads as 0 */
};

struct ex_data {
	sqlite3 *db;
	long long process_id, pid;
	char *exe, *argv; /* argv: the JSON text of processes.argv */
	long long start_unix_ns, duration_ns, sample_bytes;
	const char *at_label;	/* NULL: live means live at exit */
	long long at_seq;

	struct ex_site *sites;
	size_t nsites;
	struct ex_frame *frames;
	size_t nframes;
	struct ex_module *modules;
	size_t nmodules;
	struct ex_snapshot *snaps; /* in seq order */
	size_t nsnaps;
};

/**
 * Open db_path read-only and check it is a memledger database. Returns
 * the handle, or NULL with one line in err.
 */
sqlite3 *ex_open(const char *db_path, char *err, size_t errlen);

/**
 * Load process process_id (0: the root process, the first without a
 * loaded parent) into *d. at_label, when not NULL, names the snapshot
 * whose live blocks count as "live" (its first occurrence in the
 * process). d->db is set to db; d does not own it. Returns 0, or -1
 * with a one-line reason in err (an unknown process or label is named
 * with the ones that exist). On error *d is left freed.
 */
int ex_load(sqlite3 *db, long long process_id, const char *at_label, struct ex_data *d,
	    char *err, size_t errlen);

/** Release everything ex_load allocated. */
void ex_free(struct ex_data *d);

/**
 * Live blocks per site at time t_ns, from the allocations table: sets
 * live[i] (bytes) and live_n[i] (blocks) for every site i of d, both
 * arrays d->nsites long. Returns 1 when the table has this process's
 * rows and they were read, 0 when it has none (nothing set), -1 with err.
 */
int ex_live_at_time(const struct ex_data *d, long long t_ns, long long *live,
		    long long *live_n, char *err, size_t errlen);

/** The module row a frame belongs to, or NULL. */
const struct ex_module *ex_frame_module(const struct ex_data *d, const struct ex_frame *f);

/**
 * A frame's display name into buf: its function, else "module+0xOFFSET",
 * else "??". Returns buf or the function name (no copy).
 */
const char *ex_frame_name(const struct ex_frame *f, char *buf, size_t cap);

#endif
