/*
 * snapshot.c - snapshots of the memory counters, the public API
 * (memledger_snapshot, memledger_print_stats, memledger_snapshot_flags)
 * and malloc_trim, the native counterpart of a GC run.
 *
 * A snapshot sums the per-thread counters (exact when other threads are
 * quiet; otherwise a consistent-enough read of a moving target), reads
 * mallinfo2 for the allocator's view, RSS from /proc/self/statm, stack
 * residency with mincore, and the process CPU time. Samples are the same
 * record taken by the writer every interval.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MEMLEDGER_IMPLEMENTATION
#include "memledger.h"
#include "format/memstats.h"
#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/hooks.h"
#include "tracer/lock.h"
#include "tracer/maps.h"
#include "tracer/real.h"
#include "tracer/scan.h"
#include "tracer/snapshot.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

_Static_assert(((ML_SNAP_FROM_SIGNAL | ML_SNAP_BY_WRITER | ML_SNAP_EXTERNAL) & MEMLEDGER_SCAN) == 0,
               "private snapshot flags overlap the public ones");


struct ml_snapshot_values {
	uint64_t f[ML_SF_COUNT];
	uint64_t tsc;
	int64_t ns;
	unsigned seq;
};

static int64_t cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The process's resident set, from /proc/self/statm, through system
 * calls rather than the program's open() and read() (which it may have
 * replaced, and which maps.c and fds.c watch). The descriptor this needs
 * must not appear in the program's table: the writer thread, which has a
 * table of its own, reads it on request; only without a writer (before
 * it starts, after fork, in a fatal-signal handler) does the calling
 * thread open it, for the moment of one read.
 */
