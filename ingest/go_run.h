/*
 * go_run.h - what ingest reads from a Go program's own reports before it
 * writes any row: MemStats snapshots, gctrace cycles, goroutine dumps
 * and heap profiles, plus what `memledger run` knew about the process.
 *
 * Invariants: every pointer is owned by the run and freed by
 * go_run_free(); strings are NUL-terminated copies, never pointers into
 * an input buffer. All Go inputs of one `ingest` call fill one go_run,
 * which becomes one process (processes.runtime = 'go').
 *
 * The readers (go_memstats.c, go_gctrace.c, go_goroutines.c,
 * go_pprof.c, go_bundle.c) treat their input as hostile: they return 0,
 * or -1 with a one-line reason in err ("line 12: ..." for text); on -1
 * the run may hold part of the file, and the caller discards the run.
 */
#ifndef MEMLEDGER_INGEST_GO_RUN_H
#define MEMLEDGER_INGEST_GO_RUN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* runtime.MemStats' integer fields, in the order the struct declares them. */
enum go_ms {
	GO_MS_ALLOC, GO_MS_TOTAL_ALLOC, GO_MS_SYS, GO_MS_LOOKUPS, GO_MS_MALLOCS, GO_MS_FREES,
	GO_MS_HEAP_ALLOC, GO_MS_HEAP_SYS, GO_MS_HEAP_IDLE, GO_MS_HEAP_INUSE, GO_MS_HEAP_RELEASED,
	GO_MS_HEAP_OBJECTS, GO_MS_STACK_INUSE, GO_MS_STACK_SYS, GO_MS_MSPAN_INUSE, GO_MS_MSPAN_SYS,
	GO_MS_MCACHE_INUSE, GO_MS_MCACHE_SYS, GO_MS_BUCK_HASH_SYS, GO_MS_GC_SYS, GO_MS_OTHER_SYS,
	GO_MS_NEXT_GC, GO_MS_LAST_GC, GO_MS_PAUSE_TOTAL_NS, GO_MS_NUM_GC, GO_MS_NUM_FORCED_GC,
	GO_MS_COUNT
};

/** The JSON names of enum go_ms, as encoding/json writes them. */
extern const char *const go_ms_json[GO_MS_COUNT];

#define GO_PAUSE_RING 256

struct go_snap {
	char *label;             /* "sample" when the line has none */
	int kind;                /* enum go_snap_kind */
	int64_t unix_ns;         /* time_ns, or 0 when has_time is 0 */
	int has_time;
	int64_t goroutines;      /* num_goroutine, -1 if absent */
	int64_t f[GO_MS_COUNT];  /* -1 if absent */
	double gc_cpu_fraction;  /* NAN if absent */
	int enable_gc, debug_gc; /* -1 if absent */
	uint64_t *pause_end;     /* PauseEnd[256] (Unix ns), NULL if absent */
	uint64_t *pause_ns;      /* PauseNs[256], NULL if absent */
	int64_t order;           /* input order, for stable sorting */
	int64_t ts_ns;           /* filled by go_run_timeline() */
};

enum go_snap_kind { GO_SNAP_USER, GO_SNAP_SAMPLE, GO_SNAP_START, GO_SNAP_EXIT };

/* One gctrace line. Times in ns, sizes in bytes (the MB figures are MiB). */
struct go_gc {
	int64_t num;
	int64_t at_ns;           /* @ seconds since the runtime started */
	int64_t cpu_percent;     /* the N% figure: GC CPU share so far */
	int64_t clock[3];        /* sweep termination (STW), mark, mark termination (STW) */
	int64_t cpu[5];          /* sweep term, assist, background, idle, mark term */
	int64_t heap0, heap1, heap2, goal;
	int64_t stacks, globals; /* -1 before Go 1.18's format */
	int64_t procs;
	int forced;
	int64_t ts_ns;           /* filled by go_run_timeline() */
};

struct go_frame {
	char *function;
	char *file;
	int64_t line;
	int inlined;             /* pprof: inlined into the next frame (the caller) */
};

struct go_goroutine {
	int64_t id;
	char *state;             /* "chan receive", "running", "select", ... */
	int64_t wait_minutes;    /* -1 if not printed */
	int locked;              /* locked to thread */
	struct go_frame *frames; /* innermost first */
	size_t nframes, capframes;
	struct go_frame created; /* function NULL: no "created by" line */
	int64_t creator;         /* "in goroutine N", -1 if absent */
};

