/*
 * scan.c - the reachability scan: which live blocks can the program
 * still reach, and which are leaked.
 *
 * Conservative, like LeakSanitizer: every aligned word in the roots is a
 * potential pointer, interior pointers included. The roots are the
 * writable segments of every module except the tracer's own, the stacks
 * of all live threads (whole ranges for threads other than the scanning
 * one), and each thread's static TLS block, TCB and DTV. Marking from the
 * roots gives `reachable`. The remaining blocks are classified as
 * valgrind does: walking them in address order, a block no other leaked
 * block points to leads a group and is `lost`; everything reachable from
 * it is `indirect` (in a cycle, the first block by address leads).
 *
 * One glibc detail: the allocator's own bins point at the header of the
 * chunk *after* a block, which lies inside that block's last 8 bytes
 * when the request used them. Such a word is not counted as a reference.
 *
 * The scan allocates with mmap only, sorts with its own radix sort, and
 * survives memory that disappears under it (another thread unmapping a
 * block): a fault in the scanning thread abandons that one range. It
 * reads only pages that are in memory (scan_resident), so it never
 * faults untouched memory in.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/livemap.h"
#include "tracer/maps.h"
#include "tracer/modules.h"
#include "tracer/real.h"
#include "tracer/scan.h"
#include "tracer/state.h"
#include "tracer/threads.h"

struct blk {
	uint64_t addr;
	uint64_t size;
	uint64_t seq;
	uint32_t idx;
	uint32_t pad;
};

enum {
	UNSEEN = 0, REACH = ML_LEAK_REACHABLE, LOST = ML_LEAK_LOST, INDIRECT = ML_LEAK_INDIRECT,
	POSSIBLE = ML_LEAK_POSSIBLE,
	PENDING = 0x80,         /* on the mark stack (or'ed into the state) */
};

/* A loaded module's segment, for the multiple-inheritance heuristic. */
struct seg {
	uintptr_t lo, hi;
	int exec;
};
#define MAX_SEGS 4096

struct scan {
	struct blk *b;
	uint8_t *state;
	uint32_t *stack;
	size_t n, cap, sp;
	uint64_t min, span;
	uint64_t leader;        /* flood mode: the group's leader index */
	int flood;
	int definite;           /* the range being scanned is a root, or a reachable block */
	uint64_t root_bytes;
	struct seg *segs;       /* loaded modules' segments, sorted */
	size_t nsegs;
	unsigned char *vec;     /* mincore's answer for VEC_PAGES pages */
	int swap;               /* swap is in use: non-resident pages may hold data */
	int pagemap;            /* /proc/self/pagemap, or -1 */
};

#define RESIDENT_MIN (64u * 1024)  /* smaller ranges are read whole */
#define VEC_PAGES 65536u

/* ---------------------------------------------------------------- fault guard */

static __thread sigjmp_buf *scan_jmp;
static pid_t scan_tid;
static struct sigaction old_segv, old_bus;

static void scan_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (scan_jmp && (pid_t)syscall(SYS_gettid) == scan_tid) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		siglongjmp(*scan_jmp, 1);
	}
	/* Not the scan's fault: put the program's handler back and let the
	 * faulting instruction run again into it. */
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

static void guard_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = scan_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	scan_tid = (pid_t)syscall(SYS_gettid);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

static void guard_remove(void)
{
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	scan_tid = 0;
}

/* ---------------------------------------------------------------- blocks */

static void collect_one(struct ml_live *e, void *arg)
{
	struct scan *s = arg;
	if (s->n >= s->cap)
		return;
	struct blk *b = &s->b[s->n++];
	b->addr = e->addr;
	b->size = e->size;
	b->seq = e->seq;
	b->idx = e->idx;
}

