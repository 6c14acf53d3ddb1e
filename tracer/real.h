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

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

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

/*
 * The tracer reading a file of its own (/proc/self/...): system calls,
 * never the program's open(), read() and close(), which the program may
 * define itself and which fds.c watches. errno is left as it was.
 * Async-signal-safe.
 */
static inline int ml_sys_open_read(const char *path)
{
	int saved = errno;
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	errno = saved;
	return (int)fd;
}

static inline long ml_sys_read(int fd, void *buf, size_t n)
{
	int saved = errno;
	long r = syscall(SYS_read, fd, buf, n);
	errno = saved;
	return r;
}

static inline long ml_sys_pread(int fd, void *buf, size_t n, off_t at)
{
	int saved = errno;
	long r = syscall(SYS_pread64, fd, buf, n, at);
	errno = saved;
	return r;
}

static inline void ml_sys_close(int fd)
{
	int saved = errno;
	syscall(SYS_close, fd);
	errno = saved;
}

#endif
