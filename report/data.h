/*
 * data.h - what the report reads from a memledger database.
 *
 * Only aggregate tables are read: processes, snapshots, sites, checklist,
 * checklist_evidence, threads, resources, and stacks/frames for the
 * stacks that are shown. The allocations table is never touched, so the
 * time to load does not grow with the number of events.
 *
 * Numbers that may be NULL in the database are doubles holding NAN.
 * Strings are NUL-terminated copies (NULL when the column is NULL); they
 * are raw bytes from the database, not yet made safe for HTML.
 */
#ifndef MEMLEDGER_REPORT_DATA_H
#define MEMLEDGER_REPORT_DATA_H

#include <stddef.h>

#include <sqlite3.h>

/** Columns of a snapshot, in the order the loader reads them. */
enum snap_col {
	SC_ALLOC,
	SC_TOTAL_ALLOC,
	SC_SYS,
	SC_HEAP_INUSE,
	SC_HEAP_IDLE,
	SC_HEAP_RELEASED,
	SC_STACK_INUSE,
	SC_HEAP_OBJECTS,
	SC_MALLOCS,
	SC_FREES,
	SC_LIVE,
	SC_NUM_GC,
	SC_GC_CPU_FRACTION,
	SC_ALLOC_CPU_FRACTION,
	SC_THREADS,
	SC_RSS,
	SC_TRIM_CALLS,
	SC_CPU_NS,
	SC_ALLOC_CPU_NS,
	SC_ARENA,
	SC_HBLKHD,
	SC_KEEPCOST,
	SC_TRACER_RSS,    /* of SC_RSS: the tracer's own memory */
	SC_NCOL
};

enum snap_kind { SNAP_START, SNAP_EXIT, SNAP_SAMPLE, SNAP_USER };

struct rp_snapshot {
	long long seq;
	double ts; /* ns */
	enum snap_kind kind;
	char *label;
	double v[SC_NCOL];
};

/** One bucket of the allocation timeline (the `timeline` table). */
struct rp_tick {
	double start, end;       /* ns */
	double allocs, alloc_bytes;
	double live_bytes;       /* Alloc at end */
	double peak_bytes, peak_ns;  /* the highest Alloc inside the bucket, and when */
};

struct rp_site {
	long long stack_id;
	char *function, *file;
	double line;
	double allocs, bytes, live_allocs, live_bytes, temporary;
	double lost_allocs, lost_bytes, indirect_allocs, indirect_bytes;
	double reachable_allocs, reachable_bytes, peak_live_bytes;
	int runtime;
	double possible_allocs, possible_bytes;
};

struct rp_thread {
	long long tid;
	double start_ns, end_ns, join_ns, detach_ns, stack_size;
	char *state, *start_function;
	long long stack_id; /* 0: none */
	double creator_tid;
};

struct rp_resource {
	char *kind, *origin;
	long long handle;
	double open_ns, close_ns;
	long long stack_id;
};

struct rp_evidence {
	char *text;
	long long stack_id; /* 0: none */
	double value;
};

struct rp_check {
	char *item, *status, *detail;
	struct rp_evidence *ev;
	size_t nev;
	size_t nev_total; /* rows in the database; nev is capped */
};

/** A stored verdict (the verdicts table, written by ingest/verdicts.c). */
struct rp_verdict {
	char *subject, *status, *detail, *see;
	int judged;
	long long baseline_seq, final_seq; /* -1: none */
};

struct rp_process {
	long long id, pid;
	double ppid, start_ns, end_ns, exit_code, signal, start_unix_ns, parent_process_id;
	double sample_interval_ns, stack_depth, sample_bytes, unknown_frees, events;
	int freeres_called, scanned;
	char *exe, *argv, *end_reason, *runtime, *trace_file, *tracer_version;
	int hooks_bypassed;        /* the program's malloc is not memledger's: no allocations seen */
	int allocator_other;       /* the allocator is not glibc's: heap_inuse/heap_idle are NULL */
	char *allocator;           /* the module whose malloc the program calls */

	struct rp_snapshot *snaps;
	size_t nsnaps;
	struct rp_site *sites;
	size_t nsites;
	struct rp_thread *threads;
	size_t nthreads;
	struct rp_resource *res;
	size_t nres;
	struct rp_check *checks;
	size_t nchecks;
	struct rp_verdict *verdicts; /* none in a database made before the table existed */
	size_t nverdicts;

	/* set by runs_select (report/runs.h): the process has full sections, and why */
	int section;
	char section_why[128];
	struct rp_tick *ticks;     /* the timeline; none in an older database */
	size_t nticks;
};

/** One frame of a symbolized stack. */
struct rp_frame {
	char *function, *file, *module;
	double line, offset;
	int inlined, runtime;
};

/** Evidence rows kept per checklist item. */
#define RP_EVIDENCE_MAX 20

/**
 * Open path read-only and check it is a memledger database. Returns the
 * handle, or NULL with one line in err.
 */
sqlite3 *rp_open(const char *path, char *err, size_t errlen);

/**
 * Load every process (processes.id order) with its snapshots, sites,
 * threads, resources and checklist. Returns 0 and sets *procs (free with
 * rp_free_processes), or -1 with err.
 */
int rp_load(sqlite3 *db, struct rp_process **procs, size_t *nprocs, char *err, size_t errlen);

void rp_free_processes(struct rp_process *procs, size_t n);

/** The stored verdict of p about subject ("alloc", ..., "baseline"), or NULL. */
const struct rp_verdict *rp_verdict(const struct rp_process *p, const char *subject);

/**
 * The frames of stack_id, depth 0 first. Returns the number of frames
 * (0 if unknown) and sets *frames (free with rp_free_frames), or -1.
 * stmt is a statement cache owned by the caller: start with NULL and
 * sqlite3_finalize() it at the end.
 */
int rp_stack(sqlite3 *db, sqlite3_stmt **stmt, long long stack_id, struct rp_frame **frames);

void rp_free_frames(struct rp_frame *frames, size_t n);

/**
 * Parse the JSON array of strings in processes.argv. Returns the number of
 * strings and sets *argv (each malloc'd, bytes as decoded; free with
 * rp_free_argv), or -1 if the text is not such an array.
 */
int rp_parse_argv(const char *json, char ***argv);

void rp_free_argv(char **argv, int n);

#endif