/* LSD radix sort on the address, 16 bits a pass over 48 bits. */
static int sort_blocks(struct scan *s)
{
	struct blk *tmp = ml_map(s->n * sizeof *tmp);
	uint32_t *count = ml_map(65536 * sizeof *count);
	if (!tmp || !count) {
		ml_unmap(tmp, s->n * sizeof *tmp);
		ml_unmap(count, 65536 * sizeof *count);
		return -1;
	}
	struct blk *src = s->b, *dst = tmp;
	for (int shift = 0; shift < 48; shift += 16) {
		memset(count, 0, 65536 * sizeof *count);
		for (size_t i = 0; i < s->n; i++)
			count[(src[i].addr >> shift) & 0xffff]++;
		uint32_t sum = 0;
		for (int d = 0; d < 65536; d++) {
			uint32_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < s->n; i++)
			dst[count[(src[i].addr >> shift) & 0xffff]++] = src[i];
		struct blk *t = src;
		src = dst;
		dst = t;
	}
	/* three passes: the result is in tmp */
	memcpy(s->b, src, s->n * sizeof *src);
	ml_unmap(tmp, s->n * sizeof *tmp);
	ml_unmap(count, 65536 * sizeof *count);
	return 0;
}

/*
 * How many of the n entries of tab (each `size` bytes, sorted by the
 * uint64_t start each begins with: a block's address, a segment's lowest)
 * start at or below v; the entry before that index is the only one that
 * may hold v. Inline, for the scan's inner loop.
 */
_Static_assert(offsetof(struct blk, addr) == 0 && offsetof(struct seg, lo) == 0 &&
               sizeof(uintptr_t) == sizeof(uint64_t), "entries begin with their uint64_t start");
