/*
 * fds.c - channel-like descriptors and timers: pipes, socketpairs,
 * sockets, eventfds, timerfds and POSIX timers, from creation to close,
 * each with the stack that created it. Other descriptors (files) are
 * not tracked.
 *
 * A close is recorded before the real close and an open after the real
 * open, so that a descriptor number reused by another thread at once
 * still pairs in the right order (the meta channel is one ordered stream).
 *
 * The tracer keeps no descriptor in the program's table (writer.c): the
 * writer thread has a table of its own. When a program thread has to
 * write the trace itself, it holds a descriptor for one batch; meanwhile
 * close() of it reports success without closing, and dup2() onto it first
 * moves it away. The tracer's own pipes are refused (see pipe()).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/fds.h"
#include "tracer/lu_probe.h"
#include "tracer/real.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

#define FD_MAX 65536
#define TIMER_MAX 4096

static _Atomic uint8_t fd_kind[FD_MAX];        /* kind + 1; 0: not tracked */
static _Atomic(uintptr_t) timers[TIMER_MAX];   /* live POSIX timers (id + 1) */


static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* What a resource open and close record start with: kind, handle, the
 * time and the thread. */
static uint8_t *put_res_head(uint8_t *p, int kind, long handle)
{
	p = ml_put_varint(p, (uint64_t)kind);
	p = ml_put_varint(p, (uint64_t)handle);
	p = ml_put_varint(p, ml_rdtsc());
	return ml_put_varint(p, (uint64_t)gettid_());
}

static void emit_open(int kind, long handle, int origin, uint32_t stack)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_RES_OPEN, 80);
	uint8_t *p = put_res_head(m.p, kind, handle);
	p = ml_put_varint(p, stack);
	p = ml_put_varint(p, (uint64_t)origin);
	m.p = p;
	ml_meta_end(&m);
}

static void emit_close(int kind, long handle)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_RES_CLOSE, 48);
	m.p = put_res_head(m.p, kind, handle);
	ml_meta_end(&m);
}

static int tracking(void)
{
	return ml_active() && !ml_guarded();
}

void ml_res_open(int kind, long handle, int origin)
{
	if (!tracking())
		return;
	ml_guard_enter();
	if (kind == ML_RES_POSIX_TIMER) {
		for (int i = 0; i < TIMER_MAX; i++) {
			uintptr_t z = 0;
			if (atomic_compare_exchange_strong(&timers[i], &z, (uintptr_t)handle + 1))
				break;
		}
	} else if (handle >= 0 && handle < FD_MAX) {
		atomic_store(&fd_kind[handle], (uint8_t)(kind + 1));
	}
	emit_open(kind, handle, origin, ml_stack_capture());
	ml_guard_leave();
}

void ml_res_close(long handle, int kind)
{
	if (!tracking())
		return;
	ml_guard_enter();
	if (kind == ML_RES_POSIX_TIMER) {
		for (int i = 0; i < TIMER_MAX; i++) {
			uintptr_t want = (uintptr_t)handle + 1;
			if (atomic_compare_exchange_strong(&timers[i], &want, 0)) {
				emit_close(kind, handle);
				break;
			}
		}
	} else if (handle >= 0 && handle < FD_MAX) {
		uint8_t k = atomic_exchange(&fd_kind[handle], 0);
		if (k)
			emit_close(k - 1, handle);
	}
	ml_guard_leave();
}

static inline int tracked_fd(int fd)
{
	return fd >= 0 && fd < FD_MAX && atomic_load_explicit(&fd_kind[fd], memory_order_relaxed);
}

/* A duplicate of a tracked descriptor is tracked too, as the same kind. */
static void dup_of(int oldfd, int newfd, int origin)
{
	if (newfd < 0 || !tracked_fd(oldfd))
		return;
	ml_res_open(atomic_load(&fd_kind[oldfd]) - 1, newfd, origin);
}

void ml_fds_init(void)
{
}

