/*
 * test_cfa.c - the CFA rules the fast unwinder models (tracer/cfa.c), on
 * hand-built .eh_frame CIEs and FDEs: every DW_CFA_* opcode cfa.c reads,
 * the rows an address falls in, what ends a stack (CFA_STOP) and what is
 * left to libunwind (CFA_FALLBACK); the .eh_frame_hdr binary search; and
 * the rule for a real frame of this program, found through its own
 * .eh_frame_hdr as the unwinder finds it (cfa_find_fde) and checked
 * against the frame pointer.
 */
#include <dwarf.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tracer/cfa.h"

/* ---------------------------------------------------------------- building */

struct eh {
	uint8_t b[1024];
	size_t n;
	size_t cie;          /* where the CIE starts */
	size_t len_at;       /* the open record's length field */
};

static void u8(struct eh *e, unsigned v)
{
	e->b[e->n++] = (uint8_t)v;
}

static void u32(struct eh *e, uint32_t v)
{
	memcpy(e->b + e->n, &v, 4);
	e->n += 4;
}

static void u64(struct eh *e, uint64_t v)
{
	memcpy(e->b + e->n, &v, 8);
	e->n += 8;
}

static void uleb(struct eh *e, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		u8(e, b | (v ? 0x80 : 0));
	} while (v);
}

static void sleb(struct eh *e, int64_t v)
{
	for (;;) {
		uint8_t b = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
			u8(e, b);
			return;
		}
		u8(e, b | 0x80);
	}
}

static void close_record(struct eh *e)
{
	uint32_t len = (uint32_t)(e->n - e->len_at - 4);
	memcpy(e->b + e->len_at, &len, 4);
}

/*
 * A CIE as GCC writes one for x86-64: code alignment 1, data alignment
 * -8, return address column 16, FDE pointers in `fde_enc`, and the
 * initial rule: CFA = RSP + 8, return address at CFA - 8. aug is the
 * augmentation string ("zR", "zRS", ...); each letter after z gets its
 * data (R: fde_enc, P: an absolute personality, L: an LSDA encoding).
 */
static void cie(struct eh *e, const char *aug, uint8_t fde_enc)
{
	e->n = 0;
	e->cie = 0;
	e->len_at = e->n;
	u32(e, 0);
	u32(e, 0);  /* CIE id */
	u8(e, 1);   /* version */
	for (const char *a = aug; *a; a++)
		u8(e, (uint8_t)*a);
	u8(e, 0);
	uleb(e, 1);
	sleb(e, -8);
	u8(e, CFA_DWREG_RA);
	if (aug[0] == 'z') {
		struct eh data = { .n = 0 };
		for (const char *a = aug + 1; *a; a++) {
			if (*a == 'R')
				u8(&data, fde_enc);
			else if (*a == 'P') {
				u8(&data, DW_EH_PE_udata8);
				u64(&data, 0x123456);
			} else if (*a == 'L')
				u8(&data, DW_EH_PE_udata8);
		}
		uleb(e, data.n);
		memcpy(e->b + e->n, data.b, data.n);
		e->n += data.n;
	}
	u8(e, DW_CFA_def_cfa);
	uleb(e, CFA_DWREG_RSP);
	uleb(e, 8);
	u8(e, DW_CFA_offset | CFA_DWREG_RA);
	uleb(e, 1);
	close_record(e);
}

/* Start an FDE for [start, start + range) after the CIE, with absolute
 * 8-byte pointers; the program follows, then fde_end(). Returns where
 * the FDE starts. */
static size_t fde(struct eh *e, uint64_t start, uint64_t range)
{
	size_t at = e->n;
	e->len_at = e->n;
	u32(e, 0);
	u32(e, (uint32_t)(e->n - e->cie));  /* back to the CIE */
	u64(e, start);
	u64(e, range);
	uleb(e, 0);  /* augmentation data */
	return at;
}

static void fde_end(struct eh *e)
{
	close_record(e);
}

static struct cfa_rule at(struct eh *e, size_t f, uint64_t pc)
{
	return cfa_rule_at(e->b + f, pc);
}

#define CHECK_RULE(r, want_flags, want_cfa, want_rbp) do { \
	struct cfa_rule r_ = (r); \
	CHECK_EQ_INT(r_.flags, want_flags); \
	if (!(r_.flags & (CFA_STOP | CFA_FALLBACK))) { \
		CHECK_EQ_INT(r_.cfa_off, want_cfa); \
		if (r_.flags & CFA_RBP_SAVED) \
			CHECK_EQ_INT(r_.rbp_off, want_rbp); \
	} \
} while (0)

