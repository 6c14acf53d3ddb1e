/*
 * threads.c - the thread registry and the pthread lifecycle hooks.
 *
 * Every thread that records gets an ml_thread (its buffer, counters and
 * identity), kept in one list that is only ever prepended to, so readers
 * may walk it without the lock. A thread's state is recycled only once
 * the kernel says the thread is gone (tgkill(tid, 0) fails with ESRCH):
 * glibc still calls free() after the last TLS destructor, so "the thread
 * said goodbye" is not "the thread will never record again".
 *
 * pthread_create is wrapped to learn the start function, the creating
 * stack and the stack size; join and detach are recorded so ingest can
 * tell running, joined, detached and exited-but-never-joined threads apart.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/lock.h"
#include "tracer/real.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"

static ml_lock_t registry_lock = ML_LOCK_INIT;
static struct ml_thread *_Atomic reg_head;
static pthread_key_t exit_key;
static int exit_key_ok;

static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_pthread_join)(pthread_t, void **);
static int (*real_pthread_tryjoin_np)(pthread_t, void **);
static int (*real_pthread_timedjoin_np)(pthread_t, void **, const struct timespec *);
static int (*real_pthread_clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
static int (*real_pthread_detach)(pthread_t);

void ml_registry_lock(void)
{
	ml_lock(&registry_lock);
}

void ml_registry_unlock(void)
{
	ml_unlock(&registry_lock);
}

static pid_t ml_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void ml_threads_foreach(void (*fn)(struct ml_thread *, void *), void *arg)
{
	ml_registry_lock();
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all)
		if (t->tid > 0)
			fn(t, arg);
	ml_registry_unlock();
}

void ml_threads_foreach_unlocked(void (*fn)(struct ml_thread *, void *), void *arg)
{
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all)
		if (t->tid > 0)
			fn(t, arg);
}

/* ---------------------------------------------------------------- stack ranges */

/* The main thread's stack: the [stack] line of /proc/self/maps, read with
 * system calls (no stdio, no allocation, not the program's open). */
