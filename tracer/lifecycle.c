/*
 * lifecycle.c - bringing the tracer up and down with the process:
 * initialisation on the first allocator call, the constructor and
 * destructor, fork, exec, exit/_exit/quick_exit, and fatal signals.
 *
 * Every way out of a process that the process takes itself (exit, _exit,
 * quick_exit, a fault, abort) ends its trace with an ML_META_END record,
 * exec with an ML_META_EXEC record, and the stream is flushed, so that
 * ingest can tell an exit from a crash from a kill from outside (no end
 * record: 'truncated'). See "signals" for why kills from outside are not
 * caught, and "the allocator" for the check that the hooks are the ones
 * the program calls. unshare/setns pause the writer (see "namespaces").
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tracer/tracer.h"

__thread struct ml_tls ml_tls __attribute__((tls_model("initial-exec")));
struct ml_global ml = { .exit_code = -1, .depth = ML_DEFAULT_DEPTH };

static atomic_int finish_claimed;
static int ctor_done;


/* ---------------------------------------------------------------- clocks */

int64_t ml_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ml_unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t ml_tsc_to_ns(uint64_t tsc)
{
	if (tsc <= ml.tsc0 || ml.tsc_per_ns <= 0)
		return 0;
	return (uint64_t)((double)(tsc - ml.tsc0) / ml.tsc_per_ns);
}

void *ml_dlsym_next(const char *name)
{
	void *p;
	ml_tls.guard++;
	ML_INTERNAL(p = dlsym(RTLD_NEXT, name));
	ml_tls.guard--;
	return p;
}

void *ml_dlsym_default(const char *name)
{
	void *p;
	ml_tls.guard++;
	ML_INTERNAL(p = dlsym(RTLD_DEFAULT, name));
	ml_tls.guard--;
	return p;
}

/* ---------------------------------------------------------------- config */

static long env_long(const char *name, long def, long lo, long hi)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return def;
	return v;
}

static void read_config(void)
{
	ml.interval_ns = env_long("MEMLEDGER_INTERVAL", ML_DEFAULT_INTERVAL_MS, 1, 3600000) * 1000000L;
	ml.depth = (int)env_long("MEMLEDGER_DEPTH", ML_DEFAULT_DEPTH, 1, ML_MAX_DEPTH);
	ml.follow_exec = (int)env_long("MEMLEDGER_FOLLOW", 1, 0, 1);
	ml.sample_bytes = (uint64_t)env_long("MEMLEDGER_SAMPLE_BYTES", 0, 0, LONG_MAX);
}

/* Under --no-follow only the first image of the root process traces. */
static int should_trace(void)
{
	if (env_long("MEMLEDGER_DISABLE", 0, 0, 1))
		return 0;
	if (ml.follow_exec)
		return 1;
	long root = env_long("MEMLEDGER_ROOT_PID", 0, 0, INT_MAX);
	if (root && root != getpid())
		return 0;
	const char *trace = getenv("MEMLEDGER_TRACE");
	if (root && trace && access(trace, F_OK) == 0)
		return 0;  /* the root's trace exists: this image was exec'd */
	return 1;
}

static int resolve_real(void)
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

/* ---------------------------------------------------------------- the allocator */

/*
 * Whose malloc does the program call? The executable's own (a custom
 * allocator, a statically linked jemalloc) or an allocator preloaded ahead
 * of us wins the symbol lookup, and then the hooks never run: the trace
 * would show no allocations as if there were none. And whose malloc do the
 * hooks call? If it is not glibc's, mallinfo2 (HeapInuse, HeapIdle)
 * describes a heap nobody uses. Both facts go into the trace; the first
 * is also told to `memledger run`, which warns.
 */
static struct {
	unsigned flags;
	char calls[PATH_MAX];     /* module whose malloc the program calls */
	char under[PATH_MAX];     /* module whose malloc the hooks call */
} alloc_info;

static void module_name(const void *addr, char *out, size_t n)
{
	Dl_info di, main_di;
	out[0] = 0;
	if (!addr || !dladdr(addr, &di) || !di.dli_fname)
		return;
	/* the loader names the main program as it was typed, or not at all */
	const void *phdr = (const void *)getauxval(AT_PHDR);
	if (phdr && dladdr(phdr, &main_di) && main_di.dli_fbase == di.dli_fbase) {
		ssize_t r = readlink("/proc/self/exe", out, n - 1);
		out[r > 0 ? r : 0] = 0;
		return;
	}
	snprintf(out, n, "%s", di.dli_fname);
}

