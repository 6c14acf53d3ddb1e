/*
 * suppress.h - suppressions: sites that never make the gate fail.
 *
 * A suppressions file names known problems the team has decided to live
 * with, such as a third-party library's leak. The format is documented
 * in README.md ("Suppressions"): one rule a line,
 *
 *	fun:PATTERN      a frame's function (demangled)
 *	file:PATTERN     a frame's source file (the full path, or the
 *	                 file's base name when PATTERN has no '/')
 *	module:PATTERN   a frame's module (its file name)
 *
 * PATTERN is a shell glob (fnmatch(3): *, ?, [...]) matched against the
 * whole name. A stack is suppressed when any of its frames matches any
 * rule, as LeakSanitizer does. Blank lines and lines starting with '#'
 * are ignored; a '#' after a rule is part of its pattern.
 */
#ifndef MEMLEDGER_COMPARE_SUPPRESS_H
#define MEMLEDGER_COMPARE_SUPPRESS_H

#include <stddef.h>

#include "compare/sitekey.h"

enum cmp_supp_field { CMP_SUPP_FUN, CMP_SUPP_FILE, CMP_SUPP_MODULE };

struct cmp_supp_rule {
	enum cmp_supp_field field;
	char *pattern;
	int line;          /* in the file, for messages */
	size_t hits;       /* stacks it suppressed (updated by cmp_supp_match) */
};

struct cmp_suppressions {
	char *path;
	struct cmp_supp_rule *rules;
	size_t n;
};
#define CMP_SUPPRESSIONS_INIT { NULL, NULL, 0 }

/**
 * Read the rules of the file at path into s (which must be empty). 0, or
 * -1 with one line in err ("LINE N: what is wrong", or why the file
 * cannot be read) and s empty.
 */
int cmp_supp_load(struct cmp_suppressions *s, const char *path, char *err, size_t errlen);

/** Parse rules from text (len bytes); as cmp_supp_load. */
int cmp_supp_parse(struct cmp_suppressions *s, const char *text, size_t len, char *err, size_t errlen);

/** The first rule matching a frame of the stack, counting a hit, or NULL. */
struct cmp_supp_rule *cmp_supp_match(struct cmp_suppressions *s, const struct cmp_frame *f, size_t n);

void cmp_supp_free(struct cmp_suppressions *s);

#endif