#define S 0x401000u  /* the function's start in the hand-built FDEs */

/* ---------------------------------------------------------------- rows */

/* push %rbp; mov %rsp,%rbp; ...; pop %rbp; ret - the frame-pointer
 * prologue and epilogue, row by row. */
static void test_frame_pointer_rows(void)
{
	struct eh e;
	cie(&e, "zR", DW_EH_PE_udata8);
	size_t f = fde(&e, S, 0x40);
	u8(&e, DW_CFA_advance_loc | 1);          /* after push %rbp */
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 16);
	u8(&e, DW_CFA_offset | CFA_DWREG_RBP);    /* at CFA - 16 */
	uleb(&e, 2);
	u8(&e, DW_CFA_advance_loc | 3);          /* after mov %rsp,%rbp */
	u8(&e, DW_CFA_def_cfa_register);
	uleb(&e, CFA_DWREG_RBP);
	u8(&e, DW_CFA_advance_loc | 0x30);       /* after pop %rbp */
	u8(&e, DW_CFA_def_cfa);
	uleb(&e, CFA_DWREG_RSP);
	uleb(&e, 8);
	fde_end(&e);

	CHECK_RULE(at(&e, f, S), 0, 8, 0);
	CHECK_RULE(at(&e, f, S + 1), CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 3), CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 4), CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 0x33), CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	/* after the pop RBP's saved slot is still the rule (GCC restores it
	 * with DW_CFA_restore only sometimes); the CFA is RSP + 8 again */
	CHECK_RULE(at(&e, f, S + 0x34), CFA_RBP_SAVED, 8, -16);
	CHECK_RULE(at(&e, f, S + 0x3f), CFA_RBP_SAVED, 8, -16);
	/* outside the FDE's range: the stack ends */
	CHECK_RULE(at(&e, f, S + 0x40), CFA_STOP, 0, 0);
	CHECK_RULE(at(&e, f, S - 1), CFA_STOP, 0, 0);
}

/* No frame pointer: pushes and a sub, each changing RSP's distance. */
static void test_rsp_rows(void)
{
	struct eh e;
	cie(&e, "zR", DW_EH_PE_udata8);
	size_t f = fde(&e, S, 0x1000);
	u8(&e, DW_CFA_advance_loc | 2);
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 16);
	u8(&e, DW_CFA_advance_loc1);
	u8(&e, 0x80);                             /* 128 bytes on */
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 24);
	u8(&e, DW_CFA_advance_loc2);
	u8(&e, 0x00);
	u8(&e, 0x01);                             /* 256 bytes on */
	u8(&e, DW_CFA_def_cfa_offset_sf);
	sleb(&e, -5);                             /* * data alignment -8 = 40 */
	u8(&e, DW_CFA_advance_loc4);
	u32(&e, 0x200);
	u8(&e, DW_CFA_def_cfa_sf);
	uleb(&e, CFA_DWREG_RSP);
	sleb(&e, -2);                             /* 16 */
	u8(&e, DW_CFA_GNU_args_size);             /* read and ignored */
	uleb(&e, 32);
	fde_end(&e);

	CHECK_RULE(at(&e, f, S + 1), 0, 8, 0);
	CHECK_RULE(at(&e, f, S + 2), 0, 16, 0);
	CHECK_RULE(at(&e, f, S + 2 + 127), 0, 16, 0);
	CHECK_RULE(at(&e, f, S + 2 + 128), 0, 24, 0);
	CHECK_RULE(at(&e, f, S + 2 + 128 + 255), 0, 24, 0);
	CHECK_RULE(at(&e, f, S + 2 + 128 + 256), 0, 40, 0);
	CHECK_RULE(at(&e, f, S + 2 + 128 + 256 + 0x200), 0, 16, 0);
	CHECK_RULE(at(&e, f, S + 0xfff), 0, 16, 0);
}