static void allocator_check(void)
{
	static const char *const names[] = { "malloc", "free", "calloc", "realloc" };
	char self[PATH_MAX], who[PATH_MAX];
	module_name((const void *)allocator_check, self, sizeof self);
	module_name((const void *)ml.real.malloc, alloc_info.under, sizeof alloc_info.under);
	snprintf(alloc_info.calls, sizeof alloc_info.calls, "%s", alloc_info.under);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		void *p = ml_dlsym_default(names[i]);
		module_name(p, who, sizeof who);
		/* An executable that takes malloc's address has a "canonical PLT"
		 * entry: an undefined symbol with a value, which the lookup finds
		 * first, but whose calls still reach the definition after it. */
		Dl_info di;
		const ElfW(Sym) *sym = NULL;
		if (p && dladdr1(p, &di, (void **)&sym, RTLD_DL_SYMENT) && sym && sym->st_shndx == SHN_UNDEF)
			continue;
		if (p && self[0] && who[0] && strcmp(who, self) != 0) {
			alloc_info.flags |= ML_ALLOC_BYPASSED;
			snprintf(alloc_info.calls, sizeof alloc_info.calls, "%s", who);
			break;
		}
	}
	const char *base = strrchr(alloc_info.calls, '/');
	base = base ? base + 1 : alloc_info.calls;
	if (strncmp(base, "libc.so", 7) != 0)
		alloc_info.flags |= ML_ALLOC_NOT_GLIBC;
}

static void emit_allocator(void)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_ALLOCATOR, 32 + 2 * PATH_MAX);
	m.p = ml_put_varint(m.p, alloc_info.flags);
	m.p = ml_put_str(m.p, alloc_info.calls, PATH_MAX);
	m.p = ml_put_str(m.p, alloc_info.under, PATH_MAX);
	ml_meta_end(&m);
	if (alloc_info.flags & ML_ALLOC_BYPASSED)
		ml_status_note("bypassed", 0, alloc_info.calls);
}

/* ---------------------------------------------------------------- records */

/*
 * The whole command line, from /proc/self/cmdline, into memory mapped for
 * it (the kernel allows several MiB). *cap is the mapping's size for
 * ml_unmap; NULL when nothing could be read.
 */
static char *read_cmdline(size_t *len, size_t *cap)
{
	*len = *cap = 0;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t n = 0, size = 64 * 1024;
	char *buf = ml_map(size);
	while (buf) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == size) {
			char *bigger = ml_map(size * 2);
			if (bigger)
				memcpy(bigger, buf, n);
			ml_unmap(buf, size);
			buf = bigger;
			size *= 2;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	*len = n;
	*cap = size;
	return buf;
}

/* The process record: who we are, when we started, how we trace. The
 * command line is recorded whole, however long. */
static void emit_proc(void)
{
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	size_t clen, ccap;
	char *cmd = read_cmdline(&clen, &ccap);
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_PROC, 200 + sizeof exe + clen);
	if (!m.p) {
		/* no memory for an oversized record: what fits in a buffer */
		ml_meta_end(&m);
		clen = clen < 32 * 1024 ? clen : 32 * 1024;
		ml_meta_begin(&m, ML_META_PROC, 200 + sizeof exe + clen);
	}
	uint8_t *p = m.p;
	p = ml_put_str(p, "memledger 1.0", 64);
	p = ml_put_varint(p, (uint64_t)getpid());
	p = ml_put_varint(p, (uint64_t)getppid());
	p = ml_put_varint(p, ml.tsc0);
	p = ml_put_varint(p, (uint64_t)ml.mono0_ns);
	p = ml_put_varint(p, (uint64_t)ml.unix0_ns);
	p = ml_put_varint(p, ML_TICK_SHIFT);
	p = ml_put_varint(p, (uint64_t)ml.interval_ns);
	p = ml_put_varint(p, (uint64_t)ml.depth);
	p = ml_put_varint(p, ml.sample_bytes);
	p = ml_put_str(p, exe, sizeof exe);
	p = ml_put_bytes(p, cmd ? cmd : "", cmd ? clen : 0);
	m.p = p;
	ml_meta_end(&m);
	if (cmd)
		ml_unmap(cmd, ccap);
}

