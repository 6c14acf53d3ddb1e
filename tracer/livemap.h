/*
 * livemap.h - every live block, by address (livemap.c): what makes
 * pairing a free with its allocation exact.
 *
 * This table is the tracer's own, separate from the tool's shared hash
 * tables on purpose: it is used inside allocator hooks and from signal
 * handlers, so it must be async-signal-safe and never call malloc. Its
 * memory comes from mmap (arena.h), its locks are the tracer's spinlocks
 * (lock.h), and a signal handler only ever tries them.
 */
#ifndef MEMLEDGER_TRACER_LIVEMAP_H
#define MEMLEDGER_TRACER_LIVEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/tracer.h"

/* Stack id of a live-map entry whose allocation was not sampled
 * (--sample-bytes): it has no record, and neither has its free. */
#define ML_UNSAMPLED UINT32_MAX

struct ml_live {
	uint64_t addr;
	uint64_t size;
	uint64_t seq;
	uint32_t idx;
	uint32_t stack;
};
ML_HIDDEN void ml_live_insert(const struct ml_live *e);
/** Remove addr; return 1 and fill *out if it was live. */
ML_HIDDEN int ml_live_remove(uint64_t addr, struct ml_live *out);
/** The same from a signal handler: -1 when addr's shard cannot be locked
 * now (this thread holds it, or it stays busy). */
ML_HIDDEN int ml_live_remove_try(uint64_t addr, struct ml_live *out);
/** Call fn for every live entry (no lock may be held by the caller). */
ML_HIDDEN void ml_live_foreach(void (*fn)(struct ml_live *, void *), void *arg);
ML_HIDDEN size_t ml_live_count(void);
ML_HIDDEN void ml_live_lock_all(void);
ML_HIDDEN void ml_live_unlock_all(void);

#endif
