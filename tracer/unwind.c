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
 * A rule is computed once per return address by finding its FDE through
 * the module's .eh_frame_hdr table and running the CIE and FDE programs up
 * to the call. Anything this does not model (signal frames, DWARF
 * expressions, CFA in another register) marks the rule "fallback", and
 * such a stack is captured by libunwind's unw_backtrace instead, so the
 * result is always a correct stack. Every load stays between the stack
 * pointer and the top of the thread's stack.
 *
 * The tracer itself is built with frame pointers: its own frames are
 * walked through RBP until the first return address outside it.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <link.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/lock.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/unwind.h"

enum {
	R_STOP = 1,       /* end of the stack: no caller */
	R_FALLBACK = 2,   /* not modelled: let libunwind do this stack */
	R_CFA_RBP = 4,    /* CFA is RBP + offset (else RSP + offset) */
	R_RBP_SAVED = 8,  /* RBP was saved at CFA + rbp_off */
};

struct rule {
	uint64_t ip;          /* 0: empty slot */
	int32_t cfa_off;
	int16_t rbp_off;
	uint16_t flags;
};

struct rule_table {
	uint32_t mask;
	uint32_t count;
	struct rule slot[];
};

static struct rule_table *_Atomic rules;
static ml_lock_t rules_lock = ML_LOCK_INIT;