static inline size_t starts_at_or_below(const void *tab, size_t n, size_t size, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint64_t start;
		memcpy(&start, (const char *)tab + mid * size, sizeof start);
		if (start <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The block containing v, or -1. */
static long find_block(const struct scan *s, uint64_t v)
{
	size_t lo = starts_at_or_below(s->b, s->n, sizeof *s->b, v);
	if (!lo)
		return -1;
	const struct blk *b = &s->b[lo - 1];
	uint64_t extent = b->size ? b->size : 1;
	if (v - b->addr >= extent)
		return -1;
	if (v != b->addr && v - b->addr + 16 >= extent && !(v & 15)) {
		/* Maybe glibc's pointer to the next chunk's header. */
		uint64_t hdr = ((const volatile uint64_t *)(uintptr_t)b->addr)[-1];
		if (!(hdr & 2) && v == b->addr - 16 + (hdr & ~(uint64_t)7))
			return -1;
	}
	return (long)(lo - 1);
}

/* ---------------------------------------------------------------- start pointers */

/* The module segment holding a, or NULL. */
static const struct seg *seg_of(const struct scan *s, uintptr_t a)
{
	size_t lo = starts_at_or_below(s->segs, s->nsegs, sizeof *s->segs, a);
	return lo && a < s->segs[lo - 1].hi ? &s->segs[lo - 1] : NULL;
}

/* v looks like a vtable: in a module, and among its first 20 words two
 * that point into a module's code before any that points elsewhere (null
 * words are skipped). */
static int is_vtable(const struct scan *s, uintptr_t v)
{
	const struct seg *g = seg_of(s, v);
	if (!g)
		return 0;
	int fns = 0;
	for (uintptr_t p = v; p < v + 20 * 8 && p + 8 <= g->hi; p += 8) {
		uintptr_t f = *(const volatile uintptr_t *)p;
		if (!f)
			continue;
		const struct seg *c = seg_of(s, f);
		if (!c || !c->exec)
			return 0;
		if (++fns == 2)
			return 1;
	}
	return 0;
}

/*
 * An interior pointer that counts as a pointer to the block's start, by
 * valgrind memcheck's four heuristics (on by default since 3.11), so that
 * our classes match its: a C++ std::string's characters after its
 * (length, capacity, refcount) header; a length-prefixed block (sqlite3's
 * allocator); the elements of new[] after their count; a base-class
 * subobject under multiple inheritance (two vtable pointers).
 */
static int start_like(const struct scan *s, const struct blk *b, uint64_t v)
{
	const volatile uint64_t *w = (const volatile uint64_t *)(uintptr_t)b->addr;
	uint64_t off = v - b->addr;
	if (off == 24 && b->size >= 24) {
		uint64_t cap = w[1];
		if (24 + cap + 1 == b->size && w[0] <= cap)
			return 1;  /* stdstring */
	}
	if (off == 8 && b->size >= 8) {
		uint64_t n = w[0];
		if (n && b->size - 8 == n)
			return 1;  /* length64 */
		if (n && (b->size - 8) % n == 0)
			return 1;  /* newarray */
	}
	if (!(v & 7) && off + 8 <= b->size && b->size >= 8) {
		uint64_t inner = *(const volatile uint64_t *)(uintptr_t)v, first = w[0];
		if (!(inner & 7) && inner >= 4096 && !(first & 7) && first >= 4096 &&
		    is_vtable(s, inner) && is_vtable(s, first))
			return 1;  /* multipleinheritance */
	}
	return 0;
}

static inline void push(struct scan *s, long k)
{
	if (s->state[k] & PENDING)
		return;
	s->state[k] |= PENDING;
	s->stack[s->sp++] = (uint32_t)k;
}

/*
 * Block k is pointed to by v. Marking (as valgrind does): a pointer to its
 * start (or one a heuristic accepts) from a root or a reachable block
 * makes it reachable; any other pointer makes an unseen block possibly
 * reachable, and what it points to no better than that. In the flood that
 * follows, an unreached block reached from a lost one is indirect.
 */
static inline void visit(struct scan *s, long k, uint64_t v)
{
	uint8_t st = s->state[k] & ~PENDING;
	if (!s->flood) {
		if (st == REACH)
			return;
		const struct blk *b = &s->b[k];
		if (s->definite && (v == b->addr || start_like(s, b, v))) {
			s->state[k] = (uint8_t)((s->state[k] & PENDING) | REACH);
			push(s, k);
		} else if (st == UNSEEN) {
			s->state[k] = (uint8_t)((s->state[k] & PENDING) | POSSIBLE);
			push(s, k);
		}
	} else {
		if ((uint64_t)k == s->leader || (st != UNSEEN && st != LOST))
			return;
		s->state[k] = (uint8_t)((s->state[k] & PENDING) | INDIRECT);
		push(s, k);
	}
}

static void scan_range(struct scan *s, uintptr_t lo, uintptr_t hi)
{
	sigjmp_buf jb;
	lo = (lo + 7) & ~(uintptr_t)7;
	if (hi <= lo)
		return;
	if (sigsetjmp(jb, 0)) {
		scan_jmp = NULL;
		return;
	}
	scan_jmp = &jb;
	for (uintptr_t p = lo; p + 8 <= hi; p += 8) {
		uint64_t v = *(const volatile uint64_t *)p;
		if (v - s->min < s->span) {
			long k = find_block(s, v);
			if (k >= 0)
				visit(s, k, v);
		}
	}
	scan_jmp = NULL;
}

/*
 * Scan only the pages of [lo, hi) that are in memory. A page the program
 * never touched holds only zeros, and reading it would make the kernel
 * map it: a leaked, untouched 16 GiB block would take seconds and page
 * tables of its own. mincore says which pages are resident; without swap
 * in use, every other page is untouched. With swap in use, a page out on
 * swap still holds data: /proc/self/pagemap tells those apart (bit 62),
 * and they are read (which brings them back, as valgrind would).
 */
static int swapped(struct scan *s, uintptr_t page)
{
	uint64_t e;
	if (s->pagemap < 0)
		return 1;  /* cannot tell: read it */
	if (ml_sys_pread(s->pagemap, &e, sizeof e, (off_t)(page / 4096 * sizeof e)) != (long)sizeof e)
		return 1;
	return (e >> 62) & 1;
}

static void scan_resident(struct scan *s, uintptr_t lo, uintptr_t hi)
{
	if (hi <= lo)
		return;
	if (hi - lo < RESIDENT_MIN || !s->vec) {
		scan_range(s, lo, hi);
		return;
	}
	for (uintptr_t pg = lo & ~(uintptr_t)4095; pg < hi;) {
		size_t n = (hi - pg + 4095) / 4096;
		if (n > VEC_PAGES)
			n = VEC_PAGES;
		/* part of it not mapped (ENOMEM): try a shorter range */
		while (mincore((void *)pg, n * 4096, s->vec) != 0 && n > 1)
			n /= 2;
		if (n == 1 && mincore((void *)pg, 4096, s->vec) != 0) {
			pg += 4096;
			continue;
		}
		for (size_t i = 0; i < n;) {
			if (!s->swap && !(i & 7) && i + 8 <= n) {
				/* untouched memory: eight pages a word at a time */
				uint64_t w;
				memcpy(&w, s->vec + i, 8);
				if (!(w & 0x0101010101010101ull)) {
					i += 8;
					continue;
				}
			}
			if (!(s->vec[i] & 1) && !(s->swap && swapped(s, pg + i * 4096))) {
				i++;
				continue;
			}
			size_t j = i + 1;
			while (j < n && ((s->vec[j] & 1) || (s->swap && swapped(s, pg + j * 4096))))
				j++;
			uintptr_t a = pg + i * 4096, b = pg + j * 4096;
			scan_range(s, a > lo ? a : lo, b < hi ? b : hi);
			i = j;
		}
		pg += n * 4096;
	}
}

static void drain(struct scan *s)
{
	while (s->sp) {
		uint32_t k = s->stack[--s->sp];
		s->state[k] &= ~PENDING;
		const struct blk *b = &s->b[k];
		s->definite = s->state[k] == REACH;
		scan_resident(s, b->addr, b->addr + b->size);
	}
}

static void root(uintptr_t lo, uintptr_t hi, void *arg)
{
	struct scan *s = arg;
	if (hi > lo)
		s->root_bytes += hi - lo;
	s->definite = 1;
	scan_resident(s, lo, hi);
	drain(s);
}

/* ---------------------------------------------------------------- threads */

typedef void (*tls_info_fn)(size_t *, size_t *);

struct thread_roots {
	struct scan *s;
	pid_t me;
	uintptr_t my_sp;
	size_t tls_static;
};

static void thread_root(struct ml_thread *t, void *arg)
{
	struct thread_roots *r = arg;
	if (t->exited)
		return;
	if (t->stack_hi) {
		uintptr_t lo = t->tid == r->me ? r->my_sp : t->stack_lo;
		root(lo, t->stack_hi, r->s);
	}
	/* Static TLS sits just below the thread pointer (pthread_self), the
	 * TCB just above; the DTV points at dynamically loaded TLS blocks. */
	uintptr_t tp = (uintptr_t)t->self;
	if (!tp)
		return;
	root(tp - r->tls_static, tp + 2304, r->s);
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0) == 0) {
		scan_jmp = &jb;
		const uintptr_t *dtv = ((const uintptr_t *const *)tp)[1];
		size_t count = dtv ? dtv[-2] : 0;
		scan_jmp = NULL;
		if (dtv && count < 65536)
			root((uintptr_t)(dtv - 2), (uintptr_t)(dtv + 2 * (count + 1)), r->s);
	}
	scan_jmp = NULL;
}

