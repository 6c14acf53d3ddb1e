/*
 * arena.h - the tracer's own memory (arena.c): mmap through raw system
 * calls, never the allocator being traced, so the tracer's bookkeeping
 * neither shows in the program's counts nor disturbs its heap, and may be
 * used where malloc may not (inside a hook, in a signal handler).
 */
#ifndef MEMLEDGER_TRACER_ARENA_H
#define MEMLEDGER_TRACER_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/tracer.h"

/** Zeroed memory from mmap, rounded up to pages; NULL on failure. errno
 * is left as it was. Async-signal-safe. */
ML_HIDDEN void *ml_map(size_t size);
ML_HIDDEN void ml_unmap(void *p, size_t size);
/**
 * Give the pages of a table that lock-free readers may still be probing
 * back to the system, keeping its addresses mapped: from then on every
 * byte of it reads as zero (MADV_DONTNEED on a private anonymous
 * mapping), never faults. A reader must take a zero key, count or
 * pointer for "not here" and ask again under the lock, and must check
 * its key again after copying a value (the value's page may have been
 * released in between). p is page-aligned, from ml_map.
 * Async-signal-safe; errno is left as it was.
 */
ML_HIDDEN void ml_map_release(void *p, size_t size);
/**
 * Bytes of the tracer's own mappings (everything from ml_map and the
 * arena) resident now, by mincore. Pages released with ml_map_release
 * do not count. A mapping being unmapped meanwhile may count or not.
 * Async-signal-safe; errno is left as it was.
 */
ML_HIDDEN uint64_t ml_own_resident(void);
/** Small permanent allocations (never freed), 16-byte aligned. */
ML_HIDDEN void *ml_arena_alloc(size_t size);
/** fork: the arena lock is the last in the lock order but one (lock.h). */
ML_HIDDEN void ml_arena_lock(void);
ML_HIDDEN void ml_arena_unlock(void);

#endif
