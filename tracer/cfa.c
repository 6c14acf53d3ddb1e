/*
 * cfa.c - see cfa.h.
 */
#include <dwarf.h>
#include <link.h>
#include <string.h>

#include "tracer/cfa.h"

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

/* A pointer in DW_EH_PE encoding `enc` (absolute, pcrel and datarel). */
static uint64_t encoded(struct cur *c, uint8_t enc, uint64_t datarel)
{
	const uint8_t *at = c->p;
	uint64_t v;
	if (enc == DW_EH_PE_omit)
		return 0;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: v = fixed(c, 8); break;
	case DW_EH_PE_uleb128: v = uleb(c); break;
	case DW_EH_PE_udata2: v = fixed(c, 2); break;
	case DW_EH_PE_udata4: v = fixed(c, 4); break;
	case DW_EH_PE_udata8: v = fixed(c, 8); break;
	case DW_EH_PE_sleb128: v = (uint64_t)sleb(c); break;
	case DW_EH_PE_sdata2: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
	case DW_EH_PE_sdata4: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
	case DW_EH_PE_sdata8: v = fixed(c, 8); break;
	default: c->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case DW_EH_PE_absptr: break;
	case DW_EH_PE_pcrel: v += (uint64_t)(uintptr_t)at; break;
	case DW_EH_PE_datarel: v += datarel; break;
	default: c->bad = 1; return 0;
	}
	if (enc & DW_EH_PE_indirect)
		c->bad = 1;  /* not used for pc ranges */
	return v;
}

/* ---------------------------------------------------------------- .eh_frame_hdr */