/* ---------------------------------------------------------------- program mappings */

/* Every readable segment of every module, sorted, for is_vtable. */
static int collect_segs(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct scan *s = arg;
	for (int i = 0; i < info->dlpi_phnum && s->nsegs < MAX_SEGS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		struct seg g = { info->dlpi_addr + ph->p_vaddr, info->dlpi_addr + ph->p_vaddr + ph->p_memsz,
		                 (ph->p_flags & PF_X) != 0 };
		size_t j = s->nsegs++;
		while (j > 0 && s->segs[j - 1].lo > g.lo) {
			s->segs[j] = s->segs[j - 1];
			j--;
		}
		s->segs[j] = g;
	}
	return 0;
}

struct stack_ranges {
	uintptr_t (*r)[2];
	size_t n, cap;
};

static void stack_range(struct ml_thread *t, void *arg)
{
	struct stack_ranges *sr = arg;
	if (!t->stack_hi || sr->n == sr->cap)
		return;
	size_t j = sr->n++;
	while (j > 0 && sr->r[j - 1][0] > t->stack_lo) {
		sr->r[j][0] = sr->r[j - 1][0];
		sr->r[j][1] = sr->r[j - 1][1];
		j--;
	}
	sr->r[j][0] = t->stack_lo;
	sr->r[j][1] = t->stack_hi;
}

