/*
 * unwind.c - fast stack capture for x86-64.
 *
 * Debian's libraries have no frame pointers, so stacks come from DWARF
 * call-frame information (.eh_frame). libunwind interprets it on every
 * capture; here the result of interpreting it is cached per return
 * address, so a capture costs a hash lookup and two loads per frame:
 *
 *	CFA = (RSP or RBP) + offset      the caller's stack pointer
 *	RA  = *(CFA - 8)                 the next return address
 *	RBP = *(CFA + rbp_offset)        when this frame saved it
 *
 * A rule is computed once per return address (cfa.c: the FDE found
 * through the module's .eh_frame_hdr table, the CIE and FDE programs run
 * up to the call). Anything cfa.c does not model (signal frames, DWARF
 * expressions, CFA in another register) makes the rule "fallback", and
 * such a stack is captured whole by libunwind's unw_backtrace instead.
 * MEMLEDGER_UNWIND=libunwind sends every capture there (stacks.c); the
 * tests t1100-t1104 hold the two against each other.
 *
 * Where the walk reads. Every load is at or above the stack pointer
 * the walk started from and below a bound: on the thread's own stack,
 * the top of that stack (pthread_getattr_np; for the main thread, the
 * top of its mapping in /proc/self/maps); on any other stack (a
 * sigaltstack, a coroutine's stack, a thread whose stack is unknown),
 * the end of the memory mapped above the stack pointer, probed with
 * mincore and at most MINCORE_PAGES pages (8 MiB) above it
 * (foreign_bound). A frame whose CFA falls outside ends the stack.
 *
 * The tracer itself is built with frame pointers: its own frames are
 * walked through RBP until the first return address outside it.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/cfa.h"
#include "tracer/lock.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/unwind.h"

/* A cached rule: the return address it is for, and the rule (cfa.h). */
struct rule {
	uint64_t ip;          /* 0: empty slot */
	struct cfa_rule c;
};

/* The slots start 16 bytes in, so none straddles a page: a replaced
 * table's pages are released one by one (rule_slow), and a reader that
 * copied a slot checks its key again (rule_find_copy). */
struct rule_table {
	uint32_t mask;
	uint32_t count;
	uint64_t pad;
	struct rule slot[];
};
_Static_assert(sizeof(struct rule) == 16 && sizeof(struct rule_table) == 16,
               "a rule slot must not straddle a page");

static struct rule_table *_Atomic rules;
static ml_lock_t rules_lock = ML_LOCK_INIT;

static inline uint32_t ip_hash(uint64_t ip)
{
	uint64_t h = ip * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

/* ---------------------------------------------------------------- rules */

/* The unwind rule for return address ra (the call is at ra - 1). */
static struct rule compute_rule(uint64_t ra)
{
	struct rule r = { ra, { 0, 0, CFA_STOP } };
	const uint8_t *fde = cfa_find_fde(ra - 1);
	/* no module, or no unwind information: the stack ends here */
	if (fde)
		r.c = cfa_rule_at(fde, ra - 1);
	return r;
}

/* ---------------------------------------------------------------- the cache */

static const struct rule *rule_find(const struct rule_table *t, uint64_t ip)
{
	for (uint32_t i = ip_hash(ip) & t->mask;; i = (i + 1) & t->mask) {
		uint64_t k = __atomic_load_n(&t->slot[i].ip, __ATOMIC_ACQUIRE);
		if (k == ip)
			return &t->slot[i];
		if (!k)
			return NULL;
	}
}

/* The rule for ip copied into *out: 1, or 0 when t has none (or its page
 * was released while it was read: the key no longer matches). */
static inline int rule_find_copy(const struct rule_table *t, uint64_t ip, struct rule *out)
{
	const struct rule *rp = rule_find(t, ip);
	if (!rp)
		return 0;
	*out = *rp;
	/* the copy is read before the key is read again (as a seqlock) */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&rp->ip, __ATOMIC_RELAXED) == ip;
}

static void rule_put(struct rule_table *t, const struct rule *r)
{
	uint32_t i = ip_hash(r->ip) & t->mask;
	while (t->slot[i].ip)
		i = (i + 1) & t->mask;
	t->slot[i].c = r->c;
	__atomic_store_n(&t->slot[i].ip, r->ip, __ATOMIC_RELEASE);
	t->count++;
}

