/*
 * tracemeta.h - the trace-meta model: what ingest learns about one
 * trace before it reads the allocation events: the process, modules,
 * stacks, snapshots, threads, descriptors, scans. Pass 1 (meta.c) fills it from the META frames;
 * pass 2 (events.c) and the derived tables (derive.c, checklist.c) read it.
 */
#ifndef MEMLEDGER_INGEST_TRACEMETA_H
#define MEMLEDGER_INGEST_TRACEMETA_H

#include <stddef.h>
#include <stdint.h>

#include "common/u64map.h"
#include "common/vec.h"
#include "format/trace.h"

struct tm_snapshot {
	uint64_t seq;
	int kind;            /* enum ml_snapshot_kind */
	int flags;           /* 1: scan ran, 2: taken in a fatal-signal handler */
	uint64_t tsc;
	int64_t ns;
	char *label;
	uint64_t f[ML_SF_COUNT];
};

struct tm_module {
	uint32_t idx;
	uint64_t bias, lo, hi, tsc;
	char *path;
	uint8_t *build_id;
	size_t build_id_len;
	uint64_t gone_tsc;   /* 0: still loaded */
};

struct tm_stack {
	uint32_t id;
	uint32_t n;
	uint64_t *ips;       /* return addresses, innermost first */
	int64_t global_id;   /* stacks.stack_id in the database, 0: none */
	int runtime_site;    /* allocated by the C/C++ runtime for its own caches */
};

enum tm_thread_ev_type { TT_START = 1, TT_EXIT, TT_JOIN, TT_DETACH, TT_SEEN };

struct tm_thread_ev {
	int type;
	int64_t tid;
	int64_t other;       /* creator, joiner, or detacher */
	uint64_t tsc;
	uint64_t start_fn;
	uint32_t stack;
	uint64_t stack_size;
	int detached;
	uint64_t order;      /* record order, to keep ties stable */
};

struct tm_res_ev {
	int open;
	int kind;
	int64_t handle;
	uint64_t tsc;
	int64_t tid;
	uint32_t stack;
	int origin;
};

struct tm_scan {
	uint64_t snap;
	uint64_t blocks, n[5], bytes[5];  /* by enum ml_leak_class */
	uint64_t dt_ns, root_bytes;
};

struct tm_leak {
	uint64_t snap;
	uint64_t key;        /* TM_KEY(idx, seq) */
	int cls;
};

/* An allocation's identity as one nonzero key. The decoder rejects thread
 * indices from ML_MAX_THREAD_IDX and sequence numbers from ML_MAX_SEQ, so
 * keys never collide and are never 0. */
#define TM_KEY(idx, seq) (((uint64_t)(idx) << 40) | (uint64_t)(seq))

struct trace_meta {
	const char *path;
	/* process */
	int have_proc;
	char *version;
	int64_t pid, ppid;
	uint64_t tsc0, mono0, unix0;
	unsigned tick_shift;
	uint64_t interval_ns, depth, sample_bytes;
	char *exe;
	char *argv_json;
	/* records */
	struct tm_snapshot *snaps;
	size_t nsnaps, capsnaps;
	struct tm_module *mods;
	size_t nmods, capmods;
	struct tm_stack *stacks;
	size_t nstacks, capstacks;
	struct u64map stack_index;   /* local id -> index + 1 */
	struct tm_thread_ev *tev;
	size_t ntev, captev;
	struct tm_res_ev *rev;
	size_t nrev, caprev;
	struct tm_scan *scans;
	size_t nscans, capscans;
	struct tm_leak *leaks;
	size_t nleaks, capleaks;
	struct u64map idx_tid;       /* thread index -> tid */
	uint64_t trims;
	/* how it ended */
	int have_end, end_reason, end_code;
	uint64_t end_tsc;
	int64_t end_ns;
	int have_exec;
	uint64_t exec_tsc;
	int freeres;
	uint64_t freeres_tsc;
	uint64_t exit_begin_tsc;     /* 0: not recorded */
	int truncated;
	/* the allocator (ML_META_ALLOCATOR; have_alloc 0 in older traces) */
	int have_alloc;
	unsigned alloc_flags;        /* ML_ALLOC_* */
	char *alloc_calls;           /* module whose malloc the program calls */
	uint64_t meta_records;
	uint64_t event_frames;
	/* derived after pass 1 */
	int have_exit_scan;
	uint64_t exit_scan_snap;
	struct u64map exit_leaks;    /* key -> class for the exit scan */
	double ns_per_tsc;           /* fallback slope */
	uint64_t *pt_tsc;            /* calibration points, ascending */
	int64_t *pt_ns;
	size_t npts;
};

void trace_meta_free(struct trace_meta *m);

/** Build the time conversion and the leak lookup once pass 1 is done. */
int trace_meta_finish(struct trace_meta *m);

/** Nanoseconds since the process started for a TSC value. */
int64_t tm_tsc_ns(const struct trace_meta *m, uint64_t tsc);

/** The calibration segment tsc falls in: the last point at or below it.
 * Only for tsc above the first point. */
size_t tm_segment(const struct trace_meta *m, uint64_t tsc);

/** The slope of segment lo, from point lo to point lo + 1 (which exists). */
static inline double tm_segment_slope(const struct trace_meta *m, size_t lo)
{
	return (double)(m->pt_ns[lo + 1] - m->pt_ns[lo]) / (double)(m->pt_tsc[lo + 1] - m->pt_tsc[lo]);
}

/** Nanoseconds of tsc on the line of that slope through point lo. In
 * floating point, clamped to 0..4e18: a hostile trace may ask for any time. */
static inline int64_t tm_segment_ns(const struct trace_meta *m, size_t lo, double slope, uint64_t tsc)
{
	double ns = (double)m->pt_ns[lo] + (double)(tsc - m->pt_tsc[lo]) * slope;
	if (!(ns >= 0))
		return 0;
	return ns >= 4e18 ? (int64_t)4e18 : (int64_t)ns;
}
/** The same for an event tick. */
static inline int64_t tm_tick_ns(const struct trace_meta *m, uint64_t tick)
{
	return tm_tsc_ns(m, m->tsc0 + (tick << m->tick_shift));
}

/** The stack record for a local id, or NULL. */
struct tm_stack *tm_stack_get(const struct trace_meta *m, uint32_t id);
/** tid of a thread index, or 0. */
int64_t tm_idx_tid(const struct trace_meta *m, uint32_t idx);

/**
 * Pass 1: decode one META frame into m. Returns 0, or -1 with a reason in
 * err when a record is malformed.
 */
int trace_meta_frame(struct trace_meta *m, const uint8_t *data, size_t len,
                     char *err, size_t errlen);

#endif