/*
 * The anonymous memory the program mapped itself (maps.c), readable and
 * writable, as valgrind scans it: GCC's garbage-collected heap, Python's
 * arenas, a custom allocator's pools. Thread stacks are left out: they
 * were scanned as stacks (from the stack pointer, for this thread).
 */
static void program_maps(struct scan *s)
{
	size_t cap = ml_maps_count() + 64, tcap = 4096;
	uintptr_t (*maps)[2] = ml_map(cap * sizeof *maps);
	struct stack_ranges sr = { ml_map(tcap * sizeof *sr.r), 0, tcap };
	if (!maps || !sr.r)
		goto out_unmap;
	size_t n = ml_maps_copy(maps, cap);
	ml_threads_foreach(stack_range, &sr);
	for (size_t i = 0; i < n; i++) {
		uintptr_t lo = maps[i][0], hi = maps[i][1];
		for (size_t k = 0; k < sr.n && lo < hi; k++) {
			if (sr.r[k][1] <= lo || sr.r[k][0] >= hi)
				continue;
			if (sr.r[k][0] > lo)
				root(lo, sr.r[k][0], s);
			lo = sr.r[k][1];
		}
		if (lo < hi)
			root(lo, hi, s);
	}
out_unmap:
	ml_unmap(maps, cap * sizeof *maps);
	ml_unmap(sr.r, tcap * sizeof *sr.r);
}

/* ---------------------------------------------------------------- results */

static inline int listed(uint8_t st)
{
	return st == LOST || st == INDIRECT || st == POSSIBLE;
}

static void emit_results(struct scan *s, unsigned snap, int64_t dt_ns)
{
	uint64_t n[5] = { 0 }, bytes[5] = { 0 };
	for (size_t i = 0; i < s->n; i++) {
		n[s->state[i]]++;
		bytes[s->state[i]] += s->b[i].size;
	}
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_SCAN, 160);
	uint8_t *p = m.p;
	p = ml_put_varint(p, snap);
	p = ml_put_varint(p, s->n);
	for (int c = LOST; c <= REACH; c++) {
		p = ml_put_varint(p, n[c]);
		p = ml_put_varint(p, bytes[c]);
	}
	p = ml_put_varint(p, (uint64_t)dt_ns);
	p = ml_put_varint(p, s->root_bytes);
	p = ml_put_varint(p, n[POSSIBLE]);
	p = ml_put_varint(p, bytes[POSSIBLE]);
	m.p = p;
	ml_meta_end(&m);

	/* Lost, indirect and possibly lost blocks, in records of up to 2048;
	 * the rest of the blocks live at this point are reachable. */
	size_t i = 0;
	while (i < s->n) {
		/* skip to the next block worth listing */
		while (i < s->n && (!listed(s->state[i]) || !s->b[i].seq))
			i++;
		if (i == s->n)
			break;
		size_t batch = 0, j = i;
		for (; j < s->n && batch < 2048; j++)
			if (listed(s->state[j]) && s->b[j].seq)
				batch++;
		if (!batch)
			break;
		ml_meta_begin(&m, ML_META_LEAKS, 24 + batch * 21);
		p = m.p;
		p = ml_put_varint(p, snap);
		p = ml_put_varint(p, batch);
		for (; i < j; i++) {
			/* unsampled blocks (seq 0) count in SCAN but have no row */
			if (!listed(s->state[i]) || !s->b[i].seq)
				continue;
			p = ml_put_varint(p, s->b[i].idx);
			p = ml_put_varint(p, s->b[i].seq);
			*p++ = s->state[i];
		}
		m.p = p;
		ml_meta_end(&m);
	}
}