/* Compute and publish the rule for ip; readers never wait. Old tables
 * stay mapped, a reader may still be probing one, but their pages go
 * back to the system (ml_map_release): such a reader finds nothing and
 * comes here, to the current table. Runs on the side
 * stack (rule_compute): dl_iterate_phdr and the CFA programs are the
 * deepest code of a capture. */
__attribute__((noinline)) static struct rule rule_slow(uint64_t ip)
{
	ml_lock(&rules_lock);
	struct rule_table *t = atomic_load_explicit(&rules, memory_order_relaxed);
	const struct rule *have = t ? rule_find(t, ip) : NULL;
	struct rule r = have ? *have : compute_rule(ip);
	if (!have) {
		if (!t || (t->count + 1) * 2 > t->mask + 1) {
			uint32_t cap = t ? (t->mask + 1) * 2 : 1024;
			struct rule_table *n = ml_map(sizeof *n + (size_t)cap * sizeof n->slot[0]);
			if (n) {
				n->mask = cap - 1;
				for (uint32_t i = 0; t && i <= t->mask; i++)
					if (t->slot[i].ip)
						rule_put(n, &t->slot[i]);
				atomic_store_explicit(&rules, n, memory_order_release);
				if (t)
					ml_map_release(t, sizeof *t + (size_t)(t->mask + 1) * sizeof t->slot[0]);
				t = n;
			}
		}
		if (t && (t->count + 1) * 2 <= t->mask + 1)
			rule_put(t, &r);
	}
	ml_unlock(&rules_lock);
	return r;
}

/* ---------------------------------------------------------------- per-thread state and the side stack */

/*
 * Stack budget. A hook runs on whatever stack the program called it on:
 * a thread's own stack, a small sigaltstack, a coroutine's stack, or the
 * last few hundred bytes before a stack's end. The common path (a
 * cached stack, or a walk with cached rules) therefore keeps everything
 * large in this per-thread state instead of on the stack, and the deep
 * work runs on a per-thread side stack (ml_side_run): computing a rule
 * (dl_iterate_phdr, the CFA programs) and libunwind's unw_backtrace.
 *
 * The state is one mapping per thread, kept when the thread's entry is
 * reused:
 *
 *	[guard page][side stack, ML_SIDE_STACK bytes][struct ml_ucache]
 */
#define UC_SETS 8
#define UC_DEPTH 40
#define GUARD_PAGE 4096
#define MINCORE_PAGES 2048          /* a foreign stack is probed up to 8 MiB */

struct uc_entry {
	uintptr_t ip0, sp0;
	uint32_t n;                   /* frames walked (the tracer's included) */
	uint32_t stack_id;
	uintptr_t tail;               /* value after the last frame (1 for 0), or 0 */
	uintptr_t top;                /* the highest slot read: must stay below the bound */
	void *stack;                  /* the interned struct ml_stack */
	uintptr_t ip[UC_DEPTH];
	uintptr_t cfa[UC_DEPTH];
};

/*
 * Unwinding from (ip, sp, bp): ips gets the program's frames. The chain
 * gets every frame walked, the tracer's own included, with its CFA (whose
 * slot at CFA-8 holds the next return address): enough to recognise the
 * same stack later.
 */
struct chain {
	int n;
	uintptr_t tail;               /* the value read after the last frame, or 0 */
	uintptr_t ip[ML_MAX_DEPTH + 16];
	uintptr_t cfa[ML_MAX_DEPTH + 16];
};

/* Captures never nest in a thread (the hooks are guarded), so one set
 * of scratch buffers per thread serves them all. */
struct ml_ucache {
	struct uc_entry e[UC_SETS][2];
	uint8_t next[UC_SETS];        /* which way of a set to replace */
	uintptr_t ips[ML_MAX_DEPTH + 8];
	struct chain ch;
	uintptr_t foreign_lo, foreign_hi;  /* last stack outside the thread's own */
	unsigned char vec[MINCORE_PAGES];
};

#define STATE_MAP (GUARD_PAGE + ML_SIDE_STACK + sizeof(struct ml_ucache))

/* The side stack's [lo, hi) of a state. */
static inline uintptr_t side_hi(const struct ml_ucache *u)
{
	return (uintptr_t)u;
}

static inline uintptr_t side_lo(const struct ml_ucache *u)
{
	return (uintptr_t)u - ML_SIDE_STACK;
}

/* Nonzero while this thread runs on its side stack. */
static __thread int on_side;