static inline uint32_t ip_hash(uint64_t ip)
{
	uint64_t h = ip * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

/* ---------------------------------------------------------------- DWARF reading */

struct cur {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;
	for (unsigned s = 0; s < 64 && c->p < c->end; s += 7) {
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static int64_t sleb(struct cur *c)
{
	int64_t v = 0;
	unsigned s = 0;
	uint8_t b;
	do {
		if (c->p >= c->end || s >= 64) {
			c->bad = 1;
			return 0;
		}
		b = *c->p++;
		v |= (int64_t)(b & 0x7f) << s;
		s += 7;
	} while (b & 0x80);
	if (s < 64 && (b & 0x40))
		v |= -((int64_t)1 << s);
	return v;
}

static uint64_t fixed(struct cur *c, size_t n)
{
	uint64_t v = 0;
	if ((size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return 0;
	}
	memcpy(&v, c->p, n);
	c->p += n;
	return v;
}

/* A pointer in DW_EH_PE encoding `enc` (pcrel and datarel supported). */
static uint64_t encoded(struct cur *c, uint8_t enc, uint64_t datarel)
{
	const uint8_t *at = c->p;
	uint64_t v;
	if (enc == 0xff)
		return 0;
	switch (enc & 0x0f) {
	case 0x00: v = fixed(c, 8); break;
	case 0x01: v = uleb(c); break;
	case 0x02: v = fixed(c, 2); break;
	case 0x03: v = fixed(c, 4); break;
	case 0x04: v = fixed(c, 8); break;
	case 0x09: v = (uint64_t)sleb(c); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
	case 0x0c: v = fixed(c, 8); break;
	default: c->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += (uint64_t)(uintptr_t)at; break;
	case 0x30: v += datarel; break;
	default: c->bad = 1; return 0;
	}
	if (enc & 0x80)
		c->bad = 1;  /* indirect: not used for pc ranges */
	return v;
}

/* ---------------------------------------------------------------- FDE lookup */

struct fde_find {
	uint64_t pc;
	const uint8_t *fde;
	int found_module;
};

/* Search the module holding pc through its .eh_frame_hdr binary-search table. */
static int find_in_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct fde_find *f = arg;
	const ElfW(Phdr) *hdr_ph = NULL;
	int inside = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && f->pc >= lo && f->pc < lo + ph->p_memsz)
			inside = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			hdr_ph = ph;
	}
	if (!inside)
		return 0;
	f->found_module = 1;
	if (!hdr_ph)
		return 1;
	const uint8_t *hdr = (const uint8_t *)(info->dlpi_addr + hdr_ph->p_vaddr);
	struct cur c = { hdr, hdr + hdr_ph->p_memsz, 0 };
	uint8_t version = (uint8_t)fixed(&c, 1), ptr_enc = (uint8_t)fixed(&c, 1);
	uint8_t cnt_enc = (uint8_t)fixed(&c, 1), tab_enc = (uint8_t)fixed(&c, 1);
	encoded(&c, ptr_enc, (uintptr_t)hdr);
	uint64_t count = encoded(&c, cnt_enc, (uintptr_t)hdr);
	if (c.bad || version != 1 || tab_enc != 0x3b || (uint64_t)(c.end - c.p) < count * 8)
		return 1;
	/* (initial location, FDE) pairs as int32 offsets from hdr, sorted */
	const int32_t *tab = (const int32_t *)c.p;
	uint64_t lo = 0, hi = count;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if ((uint64_t)((intptr_t)hdr + tab[2 * mid]) <= f->pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		f->fde = hdr + tab[2 * (lo - 1) + 1];
	return 1;
}

/* ---------------------------------------------------------------- CFA programs */

enum { DWREG_RBP = 6, DWREG_RSP = 7, DWREG_RA = 16 };
enum { RULE_SAME = 0, RULE_OFFSET, RULE_UNDEF, RULE_OTHER };

struct cfa_state {
	int cfa_reg;
	int64_t cfa_off;
	int rbp_rule, ra_rule;
	int64_t rbp_off, ra_off;
	int other;  /* something not modelled happened */
};

struct cie_info {
	uint64_t code_align;
	int64_t data_align;
	unsigned ra_reg;
	uint8_t fde_enc;
	int signal_frame;
	const uint8_t *init, *init_end;
};

static void set_reg(struct cfa_state *s, uint64_t reg, int rule, int64_t off)
{
	if (reg == DWREG_RBP) {
		s->rbp_rule = rule;
		s->rbp_off = off;
	} else if (reg == DWREG_RA) {
		s->ra_rule = rule;
		s->ra_off = off;
	}
}

/*
 * Run a CFA program from `loc` until the row that covers `target`.
 * Returns 1 when target's row was reached inside this program.
 */
static int run_cfa(struct cur *c, const struct cie_info *ci, struct cfa_state *s,
                   const struct cfa_state *initial, uint64_t *loc, uint64_t target)
{
	struct cfa_state stack[8];
	int depth = 0;
	while (c->p < c->end && !c->bad) {
		uint8_t op = *c->p++;
		uint64_t reg, adv = 0;
		switch (op >> 6) {
		case 1:
			adv = (op & 0x3f) * ci->code_align;
			goto advance;
		case 2:
			set_reg(s, op & 0x3f, RULE_OFFSET, (int64_t)uleb(c) * ci->data_align);
			continue;
		case 3:
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:
			break;
		case 0x01:
			s->other = 1;  /* DW_CFA_set_loc: rare, not modelled */
			return 0;
		case 0x02: adv = fixed(c, 1) * ci->code_align; goto advance;
		case 0x03: adv = fixed(c, 2) * ci->code_align; goto advance;
		case 0x04: adv = fixed(c, 4) * ci->code_align; goto advance;
		case 0x05: reg = uleb(c); set_reg(s, reg, RULE_OFFSET, (int64_t)uleb(c) * ci->data_align); break;
		case 0x06: reg = uleb(c); goto restore;
		case 0x07: set_reg(s, uleb(c), RULE_UNDEF, 0); break;
		case 0x08: set_reg(s, uleb(c), RULE_SAME, 0); break;
		case 0x09: reg = uleb(c); uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case 0x0a:
			if (depth < 8)
				stack[depth++] = *s;
			else
				s->other = 1;
			break;
		case 0x0b:
			if (depth > 0)
				*s = stack[--depth];
			else
				s->other = 1;
			break;
		case 0x0c: s->cfa_reg = (int)uleb(c); s->cfa_off = (int64_t)uleb(c); break;
		case 0x0d: s->cfa_reg = (int)uleb(c); break;
		case 0x0e: s->cfa_off = (int64_t)uleb(c); break;
		case 0x0f: s->other = 1; c->p += uleb(c); break;  /* CFA expression */
		case 0x10: reg = uleb(c); c->p += uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case 0x11: reg = uleb(c); set_reg(s, reg, RULE_OFFSET, sleb(c) * ci->data_align); break;
		case 0x12: s->cfa_reg = (int)uleb(c); s->cfa_off = sleb(c) * ci->data_align; break;
		case 0x13: s->cfa_off = sleb(c) * ci->data_align; break;
		case 0x14: reg = uleb(c); uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case 0x15: reg = uleb(c); sleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case 0x16: reg = uleb(c); c->p += uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case 0x2e: uleb(c); break;  /* GNU_args_size */
		case 0x2f: reg = uleb(c); set_reg(s, reg, RULE_OFFSET, -(int64_t)uleb(c) * ci->data_align); break;
		default:
			s->other = 1;
			return 0;
		}
		continue;
restore:
		if (!initial) {
			s->other = 1;  /* DW_CFA_restore inside the CIE */
			return 0;
		}
		if (reg == DWREG_RBP) {
			s->rbp_rule = initial->rbp_rule;
			s->rbp_off = initial->rbp_off;
		} else if (reg == DWREG_RA) {
			s->ra_rule = initial->ra_rule;
			s->ra_off = initial->ra_off;
		}
		continue;
advance:
		if (*loc + adv > target)
			return 1;
		*loc += adv;
	}
	return 0;
}

static int parse_cie(const uint8_t *cie, struct cie_info *ci)
{
	struct cur c = { cie, cie + 4, 0 };
	uint64_t len = fixed(&c, 4);
	if (len == 0 || len == 0xffffffff)
		return -1;
	c.end = cie + 4 + len;
	if (fixed(&c, 4) != 0)
		return -1;  /* not a CIE */
	uint8_t version = (uint8_t)fixed(&c, 1);
	const char *aug = (const char *)c.p;
	size_t al = strnlen(aug, (size_t)(c.end - c.p));
	c.p += al + 1;
	if (strstr(aug, "eh"))
		return -1;
	ci->code_align = uleb(&c);
	ci->data_align = sleb(&c);
	ci->ra_reg = version == 1 ? (unsigned)fixed(&c, 1) : (unsigned)uleb(&c);
	ci->fde_enc = 0;
	ci->signal_frame = 0;
	if (aug[0] == 'z') {
		uint64_t alen = uleb(&c);
		const uint8_t *aend = c.p + alen;
		for (const char *a = aug + 1; *a && !c.bad; a++) {
			if (*a == 'R')
				ci->fde_enc = (uint8_t)fixed(&c, 1);
			else if (*a == 'P') {
				uint8_t enc = (uint8_t)fixed(&c, 1);
				struct cur tmp = c;
				encoded(&tmp, enc & 0x7f, 0);
				c.p = tmp.p;
			} else if (*a == 'L')
				fixed(&c, 1);
			else if (*a == 'S')
				ci->signal_frame = 1;
			else if (*a != 'B' && *a != 'G')
				return -1;
		}
		c.p = aend;
	} else if (aug[0]) {
		return -1;
	}
	if (c.bad || c.p > c.end || ci->ra_reg != DWREG_RA)
		return -1;
	ci->init = c.p;
	ci->init_end = c.end;
	return 0;
}

/* The unwind rule for return address ra (the call is at ra - 1). */
static struct rule compute_rule(uint64_t ra)
{
	struct rule r = { ra, 0, 0, R_FALLBACK };
	struct fde_find f = { ra - 1, NULL, 0 };
	dl_iterate_phdr(find_in_module, &f);
	if (!f.found_module || !f.fde) {
		r.flags = R_STOP;  /* no unwind information: the stack ends here */
		return r;
	}
	struct cur c = { f.fde, f.fde + 8, 0 };
	uint64_t len = fixed(&c, 4);
	if (len == 0 || len == 0xffffffff)
		return r;
	c.end = f.fde + 4 + len;
	const uint8_t *cie_ptr_at = c.p;
	uint32_t cie_off = (uint32_t)fixed(&c, 4);
	struct cie_info ci;
	if (!cie_off || parse_cie(cie_ptr_at - cie_off, &ci) < 0 || ci.signal_frame)
		return r;
	uint64_t start = encoded(&c, ci.fde_enc, 0);
	uint64_t range = encoded(&c, ci.fde_enc & 0x0f, 0);
	if (c.bad || ra - 1 < start || ra - 1 >= start + range) {
		r.flags = R_STOP;
		return r;
	}
	c.p += uleb(&c);  /* augmentation data: the LSDA pointer */
	if (c.bad || c.p > c.end)
		return r;

	struct cfa_state s = { DWREG_RSP, 8, RULE_SAME, RULE_OFFSET, 0, -8, 0 };
	uint64_t loc = start;
	struct cur ic = { ci.init, ci.init_end, 0 };
	run_cfa(&ic, &ci, &s, NULL, &loc, UINT64_MAX);
	struct cfa_state initial = s;
	loc = start;
	run_cfa(&c, &ci, &s, &initial, &loc, ra - 1);
	if (s.other || ic.bad || c.bad)
		return r;
	if (s.ra_rule == RULE_UNDEF) {
		r.flags = R_STOP;
		return r;
	}
	if (s.ra_rule != RULE_OFFSET || s.ra_off != -8 || (s.cfa_reg != DWREG_RSP && s.cfa_reg != DWREG_RBP) ||
	    s.cfa_off < 16 - 8 || s.cfa_off > INT32_MAX || (s.rbp_rule != RULE_SAME && s.rbp_rule != RULE_OFFSET) ||
	    (s.rbp_rule == RULE_OFFSET && (s.rbp_off < INT16_MIN || s.rbp_off >= 0)))
		return r;
	r.flags = (s.cfa_reg == DWREG_RBP ? R_CFA_RBP : 0) | (s.rbp_rule == RULE_OFFSET ? R_RBP_SAVED : 0);
	r.cfa_off = (int32_t)s.cfa_off;
	r.rbp_off = (int16_t)s.rbp_off;
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

static void rule_put(struct rule_table *t, const struct rule *r)
{
	uint32_t i = ip_hash(r->ip) & t->mask;
	while (t->slot[i].ip)
		i = (i + 1) & t->mask;
	t->slot[i].cfa_off = r->cfa_off;
	t->slot[i].rbp_off = r->rbp_off;
	t->slot[i].flags = r->flags;
	__atomic_store_n(&t->slot[i].ip, r->ip, __ATOMIC_RELEASE);
	t->count++;
}

/* Compute and publish the rule for ip; readers never wait. Old tables
 * stay mapped: a reader may still be probing one. Runs on the side
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
	struct rule_req q = { ip, { ip, 0, 0, R_STOP } };
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
		const struct rule *rp = t ? rule_find(t, ip) : NULL;
		struct rule r;
		if (ML_LIKELY(rp != NULL)) {
			r = *rp;
		} else {
			r = rule_compute(ip);
			t = atomic_load_explicit(&rules, memory_order_acquire);
		}
		if (r.flags & R_FALLBACK)
			return -1;
		uintptr_t cfa = ((r.flags & R_CFA_RBP) ? bp : sp) + (intptr_t)r.cfa_off;
		int stop = (r.flags & R_STOP) || cfa <= sp || cfa > stack_hi || (cfa & 7) ||
		           ((r.flags & R_RBP_SAVED) && cfa + r.rbp_off < sp);
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
		if ((r.flags & R_CFA_RBP) && keep)
			*pure = 0;
		if (r.flags & R_RBP_SAVED)
			bp = *(const uintptr_t *)(cfa + r.rbp_off);
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
		if (c->ip0 == ip && c->sp0 == sp && c->n && c->top <= hi && uc_valid(c) &&
		    ml_stack_still_emitted(c->stack)) {
			u->next[set] = (uint8_t)!w;
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
