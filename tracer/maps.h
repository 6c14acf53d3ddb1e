/*
 * maps.h - the anonymous memory the program maps itself (maps.c), for
 * Sys "other" and as roots of the leak scan.
 *
 * The range set is the tracer's own table, separate from the tool's
 * shared code on purpose: it is kept from inside the mmap family hooks,
 * so it must never call malloc and its memory comes from mmap (arena.h).
 */
#ifndef MEMLEDGER_TRACER_MAPS_H
#define MEMLEDGER_TRACER_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/tracer.h"

/** Bytes of the anonymous memory the program mapped itself (Sys "other"). */
ML_HIDDEN uint64_t ml_maps_bytes(void);
/** Copy at most max of those ranges that are readable and writable
 * (roots of the leak scan) into out; return how many. */
ML_HIDDEN size_t ml_maps_copy(uintptr_t (*out)[2], size_t max);
ML_HIDDEN size_t ml_maps_count(void);
/** fork: the maps lock is a leaf (nothing is taken while it is held). */
ML_HIDDEN void ml_maps_lock(void);
ML_HIDDEN void ml_maps_unlock(void);

#endif
