/*
 * signals.c - fatal endings, without taking signals from the program:
 * the fault handler that ends the trace, the sigaction and signal family
 * hooks that keep it invisible, and glibc's SIGSETXID around exec.
 *
 * The program must see exactly the dispositions, alternate stack and
 * masks it would have without us, and whatever it sets must behave the
 * same. So:
 *  - Asynchronous signals (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGKILL, ...)
 *    are never touched. A process they kill leaves a trace without an END
 *    record, which ingest loads as 'truncated' (at most one sampling
 *    interval of records is lost); `memledger run` reports the root's
 *    signal from waitpid.
 *  - The faults a thread raises against itself (SIGSEGV, SIGBUS, SIGILL,
 *    SIGFPE, SIGABRT, SIGTRAP, SIGSYS) get a handler only where the
 *    program left the default. The handler ends the trace, puts the
 *    default back and lets the signal do what it would have done. The
 *    handler is invisible: sigaction, signal and their relatives report
 *    the disposition the program would see (view[]), and the first time
 *    the program sets one of these signals, the default is put back
 *    before its setting is applied, so it owns the signal from then on.
 *  - No alternate signal stack, no SA_ONSTACK, no change to any mask. A
 *    fault that overflowed its stack therefore cannot run the handler; the
 *    kernel kills the process and the trace ends 'truncated'.
 * Not covered: a program that reads SigCgt in /proc/self/status, or calls
 * rt_sigaction by raw system call, sees our handler on those signals; and
 * glibc's internal SIGSETXID has glibc's handler (see ml_setxid_note).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/lifecycle.h"
#include "tracer/real.h"
#include "tracer/signals.h"
#include "tracer/state.h"
#include "tracer/tracer.h"

static const int fault_signals[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS,
};
static struct ml_k_sigaction view[NSIG];   /* the disposition each had before ours */
static atomic_int installed[NSIG];      /* view[sig] is valid */

static int k_sigaction(int sig, const struct ml_k_sigaction *act, struct ml_k_sigaction *old)
{
	return (int)syscall(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

static sigaction_fn real_sigaction_fn(void)
{
	static _Atomic(sigaction_fn) real;
	sigaction_fn f = atomic_load(&real);
	if (!f) {
		f = (sigaction_fn)ml_dlsym_next("sigaction");
		atomic_store(&real, f);
	}
	return f;
}

static void fault_handler(int sig, siginfo_t *si, void *uc);

static int is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == fault_handler;
}

static int fault_signal(int sig)
{
	return sig > 0 && sig < NSIG && atomic_load_explicit(&installed[sig], memory_order_acquire);
}

/* What the program should read where the kernel holds our handler: the
 * fields glibc's sigaction copies out (it leaves the rest of sa_mask
 * alone, and so do we). */
static void put_view(int sig, struct sigaction *old)
{
	old->sa_handler = view[sig].handler;
	memcpy(&old->sa_mask, &view[sig].mask, sizeof view[sig].mask);
	old->sa_flags = (int)view[sig].flags;
	old->sa_restorer = view[sig].restorer;
}

/* If our handler is still installed for sig, put the program's view back
 * in the kernel. Async-signal-safe. */
static int give_back(int sig)
{
	sigaction_fn real = real_sigaction_fn();
	struct sigaction cur;
	if (!real || real(sig, NULL, &cur) != 0 || !is_ours(&cur))
		return 0;
	k_sigaction(sig, &view[sig], NULL);
	return 1;
}

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	struct sigaction cur;
	sigaction_fn real = real_sigaction_fn();
	int mine = real && real(sig, NULL, &cur) == 0 && is_ours(&cur);
	if (mine && ml.pid == getpid()) {
		/* whatever the thread was doing, the handler starts afresh */
		int guard = ml_guard_suspend();
		ml_guard_enter();
		ml_tls.in_signal = 1;
		ml_finish(ML_END_SIGNAL, sig, 0);
		ml_tls.in_signal = 0;
		ml_guard_leave();
		ml_guard_restore(guard);
	}
	if (mine)
		k_sigaction(sig, &view[sig], NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	errno = saved;
	/* A fault raised by the kernel happens again when the handler returns,
	 * now with the default action (and the core dump shows the faulting
	 * instruction). Anything else is sent again. */
	int refaults = (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) &&
	               si && si->si_code > 0;
	if (!refaults)
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

void ml_signals_install(void)
{
	if (ml_env_long("MEMLEDGER_SIGNALS", 1, 0, 1) == 0)
		return;
	sigaction_fn real = real_sigaction_fn();
	if (!real)
		return;
	for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
		int sig = fault_signals[i];
		struct ml_k_sigaction old;
		struct sigaction sa;
		memset(&old, 0, sizeof old);
		if (k_sigaction(sig, NULL, &old) != 0)
			continue;
		if (old.handler != SIG_DFL || (old.flags & SA_SIGINFO))
			continue;  /* the program's own handler or SIG_IGN stays */
		view[sig] = old;
		atomic_store_explicit(&installed[sig], 1, memory_order_release);
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = fault_handler;
		sa.sa_flags = SA_SIGINFO;
		sigfillset(&sa.sa_mask);
		real(sig, &sa, NULL);
	}
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_fn real = real_sigaction_fn();
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (!fault_signal(sig))
		return real(sig, act, old);
	if (act)
		give_back(sig);  /* from now on the signal is the program's */
	int rc = real(sig, act, old);
	if (rc == 0 && old && is_ours(old))
		put_view(sig, old);
	return rc;
}

int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}

