/*
 * snapshot.h - snapshots of the memory counters (snapshot.c), which also
 * holds the public API (memledger_snapshot, memledger_print_stats,
 * memledger_snapshot_flags) and the malloc_trim hook.
 */
#ifndef MEMLEDGER_TRACER_SNAPSHOT_H
#define MEMLEDGER_TRACER_SNAPSHOT_H

#include "tracer/tracer.h"

/** Record a snapshot; returns its seq. Fills *out when non-NULL. flags
 * holds the public MEMLEDGER_SCAN and these private bits:
 *  - ML_SNAP_FROM_SIGNAL: taken inside a signal handler (no mallinfo2);
 *  - ML_SNAP_BY_WRITER: a sample by the writer thread, so its own CPU
 *    time is known (it is the tracer's, not the program's);
 *  - ML_SNAP_EXTERNAL: asked from outside the program (control channel,
 *    --snapshot-every), recorded as snapshot flag 4. */
#define ML_SNAP_FROM_SIGNAL (1u << 31)
#define ML_SNAP_BY_WRITER (1u << 30)
#define ML_SNAP_EXTERNAL (1u << 29)
struct ml_snapshot_values;
ML_HIDDEN unsigned ml_snapshot(int kind, const char *label, unsigned flags,
                               struct ml_snapshot_values *out);

/** The process's resident set in bytes from /proc/self/statm, read in
 * the calling thread through system calls; 0 if it cannot be read. */
ML_HIDDEN uint64_t ml_statm_rss(void);

#endif