static atomic_ullong scan_ns;

uint64_t ml_scan_total_ns(void)
{
	return atomic_load_explicit(&scan_ns, memory_order_relaxed);
}

void ml_scan(unsigned snapshot_seq, uintptr_t caller_sp)
{
	struct scan s;
	memset(&s, 0, sizeof s);
	int64_t t0 = ml_mono_ns();
	__builtin_unwind_init();  /* callee-saved registers onto the stack */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (!caller_sp || here < caller_sp)
		caller_sp = here;

	s.pagemap = -1;
	s.vec = ml_map(VEC_PAGES);
	struct sysinfo si;
	if (sysinfo(&si) == 0 && si.totalswap > si.freeswap) {
		s.swap = 1;
		s.pagemap = ml_sys_open_read("/proc/self/pagemap");
	}
	s.cap = ml_live_count() + 4096;
	s.b = ml_map(s.cap * sizeof *s.b);
	s.state = ml_map(s.cap);
	s.stack = ml_map(2 * s.cap * sizeof *s.stack);
	if (!s.b || !s.state || !s.stack)
		goto out_unmap;
	ml_live_foreach(collect_one, &s);
	if (s.n && sort_blocks(&s) < 0)
		goto out_unmap;
	if (s.n) {
		s.min = s.b[0].addr;
		s.span = s.b[s.n - 1].addr + s.b[s.n - 1].size + 1 - s.min;
	}

	s.segs = ml_map(MAX_SEGS * sizeof *s.segs);
	if (s.segs)
		dl_iterate_phdr(collect_segs, &s);

	guard_install();
	ml_modules_writable(root, &s);
	struct thread_roots tr = { &s, (pid_t)syscall(SYS_gettid), caller_sp, 0 };
	tls_info_fn tls_info;
	ML_INTERNAL(tls_info = (tls_info_fn)dlvsym(RTLD_DEFAULT, "_dl_get_tls_static_info", "GLIBC_PRIVATE"));
	size_t align;
	if (tls_info)
		tls_info(&tr.tls_static, &align);
	if (tr.tls_static > (1u << 20))
		tr.tls_static = 0;
	ml_threads_foreach(thread_root, &tr);
	program_maps(&s);

	/* Unreached blocks: leaders are lost, what they reach is indirect. */
	s.flood = 1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.state[i] != UNSEEN)
			continue;
		s.state[i] = LOST;
		s.leader = i;
		push(&s, (long)i);
		drain(&s);
	}
	guard_remove();
	int64_t dt = ml_mono_ns() - t0;
	atomic_fetch_add_explicit(&scan_ns, (uint64_t)dt, memory_order_relaxed);
	emit_results(&s, snapshot_seq, dt);
out_unmap:
	if (s.pagemap >= 0)
		ml_sys_close(s.pagemap);
	ml_unmap(s.vec, VEC_PAGES);
	ml_unmap(s.segs, MAX_SEGS * sizeof *s.segs);
	ml_unmap(s.b, s.cap * sizeof *s.b);
	ml_unmap(s.state, s.cap);
	ml_unmap(s.stack, 2 * s.cap * sizeof *s.stack);
}
