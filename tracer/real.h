/*
 * real.h - finding the real functions behind the hooks (real.c).
 *
 * A hook replaces a libc function by name; the function it wraps is the
 * next definition of that name (dlsym RTLD_NEXT). glibc may allocate
 * while looking a symbol up, and that memory is the tracer's, not the
 * program's: the lookups run inside the reentrancy guard (state.h).
 */
#ifndef MEMLEDGER_TRACER_REAL_H
#define MEMLEDGER_TRACER_REAL_H

#include "tracer/tracer.h"

/** dlsym(RTLD_NEXT, name) inside the reentrancy guard. */
ML_HIDDEN void *ml_dlsym_next(const char *name);
/** dlsym(RTLD_DEFAULT, name) inside the reentrancy guard. */
ML_HIDDEN void *ml_dlsym_default(const char *name);
/** Fill ml.real with the allocator the hooks forward to; 0, or -1 when
 * one of its functions is missing. */
ML_HIDDEN int ml_real_resolve(void);

/* Inside a hook named `name`: `real_name`, the next definition of it. */
#define ML_REAL(name) \
	static __typeof__(&name) real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(&name))ml_dlsym_next(#name)

#endif
