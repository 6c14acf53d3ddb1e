/*
 * lifecycle.c - bringing the tracer up and down with the process:
 * initialisation on the first allocator call, the constructor and
 * destructor, and exit/_exit/_Exit/quick_exit. Fatal signals are in
 * signals.c, fork in fork.c, exec in exec.c, unshare/setns in
 * namespaces.c; the global state they all share is in state.c.
 *
 * Every way out of a process that the process takes itself (exit, _exit,
 * quick_exit, a fault, abort) ends its trace with an ML_META_END record
 * (ml_finish), exec with an ML_META_EXEC record, and the stream is
 * flushed, so that ingest can tell an exit from a crash from a kill from
 * outside (no end record: 'truncated'). See signals.c for why kills from
 * outside are not caught, and "the allocator" below for the check that
 * the hooks are the ones the program calls.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/fds.h"
#include "tracer/fork.h"
#include "tracer/hooks.h"
#include "tracer/lifecycle.h"
#include "tracer/modules.h"
#include "tracer/real.h"
#include "tracer/scan.h"
#include "tracer/signals.h"
#include "tracer/snapshot.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

static atomic_int finish_claimed;
static int ctor_done;

/* ---------------------------------------------------------------- config */

long ml_env_long(const char *name, long def, long lo, long hi)
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
	ml.interval_ns = ml_env_long("MEMLEDGER_INTERVAL", ML_DEFAULT_INTERVAL_MS, 1, 3600000) * 1000000L;
	ml.depth = (int)ml_env_long("MEMLEDGER_DEPTH", ML_DEFAULT_DEPTH, 1, ML_MAX_DEPTH);
	ml.follow_exec = (int)ml_env_long("MEMLEDGER_FOLLOW", 1, 0, 1);
	ml.sample_bytes = (uint64_t)ml_env_long("MEMLEDGER_SAMPLE_BYTES", 0, 0, LONG_MAX);
}

/* Under --no-follow only the first image of the root process traces. */
static int should_trace(void)
{
	if (ml_env_long("MEMLEDGER_DISABLE", 0, 0, 1))
		return 0;
	if (ml.follow_exec)
		return 1;
	long root = ml_env_long("MEMLEDGER_ROOT_PID", 0, 0, INT_MAX);
	if (root && root != getpid())
		return 0;
	const char *trace = getenv("MEMLEDGER_TRACE");
	if (root && trace && access(trace, F_OK) == 0)
		return 0;  /* the root's trace exists: this image was exec'd */
	return 1;
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

void ml_emit_allocator(void)
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
	int fd = ml_sys_open_read("/proc/self/cmdline");
	if (fd < 0)
		return NULL;
	size_t n = 0, size = 64 * 1024;
	char *buf = ml_map(size);
	while (buf) {
		long r = ml_sys_read(fd, buf + n, size - n);
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
	ml_sys_close(fd);
	if (!buf)
		return NULL;
	*len = n;
	*cap = size;
	return buf;
}

/* The process record: who we are, when we started, how we trace. The
 * command line is recorded whole, however long. */
void ml_emit_proc(void)
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

static void do_init(void)
{
	if (ml_real_resolve() < 0) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	read_config();
	if (!should_trace()) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	ml.pid = getpid();
	ml_clock_start();
	ml_modules_find_self();
	/* libunwind starts up here: what it opens is the tracer's own */
	ML_INTERNAL(ml_stacks_init());
	ml_threads_init();
	atomic_store(&ml.next_thread_idx, 1);  /* 0 is the inherited blocks of a forked child */
	if (ml_sink_open_as(0) < 0) {
		atomic_store(&ml.state, ML_OFF);
		return;
	}
	ml_emit_proc();
	allocator_check();
	ml_emit_allocator();
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
	if (ml_guarded())
		return 0;
	int expect = ML_UNINIT;
	if (!atomic_compare_exchange_strong(&ml.state, &expect, ML_INITIALIZING)) {
		while (atomic_load(&ml.state) == ML_INITIALIZING)
			sched_yield();
		return ml_active();
	}
	ml_guard_enter();
	do_init();
	ml_guard_leave();
	return ml_active();
}


__attribute__((constructor)) static void ml_constructor(void)
{
	ml_init_slow();
	if (!ml_active())
		return;
	ml_guard_enter();
	ml_fork_install();
	ml_signals_install();
	ml_fds_init();
	ctor_done = 1;
	/* The file exists, with the process record, before main runs: a
	 * process killed at once still leaves a trace that loads. */
	ml_flush_early();
	ml_setxid_note();
	ml_writer_start();
	ml_guard_leave();
}

/* ---------------------------------------------------------------- finish */

/* Write a record of type dated now, and mark the clock there: every event
 * after it is dated after it. */
static void meta_mark_now(int type)
{
	uint64_t tsc = ml_rdtsc();
	struct ml_meta m;
	ml_meta_begin(&m, type, 16);
	m.p = ml_put_varint(m.p, tsc);
	ml_meta_end(&m);
	ml_clock_fence();
	ml_mark(tsc);
}

typedef void (*freeres_fn)(void);

/* Release what the C and C++ runtimes keep for the life of the process,
 * as valgrind does, so it is neither counted as a leak nor left live.
 * Only when no other thread can be using it. */
static void run_freeres(void)
{
	if (ml_env_long("MEMLEDGER_FREERES", 1, 0, 1) == 0 || ml_threads_live() > 1)
		return;
	freeres_fn cxx = (freeres_fn)ml_dlsym_default("_ZN9__gnu_cxx9__freeresEv");
	freeres_fn libc = (freeres_fn)ml_dlsym_default("__libc_freeres");
	/* dated before the frees it causes */
	meta_mark_now(ML_META_FREERES);
	if (cxx)
		cxx();
	if (libc)
		libc();
	atomic_store(&ml.freeres_called, 1);
}

/*
 * The one way a trace ends (lifecycle.h). The runtimes' clean-up is the
 * program's own work: it runs with the guard set aside, so its frees are
 * recorded even when the trace ends from inside the tracer.
 */
void ml_finish(int how, int code, int allow_freeres)
{
	int expect = 0;
	if (!atomic_compare_exchange_strong(&finish_claimed, &expect, 1))
		return;
	if (!ml_active())
		return;
	if (how == ML_END_EXIT && allow_freeres) {
		int saved = ml_guard_suspend();
		run_freeres();
		ml_guard_restore(saved);
	}
	ml_guard_enter();
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
	ml_guard_leave();
}

void ml_finish_rearm(void)
{
	atomic_store(&finish_claimed, 0);
}

int ml_ctor_done(void)
{
	return ctor_done;
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
	if (!ml_active() || ml_guarded() || atomic_exchange(&done, 1))
		return;
	ml_guard_enter();
	meta_mark_now(ML_META_EXIT_BEGIN);
	ml_guard_leave();
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
EXPORT
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
	                        void (*)(void), void *);
	start_fn real = (start_fn)ml_dlsym_next("__libc_start_main");
	real_main = main;
	return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

EXPORT __attribute__((noreturn)) void exit(int code)
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

EXPORT __attribute__((noreturn)) void _exit(int code)
{
	finish_before_fast_exit(code);
	syscall(SYS_exit_group, code);
	__builtin_unreachable();
}

EXPORT __attribute__((noreturn)) void _Exit(int code)
{
	finish_before_fast_exit(code);
	syscall(SYS_exit_group, code);
	__builtin_unreachable();
}

EXPORT __attribute__((noreturn)) void quick_exit(int code)
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