/* RBP saved through the other forms of "register at CFA + offset". */
static void test_offset_forms(void)
{
	struct eh e;
	cie(&e, "zR", DW_EH_PE_udata8);
	size_t f = fde(&e, S, 0x100);
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 32);
	u8(&e, DW_CFA_offset_extended);
	uleb(&e, CFA_DWREG_RBP);
	uleb(&e, 3);                              /* -24 */
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_offset_extended_sf);
	uleb(&e, CFA_DWREG_RBP);
	sleb(&e, 2);                              /* 2 * -8 = -16 */
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_GNU_negative_offset_extended);
	uleb(&e, CFA_DWREG_RBP);
	uleb(&e, 4);                              /* -(4 * -8) = +32: not below the CFA */
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_same_value);
	uleb(&e, CFA_DWREG_RBP);
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_offset | 3);                /* RBX: not one the walk needs */
	uleb(&e, 2);
	u8(&e, DW_CFA_expression);                /* RBX by an expression: ignored too */
	uleb(&e, 3);
	uleb(&e, 2);
	u8(&e, 0x77);                             /* DW_OP_breg7 */
	u8(&e, 0x00);
	u8(&e, DW_CFA_nop);
	fde_end(&e);

	CHECK_RULE(at(&e, f, S), CFA_RBP_SAVED, 32, -24);
	CHECK_RULE(at(&e, f, S + 1), CFA_RBP_SAVED, 32, -16);
	/* RBP saved above the CFA: not the shape modelled */
	CHECK_RULE(at(&e, f, S + 2), CFA_FALLBACK, 0, 0);
	CHECK_RULE(at(&e, f, S + 3), 0, 32, 0);
	CHECK_RULE(at(&e, f, S + 4), 0, 32, 0);
}

/* DW_CFA_remember_state / restore_state around an early return, and
 * DW_CFA_restore / restore_extended back to the CIE's rule. */
static void test_state_and_restore(void)
{
	struct eh e;
	cie(&e, "zR", DW_EH_PE_udata8);
	size_t f = fde(&e, S, 0x100);
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 16);
	u8(&e, DW_CFA_offset | CFA_DWREG_RBP);
	uleb(&e, 2);
	u8(&e, DW_CFA_advance_loc | 3);
	u8(&e, DW_CFA_def_cfa_register);
	uleb(&e, CFA_DWREG_RBP);
	u8(&e, DW_CFA_advance_loc | 4);          /* S+8: an early return's epilogue */
	u8(&e, DW_CFA_remember_state);
	u8(&e, DW_CFA_restore | CFA_DWREG_RBP);   /* pop %rbp */
	u8(&e, DW_CFA_def_cfa);
	uleb(&e, CFA_DWREG_RSP);
	uleb(&e, 8);
	u8(&e, DW_CFA_advance_loc | 1);          /* S+9: the body again */
	u8(&e, DW_CFA_restore_state);
	u8(&e, DW_CFA_advance_loc | 7);          /* S+16 */
	u8(&e, DW_CFA_restore_extended);
	uleb(&e, CFA_DWREG_RBP);
	fde_end(&e);

	CHECK_RULE(at(&e, f, S + 7), CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 8), 0, 8, 0);
	CHECK_RULE(at(&e, f, S + 9), CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 15), CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	CHECK_RULE(at(&e, f, S + 16), CFA_FROM_RBP, 16, 0);

	/* nine states deep: more than cfa.c keeps */
	cie(&e, "zR", DW_EH_PE_udata8);
	f = fde(&e, S, 0x100);
	for (int i = 0; i < 9; i++)
		u8(&e, DW_CFA_remember_state);
	u8(&e, DW_CFA_advance_loc | 1);
	fde_end(&e);
	CHECK_RULE(at(&e, f, S + 2), CFA_FALLBACK, 0, 0);

	/* restore_state with nothing remembered */
	cie(&e, "zR", DW_EH_PE_udata8);
	f = fde(&e, S, 0x100);
	u8(&e, DW_CFA_restore_state);
	fde_end(&e);
	CHECK_RULE(at(&e, f, S), CFA_FALLBACK, 0, 0);
}

/* ---------------------------------------------------------------- ends and fallbacks */

/* One FDE whose program is `ops` (n bytes), from the row at S. */
static struct cfa_rule rule_of(const uint8_t *ops, size_t n, const char *aug)
{
	struct eh e;
	cie(&e, aug, DW_EH_PE_udata8);
	size_t f = fde(&e, S, 0x100);
	if (n)
		memcpy(e.b + e.n, ops, n);
	e.n += n;
	fde_end(&e);
	return at(&e, f, S + 8);
}

