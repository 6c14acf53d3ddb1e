/*
 * fork.h - fork (fork.c): the atfork handlers that take every tracer
 * lock around fork (in lock.h's order) and start the child's own trace,
 * and the fork hook that records the child in the parent's trace.
 */
#ifndef MEMLEDGER_TRACER_FORK_H
#define MEMLEDGER_TRACER_FORK_H

#include "tracer/tracer.h"

/** The constructor: register the atfork handlers. */
ML_HIDDEN void ml_fork_install(void);

#endif