/* The signal() family sets dispositions through glibc's internal
 * sigaction, past the hook above: give the signal back first. */
typedef sighandler_t (*signal_fn)(int, sighandler_t);

static sighandler_t signal_common(signal_fn real, int sig, sighandler_t h)
{
	if (!real) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	if (!fault_signal(sig))
		return real(sig, h);
	give_back(sig);
	sighandler_t r = real(sig, h);
	return (uintptr_t)r == (uintptr_t)fault_handler ? view[sig].handler : r;
}

/* signal() and its aliases: the same hook, each asking its own real self. */
#define SIGNAL_HOOK(name)                                   \
	EXPORT sighandler_t name(int sig, sighandler_t h)   \
	{                                                   \
		ML_REAL(name);                              \
		return signal_common(real_##name, sig, h);  \
	}

sighandler_t bsd_signal(int sig, sighandler_t h);
sighandler_t __sysv_signal(int sig, sighandler_t h);

SIGNAL_HOOK(signal)
SIGNAL_HOOK(bsd_signal)
SIGNAL_HOOK(ssignal)
SIGNAL_HOOK(sysv_signal)
SIGNAL_HOOK(__sysv_signal)

/* Old interfaces the program may still call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

EXPORT sighandler_t sigset(int sig, sighandler_t h)
{
	ML_REAL(sigset);
	return signal_common(real_sigset, sig, h);
}

EXPORT int sigignore(int sig)
{
	ML_REAL(sigignore);
	if (fault_signal(sig))
		give_back(sig);
	return real_sigignore(sig);
}

EXPORT int siginterrupt(int sig, int flag)
{
	ML_REAL(siginterrupt);
	if (fault_signal(sig))
		give_back(sig);
	return real_siginterrupt(sig, flag);
}

#pragma GCC diagnostic pop

/*
 * glibc's SIGSETXID, the second real-time signal, is how it makes every
 * thread change credentials together. The first pthread_create of a
 * process (here: the writer's) installs glibc's handler for it. A program
 * that started with it ignored would pass SIG_IGN on to what it executes;
 * it still does: the tracer ignores it again just for the exec, and puts
 * glibc's handler back if the exec fails. (The traced process itself
 * shows the handler in /proc/self/status SigCgt: it needs it.)
 */
#define ML_SIGSETXID (__SIGRTMIN + 1)
static struct ml_k_sigaction setxid_before;
static int setxid_was_ignored;

void ml_setxid_note(void)
{
	struct ml_k_sigaction k;
	memset(&k, 0, sizeof k);
	if (k_sigaction(ML_SIGSETXID, NULL, &k) == 0 && k.handler == SIG_IGN) {
		setxid_before = k;
		setxid_was_ignored = 1;
	}
}

/* Just before exec: SIGSETXID as the program had it. 1 if changed, with
 * glibc's handler in *saved. */
int ml_setxid_for_exec(struct ml_k_sigaction *saved)
{
	return setxid_was_ignored && k_sigaction(ML_SIGSETXID, &setxid_before, saved) == 0;
}

void ml_setxid_after_failed_exec(int changed, const struct ml_k_sigaction *saved)
{
	if (changed) {
		int e = errno;
		k_sigaction(ML_SIGSETXID, saved, NULL);
		errno = e;
	}
}