/* A forked child: POSIX timers do not survive fork. */
void ml_fds_reset_for_child(void)
{
	for (int i = 0; i < TIMER_MAX; i++)
		atomic_store(&timers[i], 0);
}

/* A forked child inherits the open descriptors: its trace starts with
 * them, right after its process record. */
void ml_fds_emit_inherited(void)
{
	for (int fd = 0; fd < FD_MAX; fd++) {
		uint8_t k = atomic_load(&fd_kind[fd]);
		if (k)
			emit_open(k - 1, fd, ML_ORIGIN_INHERITED, 0);
	}
}

/* ---------------------------------------------------------------- creation hooks */

/*
 * A pipe the tracer's own code asks for is not a real one. libunwind opens
 * one at start-up to probe addresses; in the program's descriptor table it
 * would show in /proc/self/fd and count against RLIMIT_NOFILE. It gets two
 * numbers no descriptor can have, served by tracer/lu_probe.c.
 */
static int tracer_own_call(void)
{
	return ml_guarded() && ml_tls.internal;
}

EXPORT int pipe(int fds[2])
{
	ML_REAL(pipe);
	if (tracer_own_call()) {
		ml_lu_probe_pipe(fds);
		return 0;
	}
	int rc = real_pipe(fds);
	if (rc == 0) {
		ml_res_open(ML_RES_PIPE, fds[0], ML_ORIGIN_PIPE);
		ml_res_open(ML_RES_PIPE, fds[1], ML_ORIGIN_PIPE);
	}
	return rc;
}

EXPORT int pipe2(int fds[2], int flags)
{
	ML_REAL(pipe2);
	if (tracer_own_call()) {
		ml_lu_probe_pipe(fds);
		return 0;
	}
	int rc = real_pipe2(fds, flags);
	if (rc == 0) {
		ml_res_open(ML_RES_PIPE, fds[0], ML_ORIGIN_PIPE2);
		ml_res_open(ML_RES_PIPE, fds[1], ML_ORIGIN_PIPE2);
	}
	return rc;
}

EXPORT int socketpair(int domain, int type, int proto, int sv[2])
{
	ML_REAL(socketpair);
	int rc = real_socketpair(domain, type, proto, sv);
	if (rc == 0) {
		ml_res_open(ML_RES_SOCKET, sv[0], ML_ORIGIN_SOCKETPAIR);
		ml_res_open(ML_RES_SOCKET, sv[1], ML_ORIGIN_SOCKETPAIR);
	}
	return rc;
}

/* The hooks that return one new descriptor of a kind: the same code, each
 * asking its own real self. params and args are the parenthesised
 * parameter and argument lists. */
#define FD_OPEN_HOOK(name, kind, origin, params, args)             \
	EXPORT int name params                                     \
	{                                                          \
		ML_REAL(name);                                     \
		int fd = real_##name args;                         \
		if (fd >= 0)                                       \
			ml_res_open(kind, fd, origin);             \
		return fd;                                         \
	}

FD_OPEN_HOOK(socket, ML_RES_SOCKET, ML_ORIGIN_SOCKET, (int domain, int type, int proto), (domain, type, proto))
FD_OPEN_HOOK(accept, ML_RES_SOCKET, ML_ORIGIN_ACCEPT, (int s, struct sockaddr *addr, socklen_t *len),
             (s, addr, len))
FD_OPEN_HOOK(accept4, ML_RES_SOCKET, ML_ORIGIN_ACCEPT4, (int s, struct sockaddr *addr, socklen_t *len, int flags),
             (s, addr, len, flags))
FD_OPEN_HOOK(eventfd, ML_RES_EVENTFD, ML_ORIGIN_EVENTFD, (unsigned int initval, int flags), (initval, flags))
FD_OPEN_HOOK(timerfd_create, ML_RES_TIMERFD, ML_ORIGIN_TIMERFD, (int clockid, int flags), (clockid, flags))