static void emit_end(int reason, int code)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_END, 40);
	m.p = ml_put_varint(m.p, (uint64_t)reason);
	m.p = ml_put_varint(m.p, ml_zigzag(code));
	m.p = ml_put_varint(m.p, ml_rdtsc());
	m.p = ml_put_varint(m.p, (uint64_t)(ml_mono_ns() - ml.mono0_ns));
	ml_meta_end(&m);
}

/* ---------------------------------------------------------------- init */

static void install_signal_handlers(void);

static void start_clocks(void)
{
	ml.tsc0 = ml_rdtsc();
	ml.mono0_ns = ml_mono_ns();
	ml.unix0_ns = ml_unix_ns();
	ml.tsc_per_ns = 0;
}

static void do_init(void)
{
	if (resolve_real() < 0) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	read_config();
	if (!should_trace()) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	ml.pid = getpid();
	start_clocks();
	ml_modules_find_self();
	/* libunwind starts up here: what it opens is the tracer's own */
	ML_INTERNAL(ml_stacks_init());
	ml_threads_init();
	atomic_store(&ml.next_thread_idx, 1);  /* 0 is the inherited blocks of a forked child */
	if (ml_sink_open_as(0) < 0) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	emit_proc();
	allocator_check();
	emit_allocator();
	ml_modules_scan();
	atomic_store(&ml.recording, 1);
	atomic_store(&ml.state, ML_READY);
	ml_thread_register();
	ml_snapshot(ML_SNAP_START, "start", 0, NULL);
}

int ml_init_slow(void)
{
	int st = atomic_load(&ml.state);
	if (st == ML_READY || st == ML_OFF)
		return ml_active();
	if (ml_tls.guard)
		return 0;
	int expect = ML_UNINIT;
	if (!atomic_compare_exchange_strong(&ml.state, &expect, ML_INITIALIZING)) {
		while (atomic_load(&ml.state) == ML_INITIALIZING)
			sched_yield();
		return ml_active();
	}
	ml_tls.guard++;
	do_init();
	ml_tls.guard--;
	return ml_active();
}

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);
static void setxid_note(void);

__attribute__((constructor)) static void ml_constructor(void)
{
	ml_init_slow();
	if (!ml_active())
		return;
	ml_tls.guard++;
	ML_INTERNAL(pthread_atfork(atfork_prepare, atfork_parent, atfork_child));
	install_signal_handlers();
	ml_fds_init();
	ctor_done = 1;
	/* The file exists, with the process record, before main runs: a
	 * process killed at once still leaves a trace that loads. */
	ml_flush_early();
	setxid_note();
	ml_writer_start();
	ml_tls.guard--;
}

/* ---------------------------------------------------------------- finish */

typedef void (*freeres_fn)(void);

/* Release what the C and C++ runtimes keep for the life of the process,
 * as valgrind does, so it is neither counted as a leak nor left live.
 * Only when no other thread can be using it. */
static void run_freeres(void)
{
	if (env_long("MEMLEDGER_FREERES", 1, 0, 1) == 0 || ml_threads_live() > 1)
		return;
	freeres_fn cxx = (freeres_fn)ml_dlsym_default("_ZN9__gnu_cxx9__freeresEv");
	freeres_fn libc = (freeres_fn)ml_dlsym_default("__libc_freeres");
	/* dated before the frees it causes */
	uint64_t tsc = ml_rdtsc();
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_FREERES, 16);
	m.p = ml_put_varint(m.p, tsc);
	ml_meta_end(&m);
	ml_clock_fence();
	ml_mark(tsc);
	if (cxx)
		cxx();
	if (libc)
		libc();
	atomic_store(&ml.freeres_called, 1);
}

/*
 * The one way a trace ends. `how` is ML_END_EXIT or ML_END_SIGNAL.
 * On a normal exit the runtime caches are released first (their frees
 * are recorded), then the exit snapshot, the reachability scan and the
 * end record; on a signal only what is safe in a handler.
 */