static void test_stop_and_fallback(void)
{
	/* _start and clone3: the return address is undefined */
	static const uint8_t undef_ra[] = { DW_CFA_undefined, CFA_DWREG_RA };
	CHECK_RULE(rule_of(undef_ra, sizeof undef_ra, "zR"), CFA_STOP, 0, 0);

	/* a signal frame (augmentation S): libunwind's */
	CHECK_RULE(rule_of(NULL, 0, "zRS"), CFA_FALLBACK, 0, 0);
	/* personality and LSDA augmentations are read past */
	CHECK_RULE(rule_of(NULL, 0, "zPLR"), 0, 8, 0);

	static const uint8_t cfa_expr[] = { DW_CFA_def_cfa_expression, 2, 0x77, 0x08 };
	CHECK_RULE(rule_of(cfa_expr, sizeof cfa_expr, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t rbp_expr[] = { DW_CFA_expression, CFA_DWREG_RBP, 2, 0x77, 0x08 };
	CHECK_RULE(rule_of(rbp_expr, sizeof rbp_expr, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t rbp_val_expr[] = { DW_CFA_val_expression, CFA_DWREG_RBP, 2, 0x77, 0x08 };
	CHECK_RULE(rule_of(rbp_val_expr, sizeof rbp_val_expr, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t rbp_in_reg[] = { DW_CFA_register, CFA_DWREG_RBP, 3 };
	CHECK_RULE(rule_of(rbp_in_reg, sizeof rbp_in_reg, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t rbp_val_off[] = { DW_CFA_val_offset, CFA_DWREG_RBP, 2 };
	CHECK_RULE(rule_of(rbp_val_off, sizeof rbp_val_off, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t rbp_val_off_sf[] = { DW_CFA_val_offset_sf, CFA_DWREG_RBP, 0x7e };
	CHECK_RULE(rule_of(rbp_val_off_sf, sizeof rbp_val_off_sf, "zR"), CFA_FALLBACK, 0, 0);
	/* the CFA in a register other than RSP and RBP */
	static const uint8_t cfa_rbx[] = { DW_CFA_def_cfa_register, 3 };
	CHECK_RULE(rule_of(cfa_rbx, sizeof cfa_rbx, "zR"), CFA_FALLBACK, 0, 0);
	/* the return address somewhere else than CFA - 8 */
	static const uint8_t ra_at_16[] = { DW_CFA_offset | CFA_DWREG_RA, 2 };
	CHECK_RULE(rule_of(ra_at_16, sizeof ra_at_16, "zR"), CFA_FALLBACK, 0, 0);
	/* a CFA offset too small to hold the return address */
	static const uint8_t cfa_0[] = { DW_CFA_def_cfa_offset, 0 };
	CHECK_RULE(rule_of(cfa_0, sizeof cfa_0, "zR"), CFA_FALLBACK, 0, 0);
	/* DW_CFA_set_loc, and an opcode cfa.c does not know */
	static const uint8_t set_loc[] = { DW_CFA_set_loc, 0, 0, 0, 0, 0, 0, 0, 0 };
	CHECK_RULE(rule_of(set_loc, sizeof set_loc, "zR"), CFA_FALLBACK, 0, 0);
	static const uint8_t unknown[] = { DW_CFA_high_user };
	CHECK_RULE(rule_of(unknown, sizeof unknown, "zR"), CFA_FALLBACK, 0, 0);
	/* a program cut inside an operand */
	static const uint8_t cut[] = { DW_CFA_def_cfa_offset, 0x80 };
	CHECK_RULE(rule_of(cut, sizeof cut, "zR"), CFA_FALLBACK, 0, 0);
	/* an augmentation it does not know, and the ancient "eh" */
	CHECK_RULE(rule_of(NULL, 0, "zX"), CFA_FALLBACK, 0, 0);
	CHECK_RULE(rule_of(NULL, 0, "eh"), CFA_FALLBACK, 0, 0);
}

/* FDE pointers relative to themselves, as GCC writes them (pcrel sdata4). */
static void test_pcrel_fde(void)
{
	struct eh e;
	cie(&e, "zR", DW_EH_PE_pcrel | DW_EH_PE_sdata4);
	size_t f = e.n;
	e.len_at = e.n;
	u32(&e, 0);
	u32(&e, (uint32_t)(e.n - e.cie));
	/* the function: 64 bytes starting 0x100 bytes past this field */
	uint64_t start = (uint64_t)(uintptr_t)(e.b + e.n) + 0x100;
	u32(&e, 0x100);
	u32(&e, 0x40);  /* the range is never relative */
	uleb(&e, 0);
	u8(&e, DW_CFA_advance_loc | 1);
	u8(&e, DW_CFA_def_cfa_offset);
	uleb(&e, 16);
	fde_end(&e);
	CHECK_RULE(at(&e, f, start), 0, 8, 0);
	CHECK_RULE(at(&e, f, start + 1), 0, 16, 0);
	CHECK_RULE(at(&e, f, start + 0x3f), 0, 16, 0);
	CHECK_RULE(at(&e, f, start + 0x40), CFA_STOP, 0, 0);

	/* an FDE whose CIE pointer is 0 is not an FDE; nor is a 0 length */
	struct eh z;
	cie(&z, "zR", DW_EH_PE_udata8);
	size_t g = fde(&z, S, 0x10);
	fde_end(&z);
	memset(z.b + g + 4, 0, 4);
	CHECK_RULE(at(&z, g, S), CFA_FALLBACK, 0, 0);
	memset(z.b + g, 0, 4);
	CHECK_RULE(at(&z, g, S), CFA_FALLBACK, 0, 0);
}

/* ---------------------------------------------------------------- .eh_frame_hdr */

static void test_hdr_lookup(void)
{
	static uint8_t hdr[4 + 4 + 4 + 4 * 8] __attribute__((aligned(4)));
	uint8_t *p = hdr;
	*p++ = 1;                                         /* version */
	*p++ = DW_EH_PE_pcrel | DW_EH_PE_sdata4;          /* eh_frame_ptr */
	*p++ = DW_EH_PE_udata4;                           /* fde_count */
	*p++ = DW_EH_PE_datarel | DW_EH_PE_sdata4;        /* the table */
	int32_t v = 0x1000;
	memcpy(p, &v, 4);
	p += 4;
	uint32_t count = 4;
	memcpy(p, &count, 4);
	p += 4;
	/* functions at hdr+0x100, +0x200, +0x300, +0x400; FDEs at +4, +8, +12, +16 (any address will do) */
	for (int32_t i = 0; i < 4; i++) {
		int32_t pair[2] = { 0x100 * (i + 1), 4 * (i + 1) };
		memcpy(p, pair, 8);
		p += 8;
	}
	uint64_t base = (uint64_t)(uintptr_t)hdr;
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0xff) == NULL);
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x100) == hdr + 4);
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x1ff) == hdr + 4);
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x200) == hdr + 8);
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x350) == hdr + 12);
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x100000) == hdr + 16);
	/* a table longer than the header holds, or in another encoding */
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr - 1, base + 0x200) == NULL);
	hdr[3] = DW_EH_PE_datarel | DW_EH_PE_sdata8;
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x200) == NULL);
	hdr[3] = DW_EH_PE_datarel | DW_EH_PE_sdata4;
	hdr[0] = 2;
	CHECK(cfa_hdr_lookup(hdr, sizeof hdr, base + 0x200) == NULL);
}