/* The calling thread's state, mapped on first use; NULL without memory. */
static struct ml_ucache *unwind_state(struct ml_thread *t)
{
	if (ML_LIKELY(t->ucache != NULL))
		return t->ucache;
	uint8_t *m = ml_map(STATE_MAP);
	if (!m)
		return NULL;
	mprotect(m, GUARD_PAGE, PROT_NONE);
	t->ucache = (struct ml_ucache *)(m + GUARD_PAGE + ML_SIDE_STACK);
	return t->ucache;
}

/*
 * void ml_side_call(void (*fn)(void *), void *arg, void *top): call
 * fn(arg) with the stack pointer at top, and come back. A standard
 * frame-pointer frame, so both our unwinder (through RBP) and libunwind
 * (through this CFI: CFA = RBP + 16) walk from the side stack back onto
 * the program's.
 */
void ml_side_call(void (*fn)(void *), void *arg, void *top);
__asm__(
	".text\n"
	".p2align 4\n"
	".type ml_side_call, @function\n"
	"ml_side_call:\n"
	".cfi_startproc\n"
	"	pushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"	movq %rdx, %rsp\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	call *%rax\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size ml_side_call, .-ml_side_call\n");

/* Signals that stay deliverable on the side stack: faults (blocking them
 * would turn a fault into a kill) and glibc's own two (cancellation and
 * setxid, which another thread may be waiting on). */
#define SIGBIT(s) (1ull << ((s) - 1))
static const uint64_t side_keep = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGFPE) |
                                  SIGBIT(SIGTRAP) | SIGBIT(SIGSYS) | SIGBIT(32) | SIGBIT(33);

static const uint64_t side_block = ~side_keep;
/* kept in TLS rather than in the frame, for the same reason as the rest */
static __thread uint64_t side_mask;
static __thread int side_errno;

int ml_side_run(void (*fn)(void *), void *arg)
{
	struct ml_thread *t = ml_tls.t;
	struct ml_ucache *u;
	if (on_side) {
		fn(arg);
		return 0;
	}
	if (!t || !(u = unwind_state(t)))
		return -1;
	/*
	 * No signal may arrive while the thread is on the side stack. A
	 * handler would run there, with only what is left of it; and one
	 * with SA_ONSTACK, arriving while a handler on the sigaltstack had
	 * called into the tracer, would be put at the top of the sigaltstack
	 * (the kernel sees a stack pointer that is not on it) and overwrite
	 * the interrupted handler's frames. Blocked, it waits until the
	 * tracer is back on the program's stack.
	 */
	side_errno = errno;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &side_block, &side_mask, sizeof side_mask);
	on_side = 1;
	ml_side_call(fn, arg, (void *)side_hi(u));
	on_side = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &side_mask, NULL, sizeof side_mask);
	errno = side_errno;
	return 0;
}

/* rule_slow on the side stack. */
struct rule_req {
	uint64_t ip;
	struct rule r;
};

static void rule_slow_fn(void *arg)
{
	struct rule_req *q = arg;
	q->r = rule_slow(q->ip);
}

static struct rule rule_compute(uint64_t ip)
{
	struct rule_req q = { ip, { ip, { 0, 0, CFA_STOP } } };
	if (ml_side_run(rule_slow_fn, &q) < 0)
		return q.r;  /* no side stack: end the stack here */
	return q.r;
}

/*
 * The highest address a walk from sp may read. On the thread's own stack
 * it is the stack's top. Elsewhere (a sigaltstack, a coroutine's stack)
 * it is the end of the mapped memory above sp, found with mincore: a
 * range that includes an unmapped page fails with ENOMEM. The answer is
 * kept for the next capture from the same stack.
 */
static uintptr_t foreign_bound(struct ml_ucache *u, uintptr_t sp)
{
	if (sp - u->foreign_lo < u->foreign_hi - u->foreign_lo)
		return u->foreign_hi;
	uintptr_t pg = sp & ~(uintptr_t)4095;
	size_t good = 0, bad = 0;
	int saved = errno;
	for (size_t len = 4096; len <= (size_t)MINCORE_PAGES * 4096; len *= 2) {
		if (mincore((void *)pg, len, u->vec) != 0) {
			bad = len;
			break;
		}
		good = len;
	}
	while (bad && bad - good > 4096) {
		size_t mid = (good + (bad - good) / 2) & ~(size_t)4095;
		if (mincore((void *)pg, mid, u->vec) == 0)
			good = mid;
		else
			bad = mid;
	}
	errno = saved;
	if (!good)
		return sp;  /* not even sp's page: read nothing */
	if (pg + good < u->foreign_hi && pg >= u->foreign_lo)
		return pg + good;
	u->foreign_lo = pg;
	u->foreign_hi = pg + good;
	return u->foreign_hi;
}