static void main_stack_range(uintptr_t *lo, uintptr_t *hi)
{
	char buf[8192];
	int fd = ml_sys_open_read("/proc/self/maps");
	*lo = *hi = 0;
	if (fd < 0)
		return;
	size_t have = 0;
	for (;;) {
		long n = ml_sys_read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (strstr(line, "[stack]")) {
				char *end;
				*lo = strtoul(line, &end, 16);
				*hi = strtoul(end + 1, NULL, 16);
				ml_sys_close(fd);
				return;
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	ml_sys_close(fd);
}

static void thread_stack_range(struct ml_thread *t, int is_main)
{
	if (is_main) {
		/* The main stack grows on demand: reach as far as its limit
		 * allows (at most 64 MiB); resident_bytes() stops where the
		 * mapping ends. */
		struct rlimit rl;
		main_stack_range(&t->stack_lo, &t->stack_hi);
		uint64_t max = 64u << 20;
		if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
			max = rl.rlim_cur;
		if (t->stack_hi > max && t->stack_hi - max < t->stack_lo)
			t->stack_lo = t->stack_hi - max;
		return;
	}
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int rc;
	ML_INTERNAL(rc = pthread_getattr_np(pthread_self(), &attr));
	if (rc != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		t->stack_lo = (uintptr_t)addr;
		t->stack_hi = (uintptr_t)addr + size;
	}
	ML_INTERNAL(pthread_attr_destroy(&attr));
}

/* ---------------------------------------------------------------- registration */

static void key_destructor(void *arg);

/* A free registry entry (or a new one), marked reserved. Registry lock
 * held by the caller. */
static struct ml_thread *entry_take(void)
{
	struct ml_thread *t = NULL;
	for (struct ml_thread *c = atomic_load(&reg_head); c; c = c->next_all)
		if (!c->tid) {
			t = c;
			break;
		}
	int fresh = !t;
	if (fresh && !(t = ml_arena_alloc(sizeof *t)))
		return NULL;
	struct ml_thread *next = t->next_all;
	struct ml_ucache *uc = t->ucache;
	memset(t, 0, sizeof *t);
	t->next_all = next;
	t->ucache = uc;
	atomic_store(&t->tid, ML_TID_RESERVED);
	if (fresh) {
		t->next_all = atomic_load(&reg_head);
		atomic_store(&reg_head, t);
	}
	return t;
}

/* Give entry t the pthread_t value th. glibc hands a pthread_t to a new
 * thread only once its previous holder has been joined, or detached and
 * ended; an entry that still shows the value belongs to such a holder
 * whose joiner has not settled it yet (see entry_of), and loses the value
 * here, so a lookup of th finds the new thread alone. That joiner found
 * its entry before the join and does not look it up again. */
static void entry_claim_self(struct ml_thread *t, pthread_t th)
{
	ml_registry_lock();
	for (struct ml_thread *c = atomic_load(&reg_head); c; c = c->next_all)
		if (c != t && c->tid && !c->settled && pthread_equal(c->self, th))
			c->self = 0;
	t->self = th;
	ml_registry_unlock();
}

/* Make entry t the calling thread's state. */
static struct ml_thread *thread_adopt(struct ml_thread *t)
{
	t->idx = atomic_fetch_add(&ml.next_thread_idx, 1);
	entry_claim_self(t, pthread_self());
	atomic_store(&t->tid, ml_gettid());
	thread_stack_range(t, t->tid == getpid());
	ml_tls.t = t;
	if (exit_key_ok)
		ML_INTERNAL(pthread_setspecific(exit_key, t));

	struct ml_meta m;
	ml_meta_begin(&m, ML_META_THREAD_IDX, 32);
	m.p = ml_put_varint(m.p, t->idx);
	m.p = ml_put_varint(m.p, (uint64_t)t->tid);
	ml_meta_end(&m);

	ml_thread_refill(t);
	return t;
}

struct ml_thread *ml_thread_register(void)
{
	if (ml_tls.t)
		return ml_tls.t;
	if (atomic_load(&ml.finished))
		return NULL;
	ml_guard_enter();
	ml_registry_lock();
	struct ml_thread *t = entry_take();
	ml_registry_unlock();
	if (t)
		thread_adopt(t);
	ml_guard_leave();
	return t;
}

void ml_thread_exit_record(struct ml_thread *t)
{
	if (t->exited)
		return;
	t->exited = 1;
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_THREAD_EXIT, 32);
	m.p = ml_put_varint(m.p, (uint64_t)t->tid);
	m.p = ml_put_varint(m.p, ml_rdtsc());
	ml_meta_end(&m);
}

/* Called by glibc when a thread that recorded ends. */
static void key_destructor(void *arg)
{
	struct ml_thread *t = arg;
	if (!t || !ml_active())
		return;
	ml_guard_enter();
	ml_thread_exit_record(t);
	ml_guard_leave();
}

/* Writer round: take back the state of threads the kernel has reaped.
 * Their buffer is written and returned at once; the entry itself stays
 * until the thread is joined or detached, because a later pthread_join
 * still has to find it. */
void ml_threads_reap(void)
{
	pid_t pid = getpid();
	ml_registry_lock();
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all) {
		if (t->tid <= 0 || !t->exited)
			continue;
		if (syscall(SYS_tgkill, pid, t->tid, 0) == 0 || errno != ESRCH)
			continue;
		struct ml_buf *b = atomic_load(&t->buf);
		uint64_t commit = atomic_load(&t->commit);
		if (b) {
			if (commit) {
				ml_buf_seal(b, commit);
				ml_buf_submit(b);
			} else {
				ml_buf_put(b);
			}
			atomic_store(&t->buf, NULL);
			t->w[0] = t->w[1] = t->w[2] = NULL;
			atomic_store(&t->lim0, NULL);
		}
		if (!t->settled)
			continue;
		for (int i = 0; i < ML_TC_COUNT; i++)
			ml.retired[i] += atomic_load(&t->counters[i]);
		t->tid = 0;  /* free for reuse */
	}
	ml_registry_unlock();
}

/* ---------------------------------------------------------------- counters */

