/*
 * writer.h - the writer thread and the trace file (writer.c): it empties
 * channel.c's queue, deflates the buffers into the trace, takes the
 * periodic samples and serves the control channel (control.h).
 *
 * Uses channel.h (the queue it consumes) and is used by it (to be woken,
 * and to write in the caller's thread while no writer runs): see
 * channel.h for why that cycle stays.
 */
#ifndef MEMLEDGER_TRACER_WRITER_H
#define MEMLEDGER_TRACER_WRITER_H

#include "tracer/tracer.h"

/* ---------------------------------------------------------------- the sink */

/** Open the trace file and write the header; 0 or -1. */
ML_HIDDEN int ml_sink_open(void);
/** The same for the root process (0) or a forked child's new trace (1). */
ML_HIDDEN int ml_sink_open_as(int is_child);
ML_HIDDEN int ml_sink_fd(void);
ML_HIDDEN int ml_sink_move_fd(void);
ML_HIDDEN int ml_sink_owns_fd(int fd);
ML_HIDDEN void ml_sink_reset_for_child(void);
ML_HIDDEN void ml_sink_lock(void);
ML_HIDDEN void ml_sink_unlock(void);
/** errno of the failure that stopped the trace, 0 if none. */
ML_HIDDEN int ml_sink_error(void);
/** A line for `memledger run` in $MEMLEDGER_STATUS: "WHAT PID [ERRNO] PATH". */
ML_HIDDEN void ml_status_note(const char *what, int err, const char *path);

/* ---------------------------------------------------------------- the writer thread */

ML_HIDDEN int ml_writer_start(void);
/** Stop and join the writer thread (1 if one was running); ml_writer_start restarts it. */
ML_HIDDEN int ml_writer_stop(void);
ML_HIDDEN int ml_writer_running(void);
ML_HIDDEN void ml_writer_wake(void);
/**
 * The process's resident set, read by the writer thread in its own
 * descriptor table, so that no descriptor of ours shows in the program's.
 * 0 and *rss set; -1 when there is no such writer to ask (none running,
 * not in a table of its own, called from it or from a signal handler, or
 * it did not answer within 200 ms): then read it yourself.
 */
ML_HIDDEN int ml_writer_rss(uint64_t *rss);
/** Write the queued buffers in the calling thread (no writer thread yet). */
ML_HIDDEN void ml_write_queued(void);
/** Ask every thread to hand over its partial buffer at its next event. */
ML_HIDDEN void ml_drain_request(void);
/**
 * Write everything: queued buffers, the meta channel and every thread's
 * partial buffer, synchronously in the calling thread. `final` finishes
 * the deflate stream. Safe to call from a fatal-signal handler: it waits
 * for locks only a bounded time.
 */
ML_HIDDEN void ml_flush_all(int final);
/** Before the writer runs: write what is recorded so far, unless the
 * program has no descriptor to spare (then the writer will). */
ML_HIDDEN void ml_flush_early(void);

#endif
