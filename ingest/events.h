/*
 * events.h - pass 2 of ingest: the allocation events of one trace into
 * per-site totals, live bytes at each phase, per-site size and lifetime
 * histograms, the timeline, the leak class of every block still live at
 * exit, and the `allocations` rows the mode asks for (enum alloc_rows).
 *
 * Every aggregate is counted at the same points of the decode whatever
 * the mode, so every table but `allocations` (and scan_leaks) is the same
 * in each mode.
 *
 * Pairing needs no ordering between threads: a free names the allocation
 * it ends (thread index, sequence number), so a free met before its
 * allocation (another thread's buffer written later) simply waits.
 * With every row (ALLOC_ROWS_ALL), rows are written in id order through a
 * window; a block that outlives the window is written as live and updated
 * if its free comes later. Otherwise blocks wait in slots until freed, and
 * only the rows asked for are written.
 */
#ifndef MEMLEDGER_INGEST_EVENTS_H
#define MEMLEDGER_INGEST_EVENTS_H

#include <sqlite3.h>

#include "ingest/tracemeta.h"

/* What `allocations` holds (ingest --allocations): one row per
 * allocation, rows for the blocks live at exit or classified by a scan,
 * or none. Every other table is the same in every mode. */
enum alloc_rows { ALLOC_ROWS_LIVE = 0, ALLOC_ROWS_ALL, ALLOC_ROWS_NONE };

/* Per-site log2 histograms (site_histograms): bucket 0 holds [0, 2),
 * bucket b [2^b, 2^(b+1)), the last one everything above. */
#define HIST_BUCKETS 48
enum { HIST_SIZE, HIST_LIFETIME };
struct site_hist {
	uint64_t n[2][HIST_BUCKETS];  /* blocks: allocated by size; freed by lifetime (ns) */
	uint64_t b[2][HIST_BUCKETS];  /* their bytes */
};

struct gsite {
	int64_t stack_id;     /* global; 0: no stack */
	int runtime;
	/* unsigned: a hostile trace may overflow them, harmlessly */
	uint64_t allocs, bytes, temporary;
	uint64_t live_allocs, live_bytes, peak_bytes;
	uint64_t n[5], b[5];  /* blocks live at exit, by enum ml_leak_class (0: unclassified) */
	uint64_t settle_frees, settle_bytes;  /* freed in the settle window */
	struct site_hist *hist;  /* NULL until its first allocation */
};

struct phase_live {
	uint64_t seq;         /* snapshot seq */
	int64_t ns;
};

struct pass2;

/** Rows held back to keep ids in allocation order: when this many rows
 * wait behind a live block, it is written as live, and its free, if one
 * comes, updates the row (tests/unit/test_pairing.c tests both sides). */
#define PASS2_WINDOW (1u << 17)

/** Prepare pass 2 for a trace. NULL on error (err filled). */
struct pass2 *pass2_new(sqlite3 *db, struct trace_meta *m, int64_t process_id,
                        int64_t first_id, int mode, char *err, size_t errlen);
/** Count frees in [lo, hi) per site (for the settle_time check). */
void pass2_settle_window(struct pass2 *p, int64_t lo, int64_t hi);
/** Decode one events frame. 0 or -1 (err: corrupt or database error). */
int pass2_frame(struct pass2 *p, const uint8_t *data, size_t len, char *err, size_t errlen);
/** Write what remains and the per-site tables (site_snapshots,
 * site_histograms) and the timeline. 0 or -1. */
int pass2_finish(struct pass2 *p, char *err, size_t errlen);
/** Counters for the process row. */
uint64_t pass2_events(const struct pass2 *p);
uint64_t pass2_unknown_frees(const struct pass2 *p);
int64_t pass2_next_id(const struct pass2 *p);
/** The per-site totals (valid after pass2_finish). */
const struct gsite *pass2_sites(const struct pass2 *p, size_t *n);
void pass2_free(struct pass2 *p);

#endif