void ml_counters_sum(uint64_t out[ML_TC_COUNT])
{
	ml_registry_lock();
	for (int i = 0; i < ML_TC_COUNT; i++)
		out[i] = ml.retired[i];
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all)
		if (t->tid > 0)
			for (int i = 0; i < ML_TC_COUNT; i++)
				out[i] += atomic_load_explicit(&t->counters[i], memory_order_relaxed);
	ml_registry_unlock();
}

int ml_threads_live(void)
{
	int n = 0;
	ml_registry_lock();
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all)
		if (t->tid > 0 && !t->exited)
			n++;
	ml_registry_unlock();
	return n;
}

/* Resident bytes of [lo, hi), counted with mincore from the top down in
 * chunks of `pages`. Counting stops at the first chunk that is not fully
 * mapped, which for the main thread is where its stack ends. */
static uint64_t resident_bytes(uintptr_t lo, uintptr_t hi, unsigned pages)
{
	unsigned char vec[256];
	const uintptr_t chunk = (uintptr_t)pages * 4096;
	uint64_t bytes = 0;
	lo &= ~(uintptr_t)4095;
	hi &= ~(uintptr_t)4095;
	while (hi > lo) {
		uintptr_t a = hi - lo > chunk ? hi - chunk : lo;
		if (mincore((void *)a, hi - a, vec) != 0)
			break;
		for (uintptr_t i = 0; i < (hi - a) / 4096; i++)
			bytes += (vec[i] & 1) ? 4096 : 0;
		hi = a;
	}
	return bytes;
}

/* Stacks still allocated: those of live threads, and of threads that
 * ended but were never joined or detached (glibc frees a stack only then;
 * on exit it hands most of the pages back, but not the part in use). */
uint64_t ml_stack_bytes(void)
{
	uint64_t sum = 0;
	ml_registry_lock();
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all) {
		if (t->tid <= 0 || (t->exited && t->settled) || !t->stack_hi)
			continue;
		int is_main = t->tid == ml.pid;
		sum += resident_bytes(t->stack_lo, t->stack_hi, is_main ? 16 : 256);
	}
	ml_registry_unlock();
	return sum;
}

/* ---------------------------------------------------------------- pthread hooks */

struct start_info {
	void *(*fn)(void *);
	void *arg;
	uint32_t stack;
	pid_t creator;
	uint64_t tsc;
	uint64_t stack_size;
	int detached;
	struct ml_thread *entry;   /* reserved by the creator */
	struct start_info *next;
};

static ml_lock_t info_lock = ML_LOCK_INIT;
static struct start_info *info_pool;

static struct start_info *info_get(void)
{
	ml_lock(&info_lock);
	struct start_info *s = info_pool;
	if (s)
		info_pool = s->next;
	ml_unlock(&info_lock);
	return s ? s : ml_arena_alloc(sizeof *s);
}

static void info_put(struct start_info *s)
{
	ml_lock(&info_lock);
	s->next = info_pool;
	info_pool = s;
	ml_unlock(&info_lock);
}

void ml_threads_info_lock(void)
{
	ml_lock(&info_lock);
}

void ml_threads_info_unlock(void)
{
	ml_unlock(&info_lock);
}

static void resolve_pthread(void)
{
	if (real_pthread_create)
		return;
	real_pthread_join = ml_dlsym_next("pthread_join");
	real_pthread_tryjoin_np = ml_dlsym_next("pthread_tryjoin_np");
	real_pthread_timedjoin_np = ml_dlsym_next("pthread_timedjoin_np");
	real_pthread_clockjoin_np = ml_dlsym_next("pthread_clockjoin_np");
	real_pthread_detach = ml_dlsym_next("pthread_detach");
	void *c = ml_dlsym_next("pthread_create");
	atomic_store((_Atomic(void *) *)(void *)&real_pthread_create, c);
}

void ml_threads_init(void)
{
	resolve_pthread();
	int rc;
	ML_INTERNAL(rc = pthread_key_create(&exit_key, key_destructor));
	if (rc == 0)
		exit_key_ok = 1;
}

int ml_real_pthread_create(pthread_t *th, const pthread_attr_t *attr,
                           void *(*fn)(void *), void *arg)
{
	resolve_pthread();
	return real_pthread_create ? real_pthread_create(th, attr, fn, arg) : EAGAIN;
}