uint64_t ml_statm_rss(void)
{
	char buf[128];
	int fd = ml_sys_open_read("/proc/self/statm");
	long n = fd < 0 ? -1 : ml_sys_read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		ml_sys_close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = buf;
	while (*p >= '0' && *p <= '9')          /* size */
		p++;
	while (*p == ' ')
		p++;
	uint64_t pages = 0;
	for (; *p >= '0' && *p <= '9'; p++)     /* resident */
		pages = pages * 10 + (uint64_t)(*p - '0');
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t rss_bytes(void)
{
	uint64_t v;
	return ml_writer_rss(&v) == 0 ? v : ml_statm_rss();
}

static void calibrate(uint64_t tsc, int64_t mono)
{
	int64_t dns = mono - ml.mono0_ns;
	if (dns > 1000000 && tsc > ml.tsc0)
		ml.tsc_per_ns = (double)(tsc - ml.tsc0) / (double)dns;
}


/*
 * The writer thread's CPU time: the tracer's work (deflating, writing,
 * sampling), not the program's. The writer reads its own clock at each
 * sample; a writer restarted as a new thread adds to what the old one
 * used, and a forked child starts from nothing, as its CPU clock does.
 */
static atomic_ullong writer_cpu;
static pid_t writer_tid, writer_pid;
static uint64_t writer_base, writer_last;
static clockid_t writer_clock;
static atomic_int writer_clock_ok;

static uint64_t clock_ns(clockid_t c, int *ok)
{
	struct timespec ts;
	*ok = clock_gettime(c, &ts) == 0;
	return *ok ? (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec : 0;
}

static void writer_cpu_update(void)
{
	int ok;
	uint64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID, &ok);
	if (!ok)
		return;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	if (writer_pid != ml.pid) {
		writer_pid = ml.pid;
		writer_base = 0;
	} else if (tid != writer_tid) {
		writer_base += writer_last;
	}
	if (tid != writer_tid) {
		atomic_store(&writer_clock_ok, 0);
		if (pthread_getcpuclockid(pthread_self(), &writer_clock) == 0)
			atomic_store(&writer_clock_ok, 1);
	}
	writer_tid = tid;
	writer_last = now;
	atomic_store_explicit(&writer_cpu, writer_base + writer_last, memory_order_relaxed);
}

/* The writer's CPU time now: its clock read from this thread (a sample
 * may be 20 ms old, which is much in a short run), else the last sample. */
static uint64_t writer_cpu_now(void)
{
	uint64_t last = atomic_load_explicit(&writer_cpu, memory_order_relaxed);
	int ok = 0;
	if (atomic_load(&writer_clock_ok)) {
		uint64_t now = clock_ns(writer_clock, &ok);
		if (ok && writer_base + now > last)
			return writer_base + now;
	}
	return last;
}

/* Sampled cycles to ns. The sums may be negative early on (hooks.c,
 * fence_cost): read as 0. */
static uint64_t cycles_ns(uint64_t cycles)
{
	if ((int64_t)cycles <= 0 || ml.tsc_per_ns <= 0)
		return 0;
	return (uint64_t)((double)cycles / ml.tsc_per_ns);
}

/* CPU ns of the tracer's own work: its sampled recording time, its
 * writer thread, its scans. */
static uint64_t tracer_cpu_ns(const uint64_t *c)
{
	uint64_t ns = cycles_ns(c[ML_TC_TRACER_CYCLES]);
	if (writer_pid == ml.pid)
		ns += writer_cpu_now();
	return ns + ml_scan_total_ns();
}

/*
 * The tracer's own resident memory. Counting it walks every mapping the
 * tracer made with mincore, which for a tracer holding a gigabyte takes
 * milliseconds: a periodic sample reuses the last count unless 100 times
 * that count's cost has passed since, so it never takes more than 1% of
 * the sampling thread. Every other snapshot counts afresh.
 */
static atomic_ullong own_last, own_cost_ns;
static atomic_llong own_at_ns;

static uint64_t own_bytes(int kind)
{
	int64_t t0 = ml_mono_ns();
	int64_t at = atomic_load_explicit(&own_at_ns, memory_order_relaxed);
	if (kind == ML_SNAP_SAMPLE && at &&
	    t0 - at < 100 * (int64_t)atomic_load_explicit(&own_cost_ns, memory_order_relaxed))
		return atomic_load_explicit(&own_last, memory_order_relaxed);
	uint64_t v = ml_own_resident();
	int64_t t1 = ml_mono_ns();
	atomic_store_explicit(&own_last, v, memory_order_relaxed);
	atomic_store_explicit(&own_cost_ns, (uint64_t)(t1 - t0), memory_order_relaxed);
	atomic_store_explicit(&own_at_ns, t1, memory_order_relaxed);
	return v;
}

static void sum_one(struct ml_thread *t, void *arg)
{
	uint64_t *c = arg;
	for (int i = 0; i < ML_TC_COUNT; i++)
		c[i] += atomic_load_explicit(&t->counters[i], memory_order_relaxed);
}

unsigned ml_snapshot(int kind, const char *label, unsigned flags, struct ml_snapshot_values *out)
{
	struct ml_snapshot_values v;
	uint64_t c[ML_TC_COUNT];
	int from_signal = (flags & ML_SNAP_FROM_SIGNAL) != 0;
	memset(&v, 0, sizeof v);
	if (from_signal) {
		/* no locks in a fatal-signal handler */
		for (int i = 0; i < ML_TC_COUNT; i++)
			c[i] = ml.retired[i];
		ml_threads_foreach_unlocked(sum_one, c);
	} else {
		ml_counters_sum(c);
	}
	v.tsc = ml_rdtsc();
	int64_t mono = ml_mono_ns();
	calibrate(v.tsc, mono);
	v.ns = mono - ml.mono0_ns;
	v.f[ML_SF_MALLOCS] = c[ML_TC_MALLOCS];
	v.f[ML_SF_FREES] = c[ML_TC_FREES];
	v.f[ML_SF_TOTAL_ALLOC] = c[ML_TC_BYTES];
	v.f[ML_SF_FREED_BYTES] = c[ML_TC_FREED];
	v.f[ML_SF_UNKNOWN_FREES] = c[ML_TC_UNKNOWN];
	v.f[ML_SF_TRIM_CALLS] = atomic_load(&ml.trim_calls);
	v.f[ML_SF_ALLOC_CPU_NS] = cycles_ns(c[ML_TC_ALLOC_CYCLES]);
	if (flags & ML_SNAP_BY_WRITER)
		writer_cpu_update();
	v.f[ML_SF_CPU_NS] = (uint64_t)cpu_ns();
	v.f[ML_SF_TRACER_CPU_NS] = tracer_cpu_ns(c);
	v.f[ML_SF_RSS] = rss_bytes();
	v.f[ML_SF_TRACER_BYTES] = own_bytes(kind);
	if (!from_signal) {
		struct mallinfo2 mi = mallinfo2();
		v.f[ML_SF_STACK_INUSE] = ml_stack_bytes();
		v.f[ML_SF_THREADS] = (uint64_t)ml_threads_live();
		v.f[ML_SF_ARENA] = mi.arena;
		v.f[ML_SF_HBLKHD] = mi.hblkhd;
		v.f[ML_SF_UORDBLKS] = mi.uordblks;
		v.f[ML_SF_FORDBLKS] = mi.fordblks;
		v.f[ML_SF_KEEPCOST] = mi.keepcost;
		v.f[ML_SF_SYS_OTHER] = ml_maps_bytes();
	}
	v.seq = atomic_fetch_add(&ml.snapshot_seq, 1);
	ml_clock_fence();
	if (kind != ML_SNAP_SAMPLE && !from_signal)
		ml_mark(v.tsc);

	struct ml_meta m;
	ml_meta_begin(&m, ML_META_SNAPSHOT, 64 + ML_LABEL_MAX + ML_SF_COUNT * 10);
	uint8_t *p = m.p;
	p = ml_put_varint(p, v.seq);
	p = ml_put_varint(p, (uint64_t)kind);
	p = ml_put_varint(p, (flags & MEMLEDGER_SCAN ? 1 : 0) | (from_signal ? 2 : 0) |
	                     (flags & ML_SNAP_EXTERNAL ? 4 : 0));
	p = ml_put_varint(p, v.tsc);
	p = ml_put_varint(p, (uint64_t)v.ns);
	p = ml_put_str(p, label, ML_LABEL_MAX);
	p = ml_put_varint(p, ML_SF_COUNT);
	for (int i = 0; i < ML_SF_COUNT; i++)
		p = ml_put_varint(p, v.f[i]);
	m.p = p;
	ml_meta_end(&m);
	if (out)
		*out = v;
	return v.seq;
}

/* ---------------------------------------------------------------- API */

static void to_memstats(const struct ml_snapshot_values *v, const char *label,
                        struct ml_memstats *s)
{
	memset(s, 0, sizeof *s);
	s->label = label;
	s->ts_ns = v->ns;
	s->alloc = (int64_t)(v->f[ML_SF_TOTAL_ALLOC] - v->f[ML_SF_FREED_BYTES]);
	s->total_alloc = (int64_t)v->f[ML_SF_TOTAL_ALLOC];
	s->sys = ml_counters_sys(v->f);
	s->heap_inuse = (int64_t)(v->f[ML_SF_UORDBLKS] + v->f[ML_SF_HBLKHD]);
	s->heap_idle = (int64_t)v->f[ML_SF_FORDBLKS];
	s->heap_released = -1;
	s->stack_inuse = (int64_t)v->f[ML_SF_STACK_INUSE];
	s->mallocs = (int64_t)v->f[ML_SF_MALLOCS];
	s->frees = (int64_t)v->f[ML_SF_FREES];
	s->heap_objects = s->live = s->mallocs - s->frees;
	s->num_gc = -1;
	s->trim_calls = (int64_t)v->f[ML_SF_TRIM_CALLS];
	s->rss = (int64_t)v->f[ML_SF_RSS];
	s->threads = (int64_t)v->f[ML_SF_THREADS];
	s->alloc_cpu_fraction = ml_counters_alloc_share(v->f);
	s->gc_cpu_fraction = -1;
}

static ml_lock_t print_lock = ML_LOCK_INIT;
static struct ml_snapshot_values print_prev;
static char print_prev_label[ML_LABEL_MAX + 1];
static int print_have_prev;

static unsigned user_snapshot(const char *label, unsigned flags, struct ml_snapshot_values *v)
{
	if (!label)
		label = "";
	return ml_snapshot(ML_SNAP_USER, label, flags & MEMLEDGER_SCAN, v);
}

EXPORT void memledger_snapshot_flags(const char *label, unsigned flags)
{
	if (!ml_active() || ml_guarded())
		return;
	ml_guard_enter();
	unsigned seq = user_snapshot(label, flags, NULL);
	if (flags & MEMLEDGER_SCAN)
		ml_scan(seq, (uintptr_t)__builtin_frame_address(0));
	ml_guard_leave();
}

EXPORT void memledger_snapshot(const char *label)
{
	memledger_snapshot_flags(label, 0);
}

EXPORT void memledger_print_stats(const char *label)
{
	if (!ml_active() || ml_guarded())
		return;
	ml_guard_enter();
	struct ml_snapshot_values v;
	user_snapshot(label, 0, &v);
	struct ml_memstats cur, prev;
	/* static, not on the stack: the caller may be on a small one */
	static char buf[4096];
	ml_lock(&print_lock);
	to_memstats(&v, label ? label : "", &cur);
	if (print_have_prev)
		to_memstats(&print_prev, print_prev_label, &prev);
	size_t n = ml_memstats_format(buf, sizeof buf, &cur, print_have_prev ? &prev : NULL);
	print_prev = v;
	strncpy(print_prev_label, label ? label : "", ML_LABEL_MAX);
	print_have_prev = 1;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(2, buf + off, n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	ml_unlock(&print_lock);
	ml_guard_leave();
}

/* malloc_trim is what a C program has instead of a collection: count it. */
EXPORT int malloc_trim(size_t pad)
{
	static int (*real_trim)(size_t);
	if (!real_trim)
		real_trim = (int (*)(size_t))ml_dlsym_next("malloc_trim");
	if (ml_active() && !ml_guarded()) {
		ml_guard_enter();
		atomic_fetch_add(&ml.trim_calls, 1);
		struct ml_meta m;
		ml_meta_begin(&m, ML_META_TRIM, 16);
		m.p = ml_put_varint(m.p, ml_rdtsc());
		ml_meta_end(&m);
		ml_guard_leave();
	}
	return real_trim ? real_trim(pad) : 0;
}
