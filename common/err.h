/*
 * err.h - the error messages every part of the tool writes the same way.
 *
 * Library code reports errors into a caller's buffer (err, errlen) and
 * returns -1 or NULL; the CLI prints that buffer as
 * "memledger: WHAT: message". These helpers keep the words in one place.
 */
#ifndef MEMLEDGER_COMMON_ERR_H
#define MEMLEDGER_COMMON_ERR_H

#include <stddef.h>

/** The words for a failed allocation, for error sinks that take a message. */
#define ERR_OOM "out of memory"

/** Write ERR_OOM into (err, errlen) (either may be NULL/0); returns -1. */
int err_oom(char *err, size_t errlen);

#endif
