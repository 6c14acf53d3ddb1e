/*
 * modules.h - the loaded modules (modules.c): executable, shared
 * libraries and vdso, recorded with load bias, range and build-id at
 * start and whenever dlopen/dlclose change the set.
 */
#ifndef MEMLEDGER_TRACER_MODULES_H
#define MEMLEDGER_TRACER_MODULES_H

#include <stdint.h>

#include "tracer/tracer.h"

/** Record every module not yet recorded; mark unloaded ones gone. */
ML_HIDDEN void ml_modules_scan(void);
ML_HIDDEN void ml_modules_reset_for_child(void);
ML_HIDDEN void ml_modules_lock(void);
ML_HIDDEN void ml_modules_unlock(void);
/** Find the tracer's own text range (ml.self_lo/self_hi, for skipping its frames). */
ML_HIDDEN void ml_modules_find_self(void);
/** Call fn for each writable segment of each module except the tracer's own. */
ML_HIDDEN void ml_modules_writable(void (*fn)(uintptr_t lo, uintptr_t hi, void *), void *arg);

#endif
