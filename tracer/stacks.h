/*
 * stacks.h - call-stack capture and interning (stacks.c): every
 * allocation's stack becomes a small id, and each distinct stack is
 * written to the trace once (again after a fork, in the child's trace).
 *
 * The stack table is the tracer's own, separate from the tool's shared
 * hash tables on purpose: it is used inside allocator hooks, possibly
 * from a signal handler, so it must be async-signal-safe for lookups and
 * never call malloc. Its memory comes from mmap (arena.h).
 *
 * stacks.c and unwind.c call each other, and that stays: stacks.c asks
 * the unwinder (unwind.h) for a stack and hands it an interning function
 * (a callback, so the unwinder knows nothing of the table); the
 * unwinder's per-thread cache returns the id of a stack it saw before
 * without interning it again, and must first make sure that stack was
 * written in the current trace, which after a fork is a new one
 * (ml_stack_ensure_written). The cache lives in the unwinder because it
 * is keyed by the unwinder's own state (return address and stack
 * pointer of the first frame).
 */
#ifndef MEMLEDGER_TRACER_STACKS_H
#define MEMLEDGER_TRACER_STACKS_H

#include <stdint.h>

#include "tracer/tracer.h"

/** Capture the caller's stack and return its interned id (0: none). */
ML_HIDDEN uint32_t ml_stack_capture(void);
/** Make sure stack `id` is written in the current trace (after fork). */
ML_HIDDEN void ml_stack_ensure(uint32_t id);
/** Make sure an interned stack (the struct ml_stack intern gave) is
 * written in this trace: after a fork, the child writes it again. */
ML_HIDDEN void ml_stack_ensure_written(void *stack);
ML_HIDDEN void ml_stacks_init(void);
ML_HIDDEN void ml_stacks_lock(void);
ML_HIDDEN void ml_stacks_unlock(void);

#endif