EXPORT int timer_create(clockid_t clockid, struct sigevent *sev, timer_t *timerid)
{
	ML_REAL(timer_create);
	int rc = real_timer_create(clockid, sev, timerid);
	if (rc == 0)
		ml_res_open(ML_RES_POSIX_TIMER, (long)(intptr_t)*timerid, ML_ORIGIN_TIMER_CREATE);
	return rc;
}

EXPORT int timer_delete(timer_t timerid)
{
	ML_REAL(timer_delete);
	ml_res_close((long)(intptr_t)timerid, ML_RES_POSIX_TIMER);
	return real_timer_delete(timerid);
}

/* ---------------------------------------------------------------- dup and close */

/* The program wants `fd`: if it is the trace's, move the trace away first. */
static void free_fd_for_program(int fd)
{
	if (fd >= 0 && fd == ml_sink_fd() && ml_sink_owns_fd(fd))
		ml_sink_move_fd();
}

EXPORT int dup(int fd)
{
	ML_REAL(dup);
	int nfd = real_dup(fd);
	dup_of(fd, nfd, ML_ORIGIN_DUP);
	return nfd;
}

EXPORT int dup2(int fd, int nfd)
{
	ML_REAL(dup2);
	if (fd != nfd) {
		free_fd_for_program(nfd);
		if (tracked_fd(nfd))
			ml_res_close(nfd, 0);
	}
	int rc = real_dup2(fd, nfd);
	if (rc >= 0 && fd != nfd)
		dup_of(fd, rc, ML_ORIGIN_DUP2);
	return rc;
}

EXPORT int dup3(int fd, int nfd, int flags)
{
	ML_REAL(dup3);
	if (fd != nfd) {
		free_fd_for_program(nfd);
		if (tracked_fd(nfd))
			ml_res_close(nfd, 0);
	}
	int rc = real_dup3(fd, nfd, flags);
	if (rc >= 0)
		dup_of(fd, rc, ML_ORIGIN_DUP3);
	return rc;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, va_list ap)
{
	void *arg = va_arg(ap, void *);
	int rc = real(fd, cmd, arg);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && rc >= 0)
		dup_of(fd, rc, ML_ORIGIN_FCNTL);
	return rc;
}

/* fcntl and fcntl64: the same hook, each asking its own real self. */
#define FCNTL_HOOK(name)                                            \
	EXPORT int name(int fd, int cmd, ...)                       \
	{                                                           \
		ML_REAL(name);                                      \
		va_list ap;                                         \
		va_start(ap, cmd);                                  \
		int rc = fcntl_common(real_##name, fd, cmd, ap);    \
		va_end(ap);                                         \
		return rc;                                          \
	}

FCNTL_HOOK(fcntl)
FCNTL_HOOK(fcntl64)

EXPORT int close(int fd)
{
	ML_REAL(close);
	if (ML_UNLIKELY(fd == ml_sink_fd() && ml_active() && ml_sink_owns_fd(fd)))
		return 0;  /* the trace stays open; the program sees success */
	if (tracked_fd(fd))
		ml_res_close(fd, 0);
	return real_close(fd);
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	ML_REAL(close_range);
	int sfd = ml_sink_fd();
	int closing = !(flags & CLOSE_RANGE_CLOEXEC);
	if (closing) {
		for (unsigned int fd = first; fd <= last && fd < FD_MAX; fd++)
			if (tracked_fd((int)fd))
				ml_res_close(fd, 0);
	}
	if (closing && sfd >= 0 && (unsigned)sfd >= first && (unsigned)sfd <= last && ml_active() &&
	    ml_sink_owns_fd(sfd)) {
		/* close around the trace's descriptor */
		int rc = 0;
		if ((unsigned)sfd > first)
			rc = real_close_range(first, (unsigned)sfd - 1, flags);
		if (rc == 0 && (unsigned)sfd < last)
			rc = real_close_range((unsigned)sfd + 1, last, flags);
		return rc;
	}
	return real_close_range(first, last, flags);
}

/* closefrom() closes with the close_range system call inside glibc, past
 * the close and close_range hooks: route it through close_range here. */
EXPORT void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	close_range((unsigned)lowfd, ~0u, 0);
}