/* ---------------------------------------------------------------- a real frame */

static volatile uintptr_t sink;

/* Called from caller(): the rule for our return address describes
 * caller()'s frame at the call. This test is built with frame pointers
 * (-fno-omit-frame-pointer), so that frame's CFA is its RBP + 16, with
 * RBP saved at CFA - 16: check the rule, and that the CFA it gives holds
 * caller()'s own return address just below it, where the walk reads the
 * next frame. */
static __attribute__((noinline)) void callee(uintptr_t caller_rbp, uintptr_t caller_ra)
{
	uintptr_t ra = (uintptr_t)__builtin_return_address(0);
	const uint8_t *fde = cfa_find_fde(ra - 1);
	CHECK(fde != NULL);
	if (!fde)
		return;
	struct cfa_rule r = cfa_rule_at(fde, ra - 1);
	CHECK_RULE(r, CFA_FROM_RBP | CFA_RBP_SAVED, 16, -16);
	uintptr_t cfa = caller_rbp + (uintptr_t)r.cfa_off;
	CHECK(*(const uintptr_t *)(cfa - 8) == caller_ra);
	CHECK(*(const uintptr_t *)(cfa + r.rbp_off) != 0);  /* main()'s saved RBP */
	sink = cfa;
}

static __attribute__((noinline)) void caller(void)
{
	callee((uintptr_t)__builtin_frame_address(0), (uintptr_t)__builtin_return_address(0));
	sink++;  /* not a tail call */
}

int main(void)
{
	test_frame_pointer_rows();
	test_rsp_rows();
	test_offset_forms();
	test_state_and_restore();
	test_stop_and_fallback();
	test_pcrel_fde();
	test_hdr_lookup();
	caller();
	return CHECK_DONE();
}