/* ---------------------------------------------------------------- capture */

/*
 * Where the program called into the tracer: its return address and stack
 * pointer, found through the tracer's own frame pointers. 0 on failure.
 * Frames go up the stack, except once on the side stack: its first frame
 * links back to ml_side_call's frame on the program's stack.
 */
static inline int entry_frame(uintptr_t *fp, uintptr_t *ip, uintptr_t *sp, uintptr_t *bp)
{
	int cross = on_side;
	for (int guard = 0; guard <= 32; guard++) {
		if (!fp || ((uintptr_t)fp & 7))
			return 0;
		*ip = fp[1];
		*sp = (uintptr_t)(fp + 2);
		*bp = fp[0];
		if (*ip - ml.self_lo >= ml.self_hi - ml.self_lo)
			return 1;
		if (*bp <= (uintptr_t)fp && !cross--)
			return 0;
		fp = (uintptr_t *)*bp;
	}
	return 0;
}

/*
 * Unwind from (ip, sp, bp) into ips (the program's frames, at most max),
 * reading nothing above stack_hi. When ch is non-NULL it gets the chain
 * of frames walked. *pure is set to 0 when a program frame's CFA came
 * from RBP (a frame of variable size: then equal slots do not prove an
 * equal stack). Returns the number of program frames, or -1 when a frame
 * needs libunwind.
 */
static int unwind_from(uintptr_t ip, uintptr_t sp, uintptr_t bp, uintptr_t stack_hi,
                       uintptr_t *ips, int max, struct chain *ch, int *pure)
{
	int n = 0, walked = 0;
	if (ch) {
		ch->n = 0;
		ch->tail = 0;
	}
	const struct rule_table *t = atomic_load_explicit(&rules, memory_order_acquire);
	for (;;) {
		/* the tracer also sits below main() and at thread starts: walk
		 * through its frames without keeping them */
		int keep = ip - ml.self_lo >= ml.self_hi - ml.self_lo;
		if ((keep && n == max) || walked == ML_MAX_DEPTH + 16)
			break;
		struct rule r;
		if (ML_LIKELY(t && rule_find_copy(t, ip, &r))) {
			/* cached */
		} else {
			r = rule_compute(ip);
			t = atomic_load_explicit(&rules, memory_order_acquire);
		}
		if (r.c.flags & CFA_FALLBACK)
			return -1;
		uintptr_t cfa = ((r.c.flags & CFA_FROM_RBP) ? bp : sp) + (intptr_t)r.c.cfa_off;
		int stop = (r.c.flags & CFA_STOP) || cfa <= sp || cfa > stack_hi || (cfa & 7) ||
		           ((r.c.flags & CFA_RBP_SAVED) && cfa + r.c.rbp_off < sp);
		if (keep)
			ips[n++] = ip;
		if (ch) {
			ch->ip[walked] = ip;
			ch->cfa[walked] = stop ? 0 : cfa;
		}
		walked++;
		if (stop)
			break;
		/* The tracer's own frames have a fixed size; a program frame
		 * located from RBP may not. */
		if ((r.c.flags & CFA_FROM_RBP) && keep)
			*pure = 0;
		if (r.c.flags & CFA_RBP_SAVED)
			bp = *(const uintptr_t *)(cfa + r.c.rbp_off);
		ip = *(const uintptr_t *)(cfa - 8);
		sp = cfa;
		if (ip < 4096) {
			if (ch)
				ch->tail = ip ? ip : 1;
			break;
		}
	}
	if (ch)
		ch->n = walked;
	return n;
}

/* libunwind, dropping the tracer's own frames. Deep: call it on the side
 * stack (libunwind_fn). */
static int unwind_libunwind(uintptr_t *ips, int max)
{
	void *buf[ML_MAX_DEPTH + 8];
	int got;
	ML_INTERNAL(got = unw_backtrace(buf, max + 8));
	int k = 0;
	for (int i = 0; i < got && k < max; i++)
		if ((uintptr_t)buf[i] - ml.self_lo >= ml.self_hi - ml.self_lo)
			ips[k++] = (uintptr_t)buf[i];
	return k;
}

struct lu_req {
	uintptr_t *ips;
	int max, n;
};

static void libunwind_fn(void *arg)
{
	struct lu_req *q = arg;
	q->n = unwind_libunwind(q->ips, q->max);
}

