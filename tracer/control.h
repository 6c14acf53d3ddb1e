/*
 * control.h - snapshots on demand: the traced process's private control
 * channel, which `memledger snapshot PID [LABEL] [--scan]` talks to
 * (format/control.h has where it lives and what is said on it), and the
 * periodic snapshots of `memledger run --snapshot-every SECONDS`.
 *
 * Invariants:
 *  - Only the writer thread serves the channel, from ml_control_poll(),
 *    once per sampling round; a request waits at most one round. There is
 *    no thread, signal or timer of its own.
 *  - The listening socket is close-on-exec and lives in the writer
 *    thread's own descriptor table (writer.c), never in the program's. It
 *    still sits at a high number; should it ever be closed under us, the
 *    channel notices and makes a new socket.
 *  - Snapshots taken this way are labelled user snapshots marked
 *    "external" in the trace (FORMAT.md), so the checklist does not take
 *    them for the program's own.
 */
#ifndef MEMLEDGER_TRACER_CONTROL_H
#define MEMLEDGER_TRACER_CONTROL_H

#include "tracer/tracer.h"

/**
 * The writer thread's hook, once per round: set the channel up (again,
 * after fork or when the program closed it), answer waiting requests and
 * take the periodic snapshot when one is due. Never blocks for more than
 * a bounded time on a slow client.
 */
ML_HIDDEN void ml_control_poll(void);

/**
 * The trace is ending: remove the socket so no client finds a channel
 * that will not answer. Async-signal-safe (a fatal-signal handler ends
 * traces too).
 */
ML_HIDDEN void ml_control_close(void);

#endif