const uint8_t *cfa_hdr_lookup(const uint8_t *hdr, size_t hdr_size, uint64_t pc)
{
	struct cur c = { hdr, hdr + hdr_size, 0 };
	uint8_t version = (uint8_t)fixed(&c, 1), ptr_enc = (uint8_t)fixed(&c, 1);
	uint8_t cnt_enc = (uint8_t)fixed(&c, 1), tab_enc = (uint8_t)fixed(&c, 1);
	encoded(&c, ptr_enc, (uintptr_t)hdr);
	uint64_t count = encoded(&c, cnt_enc, (uintptr_t)hdr);
	if (c.bad || version != 1 || tab_enc != (DW_EH_PE_datarel | DW_EH_PE_sdata4) ||
	    (uint64_t)(c.end - c.p) / 8 < count)
		return NULL;
	/* (initial location, FDE) pairs as int32 offsets from hdr, sorted */
	const int32_t *tab = (const int32_t *)c.p;
	uint64_t lo = 0, hi = count;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if ((uint64_t)((intptr_t)hdr + tab[2 * mid]) <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? hdr + tab[2 * (lo - 1) + 1] : NULL;
}

/* ---------------------------------------------------------------- CFA programs */

/* How a register is recovered: unchanged, saved at CFA + offset,
 * undefined, or anything else (another register, an expression). */
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

#define CFA_STATE_STACK 8   /* DW_CFA_remember_state depth modelled */

static void set_reg(struct cfa_state *s, uint64_t reg, int rule, int64_t off)
{
	if (reg == CFA_DWREG_RBP) {
		s->rbp_rule = rule;
		s->rbp_off = off;
	} else if (reg == CFA_DWREG_RA) {
		s->ra_rule = rule;
		s->ra_off = off;
	}
}

/*
 * Run a CFA program from *loc until the row that covers target; initial
 * is the state after the CIE's instructions (NULL while running them).
 * Returns 1 when target's row was reached inside this program, 0 when
 * the program ended first (its last row covers target) or stopped at
 * something not modelled (s->other set).
 */
static int run_cfa(struct cur *c, const struct cie_info *ci, struct cfa_state *s,
                   const struct cfa_state *initial, uint64_t *loc, uint64_t target)
{
	struct cfa_state stack[CFA_STATE_STACK];
	int depth = 0;
	while (c->p < c->end && !c->bad) {
		uint8_t op = *c->p++;
		uint64_t reg, adv = 0;
		/* the three opcodes with an operand in their low 6 bits */
		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
			adv = (op & 0x3f) * ci->code_align;
			goto advance;
		case DW_CFA_offset:
			set_reg(s, op & 0x3f, RULE_OFFSET, (int64_t)uleb(c) * ci->data_align);
			continue;
		case DW_CFA_restore:
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case DW_CFA_nop:
			break;
		case DW_CFA_set_loc:
			s->other = 1;  /* rare, not modelled */
			return 0;
		case DW_CFA_advance_loc1: adv = fixed(c, 1) * ci->code_align; goto advance;
		case DW_CFA_advance_loc2: adv = fixed(c, 2) * ci->code_align; goto advance;
		case DW_CFA_advance_loc4: adv = fixed(c, 4) * ci->code_align; goto advance;
		case DW_CFA_offset_extended:
			reg = uleb(c);
			set_reg(s, reg, RULE_OFFSET, (int64_t)uleb(c) * ci->data_align);
			break;
		case DW_CFA_restore_extended: reg = uleb(c); goto restore;
		case DW_CFA_undefined: set_reg(s, uleb(c), RULE_UNDEF, 0); break;
		case DW_CFA_same_value: set_reg(s, uleb(c), RULE_SAME, 0); break;
		case DW_CFA_register: reg = uleb(c); uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case DW_CFA_remember_state:
			if (depth < CFA_STATE_STACK)
				stack[depth++] = *s;
			else
				s->other = 1;
			break;
		case DW_CFA_restore_state:
			if (depth > 0)
				*s = stack[--depth];
			else
				s->other = 1;
			break;
		case DW_CFA_def_cfa: s->cfa_reg = (int)uleb(c); s->cfa_off = (int64_t)uleb(c); break;
		case DW_CFA_def_cfa_register: s->cfa_reg = (int)uleb(c); break;
		case DW_CFA_def_cfa_offset: s->cfa_off = (int64_t)uleb(c); break;
		case DW_CFA_def_cfa_expression: s->other = 1; c->p += uleb(c); break;
		case DW_CFA_expression: reg = uleb(c); c->p += uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case DW_CFA_offset_extended_sf:
			reg = uleb(c);
			set_reg(s, reg, RULE_OFFSET, sleb(c) * ci->data_align);
			break;
		case DW_CFA_def_cfa_sf: s->cfa_reg = (int)uleb(c); s->cfa_off = sleb(c) * ci->data_align; break;
		case DW_CFA_def_cfa_offset_sf: s->cfa_off = sleb(c) * ci->data_align; break;
		case DW_CFA_val_offset: reg = uleb(c); uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case DW_CFA_val_offset_sf: reg = uleb(c); sleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case DW_CFA_val_expression: reg = uleb(c); c->p += uleb(c); set_reg(s, reg, RULE_OTHER, 0); break;
		case DW_CFA_GNU_args_size: uleb(c); break;
		case DW_CFA_GNU_negative_offset_extended:
			reg = uleb(c);
			set_reg(s, reg, RULE_OFFSET, -(int64_t)uleb(c) * ci->data_align);
			break;
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
		if (reg == CFA_DWREG_RBP) {
			s->rbp_rule = initial->rbp_rule;
			s->rbp_off = initial->rbp_off;
		} else if (reg == CFA_DWREG_RA) {
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

/* The CIE at cie: 0, or -1 when it is not one this models. */
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
	if (c.bad || c.p > c.end || ci->ra_reg != CFA_DWREG_RA)
		return -1;
	ci->init = c.p;
	ci->init_end = c.end;
	return 0;
}

struct cfa_rule cfa_rule_at(const uint8_t *fde, uint64_t pc)
{
	struct cfa_rule r = { 0, 0, CFA_FALLBACK };
	struct cur c = { fde, fde + 8, 0 };
	uint64_t len = fixed(&c, 4);
	if (len == 0 || len == 0xffffffff)
		return r;
	c.end = fde + 4 + len;
	const uint8_t *cie_ptr_at = c.p;
	uint32_t cie_off = (uint32_t)fixed(&c, 4);
	struct cie_info ci;
	if (!cie_off || parse_cie(cie_ptr_at - cie_off, &ci) < 0 || ci.signal_frame)
		return r;
	uint64_t start = encoded(&c, ci.fde_enc, 0);
	uint64_t range = encoded(&c, ci.fde_enc & 0x0f, 0);
	if (c.bad || pc < start || pc >= start + range) {
		r.flags = CFA_STOP;
		return r;
	}
	c.p += uleb(&c);  /* augmentation data: the LSDA pointer */
	if (c.bad || c.p > c.end)
		return r;

	/* before the CIE's instructions: the state at a call's target */
	struct cfa_state s = { CFA_DWREG_RSP, 8, RULE_SAME, RULE_OFFSET, 0, -8, 0 };
	uint64_t loc = start;
	struct cur ic = { ci.init, ci.init_end, 0 };
	run_cfa(&ic, &ci, &s, NULL, &loc, UINT64_MAX);
	struct cfa_state initial = s;
	loc = start;
	run_cfa(&c, &ci, &s, &initial, &loc, pc);
	if (s.other || ic.bad || c.bad)
		return r;
	if (s.ra_rule == RULE_UNDEF) {
		r.flags = CFA_STOP;
		return r;
	}
	if (s.ra_rule != RULE_OFFSET || s.ra_off != -8 ||
	    (s.cfa_reg != CFA_DWREG_RSP && s.cfa_reg != CFA_DWREG_RBP) ||
	    s.cfa_off < 16 - 8 || s.cfa_off > INT32_MAX ||
	    (s.rbp_rule != RULE_SAME && s.rbp_rule != RULE_OFFSET) ||
	    (s.rbp_rule == RULE_OFFSET && (s.rbp_off < INT16_MIN || s.rbp_off >= 0)))
		return r;
	r.flags = (uint16_t)((s.cfa_reg == CFA_DWREG_RBP ? CFA_FROM_RBP : 0) |
	                     (s.rbp_rule == RULE_OFFSET ? CFA_RBP_SAVED : 0));
	r.cfa_off = (int32_t)s.cfa_off;
	r.rbp_off = (int16_t)s.rbp_off;
	return r;
}

/* ---------------------------------------------------------------- finding the FDE */

struct fde_find {
	uint64_t pc;
	const uint8_t *fde;
};

/* dl_iterate_phdr callback: 1 in the module holding f->pc, with f->fde
 * found through its .eh_frame_hdr (when it has one). */
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
	if (hdr_ph)
		f->fde = cfa_hdr_lookup((const uint8_t *)(info->dlpi_addr + hdr_ph->p_vaddr),
		                        hdr_ph->p_memsz, f->pc);
	return 1;
}

const uint8_t *cfa_find_fde(uint64_t pc)
{
	struct fde_find f = { pc, NULL };
	dl_iterate_phdr(find_in_module, &f);
	return f.fde;
}
