/*
 * cxxname.h - reading demangled C and C++ function names.
 *
 * The symbolizer hands out names as the demangler writes them:
 * "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int
 * const&>(...)", "operator new(unsigned long)", "f() [clone .cold]",
 * "__libc_start_main@@GLIBC_2.34". Two things are done with them here:
 *
 *  - cxxname_bare() finds the name a person would type to mean the
 *    function: no return type, no argument list, no clone or symbol
 *    version suffix ("std::vector<int, std::allocator<int> >::
 *    _M_realloc_insert<int const&>", "operator new", "f").
 *  - cxxname_abbrev() shortens long template names for display, as
 *    heaptrack does: every template argument list collapses to "<…>"
 *    ("std::vector<…>::_M_realloc_insert<…>(…)").
 *
 * Both understand the operators whose names hold '<', '>' or '('
 * (operator<, operator<<, operator<=>, operator->, operator(), ...) and
 * "(anonymous namespace)". They never fail: a name they cannot parse is
 * passed through as it is (cut to fit). Neither allocates.
 */
#ifndef MEMLEDGER_INGEST_CXXNAME_H
#define MEMLEDGER_INGEST_CXXNAME_H

#include <stddef.h>

/**
 * Write the bare name of fn into dst (cap bytes, cap >= 1, always
 * NUL-terminated; a longer name is cut). Returns dst.
 */
char *cxxname_bare(const char *fn, char *dst, size_t cap);

/**
 * Write fn with every template argument list replaced by "<…>" (UTF-8
 * ellipsis) into dst (cap >= 1, always NUL-terminated). A name longer than
 * dst is cut and ends with "…". Returns the number of bytes the whole
 * abbreviation would take (without the NUL), like snprintf, so a caller
 * can tell whether anything was cut; once dst is full the rest is counted
 * unabbreviated, so the figure is then an upper bound. Work stops there:
 * a name of megabytes costs no more than the buffer.
 */
size_t cxxname_abbrev(const char *fn, char *dst, size_t cap);

#endif