static void thread_start_record(struct ml_thread *t, const struct start_info *si)
{
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_THREAD_START, 96);
	uint8_t *p = m.p;
	p = ml_put_varint(p, (uint64_t)t->tid);
	p = ml_put_varint(p, (uint64_t)si->creator);
	p = ml_put_varint(p, si->tsc);
	p = ml_put_varint(p, (uintptr_t)si->fn);
	p = ml_put_varint(p, si->stack);
	p = ml_put_varint(p, t->stack_hi > t->stack_lo ? t->stack_hi - t->stack_lo : si->stack_size);
	p = ml_put_varint(p, (uint64_t)si->detached);
	m.p = p;
	ml_meta_end(&m);
}

static void *thread_trampoline(void *arg)
{
	struct start_info si = *(struct start_info *)arg;
	info_put(arg);
	if (ml_active() && si.entry && !ml_tls.t) {
		ml_guard_enter();
		struct ml_thread *t = thread_adopt(si.entry);
		/* A detach that came before this thread had a tid is ours to
		 * report (see pthread_detach). */
		if (atomic_load(&t->detach_req))
			si.detached = 1;
		thread_start_record(t, &si);
		ml_guard_leave();
	} else if (si.entry) {
		atomic_store(&si.entry->tid, 0);  /* not tracing: give the entry back */
	}
	return si.fn(si.arg);
}

EXPORT
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	resolve_pthread();
	if (!real_pthread_create)
		return EAGAIN;
	if (ml_guarded() || !ml_active())
		return real_pthread_create(th, attr, fn, arg);
	ml_guard_enter();
	struct start_info *si = info_get();
	if (!si) {
		ml_guard_leave();
		return real_pthread_create(th, attr, fn, arg);
	}
	si->fn = fn;
	si->arg = arg;
	si->stack = ml_stack_capture();
	si->creator = ml_gettid();
	si->tsc = ml_rdtsc();
	si->detached = 0;
	si->stack_size = 0;
	if (attr) {
		int ds;
		size_t sz;
		if (pthread_attr_getdetachstate(attr, &ds) == 0)
			si->detached = ds == PTHREAD_CREATE_DETACHED;
		if (pthread_attr_getstacksize(attr, &sz) == 0)
			si->stack_size = sz;
	}
	/* The entry exists before the thread runs, so a join or detach that
	 * comes first still finds it by its pthread_t. */
	ml_registry_lock();
	struct ml_thread *entry = si->entry = entry_take();
	if (entry)
		entry->settled = si->detached;
	int detached = si->detached;
	ml_registry_unlock();
	ml_guard_leave();
	/* From here on si belongs to the new thread, which returns it to the
	 * pool and may already have done so: another pthread_create may be
	 * filling it. Only the copies above are ours. */
	int rc = real_pthread_create(th, attr, thread_trampoline, si);
	if (rc != 0) {
		if (entry)
			atomic_store(&entry->tid, 0);
		info_put(si);
	} else if (entry && !detached) {
		/* (A detached thread names itself when it starts: its entry
		 * may be recycled as soon as it ends, even before we get
		 * here.) */
		entry_claim_self(entry, *th);
	}
	return rc;
}

/* The registered thread that a pthread_t names now: the entry with that
 * value that is not joined or detached yet.
 *
 * Call it BEFORE the join or detach. glibc hands a joined thread's
 * pthread_t (its cached stack) to the next pthread_create at once, in any
 * thread; looked up after pthread_join returned, the value may already name
 * a newer thread, whose entry would then be settled in place of the one
 * really joined (which stayed "exited-unjoined"). Before the call, the
 * target is neither joined nor detached, and entry_claim_self took the
 * value from every earlier holder, so it names the target alone. */
static struct ml_thread *entry_of(pthread_t th)
{
	struct ml_thread *found = NULL;
	ml_registry_lock();
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all) {
		if (t->tid && !t->settled && pthread_equal(t->self, th)) {
			found = t;
			break;
		}
	}
	ml_registry_unlock();
	return found;
}

