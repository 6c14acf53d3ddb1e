/*
 * bytes.h - a counted run of bytes as a C string.
 */
#ifndef MEMLEDGER_COMMON_BYTES_H
#define MEMLEDGER_COMMON_BYTES_H

#include <stddef.h>

/**
 * A malloc'd copy of the n bytes at s with a NUL after them, or NULL when
 * out of memory. The caller frees it. NUL bytes inside are copied as they
 * are, so the string may read shorter than n.
 */
char *bytes_dup(const void *s, size_t n);

#endif