static void ml_finish(int how, int code, int allow_freeres)
{
	int expect = 0;
	if (!atomic_compare_exchange_strong(&finish_claimed, &expect, 1))
		return;
	if (!ml_active())
		return;
	int saved_guard = ml_tls.guard;
	if (how == ML_END_EXIT && allow_freeres) {
		ml_tls.guard = 0;
		run_freeres();
	}
	ml_tls.guard = saved_guard + 1;
	if (how == ML_END_EXIT) {
		unsigned seq = ml_snapshot(ML_SNAP_EXIT, "exit", 0, NULL);
		atomic_store(&ml.recording, 0);
		ml_scan(seq, (uintptr_t)__builtin_frame_address(0));
	} else {
		ml_snapshot(ML_SNAP_EXIT, "exit", ML_SNAP_FROM_SIGNAL, NULL);
		atomic_store(&ml.recording, 0);
	}
	emit_end(how, code);
	atomic_store(&ml.finished, 1);
	ml_flush_all(1);
	ml_writer_wake();
	ml_tls.guard = saved_guard;
}

__attribute__((destructor)) static void ml_destructor(void)
{
	if (ml.pid && ml.pid != getpid())
		return;
	ml_finish(ML_END_EXIT, ml.exit_code, 1);
}

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

/* The moment the program starts to exit: what happens after it (static
 * destructors, atexit handlers, runtime clean-up) is exit processing, not
 * the program's own work. Written once. */
static void exit_begin(void)
{
	static atomic_int done;
	if (!ml_active() || ml_tls.guard || atomic_exchange(&done, 1))
		return;
	ml_tls.guard++;
	uint64_t tsc = ml_rdtsc();
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_EXIT_BEGIN, 16);
	m.p = ml_put_varint(m.p, tsc);
	ml_meta_end(&m);
	ml_clock_fence();
	ml_mark(tsc);
	ml_tls.guard--;
}

static int main_wrapper(int argc, char **argv, char **envp)
{
	int rc = real_main(argc, argv, envp);
	ml.exit_code = rc;
	ml.main_returned = 1;
	exit_begin();
	return rc;
}

/* Wrapping main is how the tracer learns the status main returns. */
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
__attribute__((visibility("default")))
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
	                        void (*)(void), void *);
	start_fn real = (start_fn)ml_dlsym_next("__libc_start_main");
	real_main = main;
	return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

__attribute__((visibility("default"), noreturn)) void exit(int code)
{
	typedef void (*exit_fn)(int) __attribute__((noreturn));
	static exit_fn real_exit;
	if (!real_exit)
		real_exit = (exit_fn)ml_dlsym_next("exit");
	ml.exit_code = code;
	if (ml.pid == getpid())
		exit_begin();
	real_exit(code);
}

/* _exit, _Exit and quick_exit skip the destructors: end the trace here.
 * A vfork child shares the parent's memory and must not touch it. */
static void finish_before_fast_exit(int code)
{
	if (ml.pid && getpid() == ml.pid) {
		ml.exit_code = code;
		ml_finish(ML_END_EXIT, code, 0);
	}
}

__attribute__((visibility("default"), noreturn)) void _exit(int code)
{
	finish_before_fast_exit(code);
	syscall(SYS_exit_group, code);
	__builtin_unreachable();
}

__attribute__((visibility("default"), noreturn)) void _Exit(int code)
{
	finish_before_fast_exit(code);
	syscall(SYS_exit_group, code);
	__builtin_unreachable();
}

__attribute__((visibility("default"), noreturn)) void quick_exit(int code)
{
	typedef void (*exit_fn)(int) __attribute__((noreturn));
	static exit_fn real_qe;
	if (!real_qe)
		real_qe = (exit_fn)ml_dlsym_next("quick_exit");
	/* at_quick_exit handlers run inside; record after them is impossible,
	 * so end the trace first. */
	finish_before_fast_exit(code);
	real_qe(code);
}

/* ---------------------------------------------------------------- signals */

/*
 * Fatal endings, without taking signals from the program.
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
 * glibc's internal SIGSETXID has glibc's handler (see setxid_note).
 */
static const int fault_signals[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS,
};
/* The kernel's own record of a disposition (rt_sigaction's layout), so
 * that what we put back is bit for bit what was there, without the
 * SA_RESTORER that glibc's sigaction adds. */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};
