/*
 * cfa.h - the unwind rule of one return address, from the DWARF
 * call-frame information in .eh_frame (x86-64).
 *
 * The fast unwinder (unwind.c) asks once per return address, caches the
 * answer, and from then on walks a frame with two or three loads:
 *
 *	CFA = (RSP or RBP) + cfa_off      the caller's stack pointer
 *	RA  = *(CFA - 8)                  the next return address
 *	RBP = *(CFA + rbp_off)            when this frame saved RBP
 *
 * Only that shape is modelled. Whatever else the CIE and FDE programs
 * say (a CFA given by a DWARF expression or in another register, a
 * return address not at CFA - 8, RBP kept in a register or computed, a
 * signal frame, DW_CFA_set_loc, an unknown opcode, a state stack deeper
 * than 8) makes the rule CFA_FALLBACK, and the caller hands the whole
 * stack to libunwind. An undefined return address (_start, clone3) or a
 * pc the FDE does not cover makes it CFA_STOP: the stack ends there.
 *
 * Reads only the .eh_frame_hdr and .eh_frame bytes it is given and the
 * memory their lengths describe; keeps no state, takes no lock and never
 * allocates, so it is safe in the tracer's hooks (on the side stack) and
 * testable on its own (tests/unit/test_cfa.c). The one exception is
 * cfa_find_fde, which finds those bytes among the loaded modules.
 */
#ifndef MEMLEDGER_TRACER_CFA_H
#define MEMLEDGER_TRACER_CFA_H

#include <stddef.h>
#include <stdint.h>

/* DWARF register numbers on x86-64 */
enum { CFA_DWREG_RBP = 6, CFA_DWREG_RSP = 7, CFA_DWREG_RA = 16 };

enum {
	CFA_STOP = 1,       /* end of the stack: no caller */
	CFA_FALLBACK = 2,   /* not modelled: let libunwind do this stack */
	CFA_FROM_RBP = 4,   /* CFA is RBP + cfa_off (else RSP + cfa_off) */
	CFA_RBP_SAVED = 8,  /* RBP was saved at CFA + rbp_off */
};

/** A frame's rule; with CFA_STOP or CFA_FALLBACK the offsets mean nothing. */
struct cfa_rule {
	int32_t cfa_off;    /* >= 8 */
	int16_t rbp_off;    /* < 0, with CFA_RBP_SAVED */
	uint16_t flags;
};

/**
 * The FDE that may cover pc, from a module's .eh_frame_hdr (hdr, its
 * size): the one with the greatest initial location not above pc, by
 * binary search in the header's sorted table. NULL when no entry starts
 * at or below pc, or the header is not version 1 with a datarel sdata4
 * table. The FDE's own range is checked by cfa_rule_at.
 */
const uint8_t *cfa_hdr_lookup(const uint8_t *hdr, size_t hdr_size, uint64_t pc);

/**
 * The rule for the frame whose code is at pc (a return address - 1, so
 * the row of the call, not of the instruction after it), from the FDE at
 * fde (pointer-sized fields as the CIE's augmentation says; PC-relative
 * ones are relative to where the bytes are). Runs the CIE's initial
 * instructions, then the FDE's up to pc.
 */
struct cfa_rule cfa_rule_at(const uint8_t *fde, uint64_t pc);

/**
 * The FDE that may cover pc (as cfa_hdr_lookup gives it) in the loaded
 * module that holds pc, through that module's .eh_frame_hdr; NULL when
 * no module holds pc or the one that does has no .eh_frame_hdr. Unlike
 * the rest of this file it walks the loaded modules (dl_iterate_phdr,
 * which takes the dynamic loader's lock), so the caller caches the rule.
 */
const uint8_t *cfa_find_fde(uint64_t pc);

#endif