/* Mark t settled (joined or detached) and return its tid, read under the
 * lock: once settled, the writer may recycle the entry for another thread
 * as soon as the kernel has reaped this one. */
static pid_t entry_settle(struct ml_thread *t)
{
	ml_registry_lock();
	t->settled = 1;
	pid_t tid = atomic_load(&t->tid);
	ml_registry_unlock();
	return tid;
}

static void lifecycle_record(int type, pid_t tid)
{
	if (tid <= 0 || !ml_active())
		return;
	ml_guard_enter();
	struct ml_meta m;
	ml_meta_begin(&m, type, 48);
	m.p = ml_put_varint(m.p, (uint64_t)tid);
	m.p = ml_put_varint(m.p, (uint64_t)ml_gettid());
	m.p = ml_put_varint(m.p, ml_rdtsc());
	ml_meta_end(&m);
	ml_guard_leave();
}

/* The entry is looked up before the real call (see entry_of), never
 * after it: by then the value may name a newer thread. */
#define JOIN_HOOK(name, params, args)                                  \
	EXPORT int name params                                 \
	{                                                              \
		resolve_pthread();                                     \
		if (!real_##name)                                      \
			return ENOSYS;                                 \
		struct ml_thread *t = ml_active() ? entry_of(th) : NULL; \
		int rc = real_##name args;                             \
		if (rc == 0 && t && ml_active())                       \
			lifecycle_record(ML_META_THREAD_JOIN, entry_settle(t)); \
		return rc;                                             \
	}

JOIN_HOOK(pthread_join, (pthread_t th, void **ret), (th, ret))
JOIN_HOOK(pthread_tryjoin_np, (pthread_t th, void **ret), (th, ret))
JOIN_HOOK(pthread_timedjoin_np, (pthread_t th, void **ret, const struct timespec *ts), (th, ret, ts))
JOIN_HOOK(pthread_clockjoin_np, (pthread_t th, void **ret, clockid_t c, const struct timespec *ts),
          (th, ret, c, ts))

EXPORT int pthread_detach(pthread_t th)
{
	resolve_pthread();
	if (!real_pthread_detach)
		return ENOSYS;
	/* Settled before the real call: once detached, the thread may end
	 * and its pthread_t name a new thread at any moment. A detach that
	 * fails names a thread already joined or detached, whose entry is
	 * settled anyway. detach_req is stored before the tid is read, and
	 * the thread stores its tid before reading detach_req, so at least
	 * one side reports the detach (both may, which is harmless). */
	struct ml_thread *t = NULL;
	if (ml_active())
		t = ml_tls.t && pthread_equal(th, pthread_self()) ? ml_tls.t : entry_of(th);
	pid_t tid = 0;
	if (t) {
		atomic_store(&t->detach_req, 1);
		tid = entry_settle(t);
	}
	int rc = real_pthread_detach(th);
	if (rc == 0)
		lifecycle_record(ML_META_THREAD_DETACH, tid);
	return rc;
}

/* ---------------------------------------------------------------- fork */

/* In a forked child only the forking thread survives: every other state
 * is freed, and the survivor starts over with a new index. */
void ml_threads_reset_for_child(struct ml_thread *self)
{
	for (struct ml_thread *t = atomic_load(&reg_head); t; t = t->next_all) {
		if (!t->tid)
			continue;
		if (t->tid < 0) {
			t->tid = 0;  /* reserved by a thread that does not exist here */
			continue;
		}
		struct ml_buf *b = atomic_load(&t->buf);
		if (b)
			ml_buf_put(b);
		atomic_store(&t->buf, NULL);
		t->w[0] = t->w[1] = t->w[2] = NULL;
		atomic_store(&t->lim0, NULL);
		if (t != self)
			t->tid = 0;
	}
	for (int i = 0; i < ML_TC_COUNT; i++)
		ml.retired[i] = 0;
	if (!self)
		return;
	for (int i = 0; i < ML_TC_COUNT; i++)
		atomic_store(&self->counters[i], 0);
	self->tid = ml_gettid();
	self->idx = atomic_fetch_add(&ml.next_thread_idx, 1);
	self->seq = 0;
	self->tick = 0;
	self->exited = 0;
}