static struct k_sigaction view[NSIG];   /* the disposition each had before ours */
static atomic_int installed[NSIG];      /* view[sig] is valid */

static int k_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old)
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
		int g = ml_tls.guard;
		ml_tls.guard = 1;
		ml_tls.in_signal = 1;
		ml_finish(ML_END_SIGNAL, sig, 0);
		ml_tls.in_signal = 0;
		ml_tls.guard = g;
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

static void install_signal_handlers(void)
{
	if (env_long("MEMLEDGER_SIGNALS", 1, 0, 1) == 0)
		return;
	sigaction_fn real = real_sigaction_fn();
	if (!real)
		return;
	for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
		int sig = fault_signals[i];
		struct k_sigaction old;
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

#define EXPORT __attribute__((visibility("default")))

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

EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	ML_REAL(signal);
	return signal_common(real_signal, sig, h);
}

sighandler_t bsd_signal(int sig, sighandler_t h);
sighandler_t __sysv_signal(int sig, sighandler_t h);

EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	ML_REAL(bsd_signal);
	return signal_common(real_bsd_signal, sig, h);
}

EXPORT sighandler_t ssignal(int sig, sighandler_t h)
{
	ML_REAL(ssignal);
	return signal_common(real_ssignal, sig, h);
}

EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	ML_REAL(sysv_signal);
	return signal_common(real_sysv_signal, sig, h);
}

EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	ML_REAL(__sysv_signal);
	return signal_common(real___sysv_signal, sig, h);
}

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
static struct k_sigaction setxid_before;
static int setxid_was_ignored;

static void setxid_note(void)
{
	struct k_sigaction k;
	memset(&k, 0, sizeof k);
	if (k_sigaction(ML_SIGSETXID, NULL, &k) == 0 && k.handler == SIG_IGN) {
		setxid_before = k;
		setxid_was_ignored = 1;
	}
}

/* Just before exec: SIGSETXID as the program had it. 1 if changed, with
 * glibc's handler in *saved. */
static int setxid_for_exec(struct k_sigaction *saved)
{
	return setxid_was_ignored && k_sigaction(ML_SIGSETXID, &setxid_before, saved) == 0;
}

static void setxid_after_failed_exec(int changed, const struct k_sigaction *saved)
{
	if (changed) {
		int e = errno;
		k_sigaction(ML_SIGSETXID, saved, NULL);
		errno = e;
	}
}

/* ---------------------------------------------------------------- namespaces */

/*
 * unshare(CLONE_NEWUSER) and setns() into a user namespace work only in a
 * single-threaded process, and the writer thread would make every
 * program multi-threaded (EINVAL). Around those calls the writer writes
 * what is queued and stops; it starts again after the call. Other
 * namespaces need no pause: the writer has its own filesystem context
 * (so setns into a mount namespace works) and keeps the mounts, and the
 * open trace, it had.
 */