struct go_dump {
	struct go_goroutine *g;
	size_t n, cap;
	int64_t unix_ns;
	int has_time;
	int64_t order;
	int64_t ts_ns;
};

struct go_psample {
	struct go_frame *frames; /* innermost first */
	size_t nframes;
	int64_t alloc_objects, alloc_space, inuse_objects, inuse_space;
};

struct go_profile {
	struct go_psample *s;
	size_t n, cap;
	int64_t period;          /* bytes per sample (MemProfileRate), 0 unknown */
	int64_t unix_ns;         /* time_nanos, 0 unknown */
	int has_time;
	int64_t order;
	int64_t ts_ns;
};

struct go_run {
	struct go_snap *snaps;
	size_t nsnaps, capsnaps;
	struct go_gc *gcs;
	size_t ngcs, capgcs;
	struct go_dump *dumps;
	size_t ndumps, capdumps;
	struct go_profile *profiles;
	size_t nprofiles, capprofiles;
	/* what `memledger run` recorded; 0/NULL when the inputs are loose files */
	int have_meta;
	int64_t pid, ppid, start_unix_ns;
	char *exe, *argv_json;
	int have_end;
	char *end_reason;        /* "exit" or "signal" */
	int64_t exit_code, signal, end_unix_ns;
	int64_t sample_interval_ns;
	/* bookkeeping */
	int truncated;           /* an input was cut: its complete prefix is loaded */
	int out_of_order;        /* snapshot times went backwards */
	int64_t skipped_lines;   /* gctrace inputs: lines that were not gctrace */
	int64_t next_order;
	char warning[512];       /* the first warning, for the user */
	int64_t origin_unix_ns;  /* filled by go_run_timeline(): ts_ns = 0 */
	int anchored;            /* gctrace's clock was placed on the Unix clock */
};
#define GO_RUN_INIT { 0 }

void go_run_free(struct go_run *r);
/** Remember the first warning (printf-style); later ones are dropped. */
void go_run_warn(struct go_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- readers: 0, or -1 with err; see the top of this file ---- */

enum go_kind { GO_KIND_NONE, GO_KIND_MEMSTATS, GO_KIND_GCTRACE, GO_KIND_PPROF,
               GO_KIND_GOROUTINES, GO_KIND_BUNDLE };
/** The kind of an input from its first bytes (up to 64 KiB), never its name. */
enum go_kind go_sniff(const uint8_t *buf, size_t len);
const char *go_kind_name(enum go_kind k);

/** MemStats JSON lines. db is any SQLite connection (its JSON functions parse). */
int go_memstats_read(struct go_run *r, sqlite3 *db, const char *buf, size_t len,
                     char *err, size_t errlen);
/** One MemStats JSON object (no newline); line is for messages. */
int go_memstats_line(struct go_run *r, sqlite3 *db, const char *s, size_t len, long line,
                     char *err, size_t errlen);
/** 1 if s[0..n) (no newline) is one whole gctrace line. */
int go_gctrace_line_ok(const char *s, size_t n);
/** gctrace text, other lines skipped; also reads a goroutine dump in it (a panic). */
int go_gctrace_read(struct go_run *r, const char *buf, size_t len, char *err, size_t errlen);
/**
 * Goroutine dump text (debug=2, or a panic's). unix_ns 0: no time known;
 * first_line: the line number buf starts at, for messages.
 */
int go_goroutines_read(struct go_run *r, const char *buf, size_t len, int64_t unix_ns,
                       long first_line, char *err, size_t errlen);
/** A pprof heap profile, gzip-compressed (or not) profile.proto. */
int go_pprof_read(struct go_run *r, const uint8_t *buf, size_t len, int64_t unix_ns,
                  char *err, size_t errlen);
/** A trace `memledger run` wrote for a Go program (format/FORMAT.md, "Go runs"). */
int go_bundle_read(struct go_run *r, sqlite3 *db, const uint8_t *buf, size_t len,
                   char *err, size_t errlen);
/** Any Go input: sniffs, then calls the reader. */
int go_read(struct go_run *r, sqlite3 *db, const uint8_t *buf, size_t len, char *err, size_t errlen);

/**
 * Put every record on one clock: sort the snapshots by time (warning when
 * they were out of order), place gctrace's runtime clock on the Unix clock
 * (from PauseEnd, else the run's start), and fill every ts_ns as
 * nanoseconds since the earliest record. 0 or -1 (out of memory).
 */
int go_run_timeline(struct go_run *r);

#endif
