/*
 * hooks.h - what the allocator hooks (hooks.c) offer the rest of the
 * tracer. The hooks themselves are exported libc names, not declared here.
 */
#ifndef MEMLEDGER_TRACER_HOOKS_H
#define MEMLEDGER_TRACER_HOOKS_H

#include <stdint.h>

#include "tracer/tracer.h"

struct ml_thread;   /* threads.h */

/** A time boundary in the calling thread's events. */
ML_HIDDEN void ml_mark(uint64_t tsc);
/** A forked child's inherited blocks, recorded as `pseudo`'s allocations. */
ML_HIDDEN void ml_record_inherited(struct ml_thread *pseudo);

#endif