static int needs_one_thread(int flags)
{
	return (flags & (CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) != 0;
}

static int writer_pause(int needed)
{
	if (!needed || !ml_active() || ml_tls.guard)
		return 0;
	ml_tls.guard++;
	int stopped = ml_writer_stop();
	ml_tls.guard--;
	return stopped;
}

static void writer_resume(int stopped)
{
	if (!stopped)
		return;
	int saved = errno;
	ml_tls.guard++;
	ml_writer_start();
	ml_tls.guard--;
	errno = saved;
}

EXPORT int unshare(int flags)
{
	ML_REAL(unshare);
	int stopped = writer_pause(needs_one_thread(flags));
	int rc = real_unshare(flags);
	writer_resume(stopped);
	return rc;
}

EXPORT int setns(int fd, int nstype)
{
	ML_REAL(setns);
	/* nstype 0 joins whatever fd is: ask the kernel which kind it is */
	int type = nstype ? nstype : (int)syscall(SYS_ioctl, fd, NS_GET_NSTYPE);
	int stopped = writer_pause(type < 0 || needs_one_thread(type));
	int rc = real_setns(fd, nstype);
	writer_resume(stopped);
	return rc;
}

/* ---------------------------------------------------------------- fork */

static int fork_locked;
static struct ml_thread inherit_thread;

static void atfork_prepare(void)
{
	if (!ml_active() || ml_tls.guard)
		return;
	ml_tls.guard++;
	ml_registry_lock();
	ml_modules_lock();
	ml_stacks_lock();
	ml_channel_lock_meta();
	ml_live_lock_all();
	ml_sink_lock();
	ml_channel_lock_queues();
	ml_threads_info_lock();
	ml_arena_lock();
	ml_maps_lock();
	fork_locked = 1;
}

static void unlock_all(void)
{
	ml_maps_unlock();
	ml_arena_unlock();
	ml_threads_info_unlock();
	ml_sink_unlock();
	ml_live_unlock_all();
	ml_channel_unlock_all();
	ml_stacks_unlock();
	ml_modules_unlock();
	ml_registry_unlock();
}

static void atfork_parent(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	unlock_all();
	ml_tls.guard--;
}

__attribute__((visibility("default"))) pid_t fork(void)
{
	static pid_t (*real_fork)(void);
	if (!real_fork)
		real_fork = (pid_t (*)(void))ml_dlsym_next("fork");
	pid_t pid = real_fork();
	if (pid > 0 && ml_active() && !ml_tls.guard) {
		ml_tls.guard++;
		struct ml_meta m;
		ml_meta_begin(&m, ML_META_FORK, 32);
		m.p = ml_put_varint(m.p, (uint64_t)pid);
		m.p = ml_put_varint(m.p, ml_rdtsc());
		ml_meta_end(&m);
		ml_tls.guard--;
	}
	return pid;
}

/*
 * The child starts a trace of its own. Its clock starts now; the blocks
 * it inherited live become its first allocations (kind 'inherited',
 * thread index 0), so Mallocs - Frees still equals HeapObjects.
 */
static void atfork_child(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	unlock_all();
	ml.pid = getpid();
	ml.trace_gen++;
	atomic_store(&ml.snapshot_seq, 0);
	atomic_store(&ml.trim_calls, 0);
	atomic_store(&finish_claimed, 0);
	ml_sink_reset_for_child();
	ml_channel_reset_for_child();
	ml_modules_reset_for_child();
	ml_fds_reset_for_child();
	start_clocks();
	struct ml_thread *self = ml_tls.t;
	ml_threads_reset_for_child(self);
	if (ml_sink_open_as(1) < 0) {
		atomic_store(&ml.recording, 0);
		atomic_store(&ml.state, ML_OFF);
		ml_tls.guard--;
		return;
	}
	/* The process record comes first; everything else refers to it. */
	emit_proc();
	emit_allocator();
	ml_fds_emit_inherited();
	ml_modules_scan();

	memset(&inherit_thread, 0, sizeof inherit_thread);
	inherit_thread.idx = 0;
	ml_thread_refill(&inherit_thread);
	ml_record_inherited(&inherit_thread);
	struct ml_buf *b = atomic_load(&inherit_thread.buf);
	if (b) {
		ml_buf_seal(b, atomic_load(&inherit_thread.commit));
		ml_buf_submit(b);
	}
	ml_registry_lock();
	for (int i = 0; i < ML_TC_COUNT; i++)
		ml.retired[i] += atomic_load(&inherit_thread.counters[i]);
	ml_registry_unlock();

	if (self) {
		ml_thread_refill(self);
		struct ml_meta m;
		ml_meta_begin(&m, ML_META_THREAD_IDX, 32);
		m.p = ml_put_varint(m.p, self->idx);
		m.p = ml_put_varint(m.p, (uint64_t)self->tid);
		ml_meta_end(&m);
	}
	ml_snapshot(ML_SNAP_START, "start", 0, NULL);
	ml_flush_early();
	if (ctor_done)
		ml_writer_start();
	ml_tls.guard--;
}

/* ---------------------------------------------------------------- exec */

extern char **environ;

/* With --no-follow, the exec'd program must not load the tracer: copy the
 * environment without this library in LD_PRELOAD. Stack memory only. */
#define ENV_MAX 4096
struct env_copy {
	char *vec[ENV_MAX + 1];
	char preload[8192];
};

static char *const *env_without_tracer(char *const *envp, struct env_copy *c)
{
	if (ml.follow_exec || !envp)
		return envp;
	size_t n = 0, out = 0;
	for (; envp[n]; n++)
		if (n >= ENV_MAX)
			return envp;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0) {
			c->vec[out++] = envp[i];
			continue;
		}
		/* keep every other preloaded library */
		char *w = c->preload;
		size_t room = sizeof c->preload - 1;
		w += snprintf(w, room, "LD_PRELOAD=");
		const char *s = envp[i] + 11;
		while (*s) {
			size_t len = strcspn(s, ": ");
			if (len && !memmem(s, len, "libmemledger", 12) &&
			    (size_t)(w - c->preload) + len + 2 < room) {
				if (w[-1] != '=')
					*w++ = ':';
				memcpy(w, s, len);
				w += len;
			}
			s += len;
			while (*s == ':' || *s == ' ')
				s++;
		}
		*w = 0;
		c->vec[out++] = c->preload;
	}
	c->vec[out] = NULL;
	return c->vec;
}

