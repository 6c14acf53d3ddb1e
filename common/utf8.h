/*
 * utf8.h - UTF-8, strictly: the one decoder and encoder the tool uses.
 *
 * Valid means what RFC 3629 allows: no overlong forms, no surrogates
 * (U+D800-DFFF), nothing above U+10FFFF. Callers decide what to do with
 * what is not valid (escape it, replace it with U+FFFD).
 */
#ifndef MEMLEDGER_COMMON_UTF8_H
#define MEMLEDGER_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/** The most bytes one code point takes. */
#define UTF8_MAX 4

/**
 * Decode the sequence at s (at most n bytes, n >= 1): its length 1..4 and
 * its code point in *cp, or 0 when it is not valid UTF-8 (*cp is then
 * unspecified). Reads the bytes one at a time and stops at the first that
 * does not fit, so a NUL-terminated string may be passed with n = UTF8_MAX.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/**
 * Encode cp into d (room for UTF8_MAX bytes); returns the length. A
 * surrogate or a value above U+10FFFF, which UTF-8 cannot carry, is
 * written as U+FFFD.
 */
size_t utf8_encode(char *d, uint32_t cp);

/** Whether byte c continues a sequence (10xxxxxx) rather than starts one. */
static inline int utf8_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/** The start of the character byte i of s is in: i moved back over continuation bytes. */
static inline size_t utf8_floor(const char *s, size_t i)
{
	while (i > 0 && utf8_is_cont((unsigned char)s[i]))
		i--;
	return i;
}

#endif
