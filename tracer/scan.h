/*
 * scan.h - the reachability scan (scan.c): which live blocks the program
 * can still reach, and which are leaked ('lost', 'indirect').
 */
#ifndef MEMLEDGER_TRACER_SCAN_H
#define MEMLEDGER_TRACER_SCAN_H

#include <stdint.h>

#include "tracer/tracer.h"

/** Classify every live block; emit ML_META_SCAN and ML_META_LEAKS. */
ML_HIDDEN void ml_scan(unsigned snapshot_seq, uintptr_t caller_sp);
/** Nanoseconds spent in scans so far (the tracer's own work). */
ML_HIDDEN uint64_t ml_scan_total_ns(void);

#endif
