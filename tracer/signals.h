/*
 * signals.h - fatal signals and the program's view of its dispositions
 * (signals.c): the fault handler that ends the trace, the sigaction and
 * signal family hooks that keep it invisible, and glibc's SIGSETXID
 * around exec.
 */
#ifndef MEMLEDGER_TRACER_SIGNALS_H
#define MEMLEDGER_TRACER_SIGNALS_H

#include <stdint.h>

#include "tracer/tracer.h"

/* The kernel's own record of a disposition (rt_sigaction's layout), so
 * that what we put back is bit for bit what was there, without the
 * SA_RESTORER that glibc's sigaction adds. */
struct ml_k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/** The constructor: our handler on each fault signal the program left
 * at its default (unless MEMLEDGER_SIGNALS=0). */
ML_HIDDEN void ml_signals_install(void);

/** The constructor, before the writer thread exists: remember whether
 * the program started with SIGSETXID ignored. */
ML_HIDDEN void ml_setxid_note(void);
/** Just before exec: SIGSETXID as the program had it. 1 if changed, with
 * glibc's handler in *saved. */
ML_HIDDEN int ml_setxid_for_exec(struct ml_k_sigaction *saved);
/** After an exec that failed: glibc's handler back (errno kept). */
ML_HIDDEN void ml_setxid_after_failed_exec(int changed, const struct ml_k_sigaction *saved);

#endif
