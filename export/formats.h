/*
 * formats.h - one writer per export format, for export.c.
 *
 * Each turns a loaded process (load.h) into the bytes of one file, in
 * memory: append to out, return 0, or -1 with a one-line reason in err.
 * A writer never touches the file system. `weight` is folded's --weight.
 */
#ifndef MEMLEDGER_EXPORT_FORMATS_H
#define MEMLEDGER_EXPORT_FORMATS_H

#include <stddef.h>

#include "export/load.h"
#include "ingest/json.h"

/** gzip-compressed profile.proto (pprof.c). */
int ex_pprof(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen);

/** Folded stacks, one line per stack, weighted by `weight` (folded.c). */
int ex_folded(const struct ex_data *d, const char *weight, struct jbuf *out, char *err,
	      size_t errlen);

/** speedscope's JSON file format, one profile per weight (speedscope.c). */
int ex_speedscope(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen);

/** valgrind massif's output format (massif.c). */
int ex_massif(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen);

/** Weights that folded accepts and speedscope writes, in speedscope's order. */
enum ex_weight { EXW_BYTES, EXW_ALLOCS, EXW_LIVE, EXW_LIVE_ALLOCS, EXW_LOST, EXW_INDIRECT,
		 EXW_COUNT };

/** The --weight name of w ("bytes", "allocs", "live", "live-allocs", "lost", "indirect"). */
const char *ex_weight_name(enum ex_weight w);

/** The weight called name, or -1. */
int ex_weight_parse(const char *name);

/** Site s weighed by w. */
long long ex_weight_of(const struct ex_site *s, enum ex_weight w);

/** 1 if w counts bytes, 0 if it counts blocks. */
int ex_weight_is_bytes(enum ex_weight w);

#endif
