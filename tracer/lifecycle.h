/*
 * lifecycle.h - bringing the tracer up and down with the process
 * (lifecycle.c): initialisation on the first allocator call or in the
 * constructor, the destructor, and every way out the process takes
 * itself (return from main, exit, _exit, _Exit, quick_exit). Fatal
 * signals (signals.c), fork (fork.c), exec (exec.c) and namespaces
 * (namespaces.c) have files of their own and use what is declared here.
 */
#ifndef MEMLEDGER_TRACER_LIFECYCLE_H
#define MEMLEDGER_TRACER_LIFECYCLE_H

#include "tracer/tracer.h"

/** Bring the tracer up if it is not; return 1 when hooks may record. */
ML_HIDDEN int ml_init_slow(void);

/** An integer from the environment, or def when unset, malformed or
 * outside [lo, hi]. */
ML_HIDDEN long ml_env_long(const char *name, long def, long lo, long hi);

/**
 * The one way a trace ends. `how` is ML_END_EXIT or ML_END_SIGNAL.
 * On a normal exit the runtime caches are released first when
 * allow_freeres (their frees are recorded), then the exit snapshot, the
 * reachability scan and the end record; on a signal only what is safe in
 * a handler. Only the first call does anything, until ml_finish_rearm.
 */
ML_HIDDEN void ml_finish(int how, int code, int allow_freeres);
/** A forked child: its own trace has yet to end. */
ML_HIDDEN void ml_finish_rearm(void);

/** The records that open a trace: the process, then its allocator
 * (whose malloc the program calls, whose the hooks call). */
ML_HIDDEN void ml_emit_proc(void);
ML_HIDDEN void ml_emit_allocator(void);

/** 1 once the constructor has finished its set-up (atfork handlers,
 * signal handlers, writer thread). */
ML_HIDDEN int ml_ctor_done(void);

#endif
