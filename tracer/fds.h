/*
 * fds.h - channel-like descriptors and timers (fds.c): pipes, sockets,
 * eventfds, timerfds and POSIX timers from creation to close, and the
 * hooks that keep the writer's descriptor out of the program's way.
 */
#ifndef MEMLEDGER_TRACER_FDS_H
#define MEMLEDGER_TRACER_FDS_H

#include "tracer/tracer.h"

ML_HIDDEN void ml_fds_init(void);
ML_HIDDEN void ml_res_open(int kind, long handle, int origin);
ML_HIDDEN void ml_res_close(long handle, int kind);
ML_HIDDEN void ml_fds_reset_for_child(void);
/** A forked child: record the descriptors it inherited (after its PROC record). */
ML_HIDDEN void ml_fds_emit_inherited(void);

#endif
