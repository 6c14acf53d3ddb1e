/*
 * real.c - finding the real functions behind the hooks (real.h).
 */
#include <dlfcn.h>

#include "tracer/real.h"
#include "tracer/state.h"

/* dlsym under the guard: what it allocates is the tracer's, not the program's. */
static void *dlsym_guarded(void *handle, const char *name)
{
	void *p;
	ml_guard_enter();
	ML_INTERNAL(p = dlsym(handle, name));
	ml_guard_leave();
	return p;
}

void *ml_dlsym_next(const char *name)
{
	return dlsym_guarded(RTLD_NEXT, name);
}

void *ml_dlsym_default(const char *name)
{
	return dlsym_guarded(RTLD_DEFAULT, name);
}

int ml_real_resolve(void)
{
	ml.real.malloc = ml_dlsym_next("malloc");
	ml.real.free = ml_dlsym_next("free");
	ml.real.calloc = ml_dlsym_next("calloc");
	ml.real.realloc = ml_dlsym_next("realloc");
	ml.real.memalign = ml_dlsym_next("memalign");
	ml.real.posix_memalign = ml_dlsym_next("posix_memalign");
	ml.real.aligned_alloc = ml_dlsym_next("aligned_alloc");
	ml.real.valloc = ml_dlsym_next("valloc");
	ml.real.pvalloc = ml_dlsym_next("pvalloc");
	return ml.real.malloc && ml.real.free && ml.real.calloc && ml.real.realloc &&
	       ml.real.memalign && ml.real.posix_memalign &&
	       ml.real.aligned_alloc && ml.real.valloc && ml.real.pvalloc ? 0 : -1;
}