/* A stack by libunwind, into u->ips, interned. */
static uint32_t capture_libunwind(struct ml_ucache *u,
                                  uint32_t (*intern)(const uintptr_t *, int, void **), int max)
{
	struct lu_req q = { u->ips, max, 0 };
	void *st = NULL;
	if (ml_side_run(libunwind_fn, &q) < 0)
		return 0;
	return q.n > 0 ? intern(u->ips, q.n, &st) : 0;
}

uint32_t ml_stack_capture_libunwind(uint32_t (*intern)(const uintptr_t *, int, void **), int max)
{
	struct ml_thread *t = ml_tls.t;
	struct ml_ucache *u = t ? unwind_state(t) : NULL;
	return u ? capture_libunwind(u, intern, max) : 0;
}

/* ---------------------------------------------------------------- stack cache */

/*
 * A per-thread cache of whole stacks. A program allocates from the same
 * few places over and over; instead of unwinding again, check that every
 * return-address slot of a remembered stack still holds the same return
 * address. Those loads do not depend on each other, so the check is much
 * faster than the unwind, and a hit also gives the interned stack id.
 *
 * The check is exact when every frame's CFA is the stack pointer plus a
 * constant (the rule is fixed by the return address), which is what
 * "pure" records: then equal return addresses at equal slots mean equal
 * frames all the way down. Stacks with an RBP-based frame are not cached.
 */
_Static_assert(UC_SETS == 8, "uc_set takes the top 3 bits of a 64-bit hash");

static inline unsigned uc_set(uintptr_t ip, uintptr_t sp)
{
	return (unsigned)(((ip ^ (sp << 7)) * 0x9e3779b97f4a7c15ull) >> 61);
}

/* Every return-address slot still holds what it held: the same stack. */
static inline int uc_valid(const struct uc_entry *e)
{
	uint32_t diff = 0;
	for (uint32_t k = 0; k + 1 < e->n; k++)
		diff |= *(const uintptr_t *)(e->cfa[k] - 8) != e->ip[k + 1];
	if (e->tail && e->cfa[e->n - 1])
		diff |= *(const uintptr_t *)(e->cfa[e->n - 1] - 8) != (e->tail == 1 ? 0 : e->tail);
	return !diff;
}

uint32_t ml_stack_capture_cached(uint32_t (*intern)(const uintptr_t *, int, void **), int max)
{
	struct ml_thread *t = ml_tls.t;
	struct ml_ucache *u = t ? unwind_state(t) : NULL;
	uintptr_t ip, sp, bp;
	void *st = NULL;
	if (!u)
		return 0;
	if (!entry_frame(__builtin_frame_address(0), &ip, &sp, &bp))
		return capture_libunwind(u, intern, max);
	uintptr_t hi = sp - t->stack_lo < t->stack_hi - t->stack_lo ? t->stack_hi : foreign_bound(u, sp);
	unsigned set = uc_set(ip, sp);
	for (int w = 0; w < 2; w++) {
		struct uc_entry *c = &u->e[set][w];
		if (c->ip0 == ip && c->sp0 == sp && c->n && c->top <= hi && uc_valid(c)) {
			u->next[set] = (uint8_t)!w;
			ml_stack_ensure_written(c->stack);
			return c->stack_id;
		}
	}
	struct uc_entry *e = &u->e[set][u->next[set]];
	u->next[set] ^= 1;
	int pure = 1;
	int n = unwind_from(ip, sp, bp, hi, u->ips, max, &u->ch, &pure);
	if (n < 0)
		return capture_libunwind(u, intern, max);
	if (n == 0)
		return 0;
	uint32_t id = intern(u->ips, n, &st);
	const struct chain *ch = &u->ch;
	if (id && st && pure && ch->n <= UC_DEPTH) {
		e->ip0 = ip;
		e->sp0 = sp;
		e->n = (uint32_t)ch->n;
		e->stack_id = id;
		e->stack = st;
		/* a stack cut at --depth is checked only down to its cut */
		e->tail = n == max ? 0 : ch->tail;
		memcpy(e->ip, ch->ip, (size_t)ch->n * sizeof ch->ip[0]);
		memcpy(e->cfa, ch->cfa, (size_t)ch->n * sizeof ch->cfa[0]);
		if (n == max)
			e->cfa[ch->n - 1] = 0;
		e->top = 0;
		for (int k = 0; k < ch->n; k++)
			e->top = e->cfa[k] > e->top ? e->cfa[k] : e->top;
	}
	return id;
}