/* Before exec: write an exec record and everything recorded so far. If
 * exec fails, tracing simply goes on. */
static void before_exec(const char *path)
{
	if (!ml_active() || ml_tls.guard || getpid() != ml.pid)
		return;
	ml_tls.guard++;
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_EXEC, 40 + PATH_MAX);
	m.p = ml_put_varint(m.p, ml_rdtsc());
	m.p = ml_put_str(m.p, path, PATH_MAX);
	ml_meta_end(&m);
	/* A sample, not an exit: if exec fails the process goes on. */
	ml_snapshot(ML_SNAP_SAMPLE, "sample", 0, NULL);
	if (ml_tls.t)
		ml_thread_refill(ml_tls.t);
	ml_meta_flush();
	ml_flush_all(0);
	ml_tls.guard--;
}

__attribute__((visibility("default")))
int execve(const char *path, char *const argv[], char *const envp[])
{
	ML_REAL(execve);
	struct env_copy c;
	struct k_sigaction setxid;
	before_exec(path);
	int changed = setxid_for_exec(&setxid);
	int rc = real_execve(path, argv, env_without_tracer(envp, &c));
	setxid_after_failed_exec(changed, &setxid);
	return rc;
}

__attribute__((visibility("default")))
int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

__attribute__((visibility("default")))
int execvpe(const char *file, char *const argv[], char *const envp[])
{
	ML_REAL(execvpe);
	struct env_copy c;
	struct k_sigaction setxid;
	before_exec(file);
	int changed = setxid_for_exec(&setxid);
	int rc = real_execvpe(file, argv, env_without_tracer(envp, &c));
	setxid_after_failed_exec(changed, &setxid);
	return rc;
}

__attribute__((visibility("default")))
int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

__attribute__((visibility("default")))
int fexecve(int fd, char *const argv[], char *const envp[])
{
	ML_REAL(fexecve);
	struct env_copy c;
	struct k_sigaction setxid;
	before_exec("(fexecve)");
	int changed = setxid_for_exec(&setxid);
	int rc = real_fexecve(fd, argv, env_without_tracer(envp, &c));
	setxid_after_failed_exec(changed, &setxid);
	return rc;
}

/* The execl family: gather the arguments on the stack, then exec. */
#define ARGS_MAX 4096
#define COLLECT_ARGS(first, ap, vec, n, extra)                      \
	do {                                                        \
		vec[0] = (char *)(first);                           \
		n = 1;                                              \
		while (vec[n - 1] && n < ARGS_MAX)                  \
			vec[n++] = va_arg(ap, char *);              \
		vec[n] = NULL;                                      \
		extra;                                              \
	} while (0)

__attribute__((visibility("default")))
int execl(const char *path, const char *arg, ...)
{
	char *vec[ARGS_MAX + 1];
	size_t n;
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, vec, n, (void)0);
	va_end(ap);
	return execve(path, vec, environ);
}

__attribute__((visibility("default")))
int execlp(const char *file, const char *arg, ...)
{
	char *vec[ARGS_MAX + 1];
	size_t n;
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, vec, n, (void)0);
	va_end(ap);
	return execvpe(file, vec, environ);
}

__attribute__((visibility("default")))
int execle(const char *path, const char *arg, ...)
{
	char *vec[ARGS_MAX + 1];
	char *const *envp;
	size_t n;
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, vec, n, envp = va_arg(ap, char *const *));
	va_end(ap);
	return execve(path, vec, envp);
}
