/*
 * stacklist.h - a stack as the templates list it (templates/README.md,
 * "A stack"), for the report and the comparison alike. Implemented in
 * report/stackcache.c.
 */
#ifndef MEMLEDGER_REPORT_STACKLIST_H
#define MEMLEDGER_REPORT_STACKLIST_H

#include "report/data.h"
#include "report/tal.h"

/**
 * [ {fn, fn_full, where, module, runtime, inlined, class} ] for the n
 * frames fr, innermost first (fr may be NULL when n is 0): at most
 * 64 of them (MAX_FRAMES, report/sections.h), then one entry saying how many were left out. The
 * list borrows nothing from fr; the caller frees it with tal_free.
 */
tal_value *stack_frames_value(const struct rp_frame *fr, int n);

#endif
