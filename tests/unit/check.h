/*
 * check.h - the unit tests' assert helper.
 *
 * CHECK(cond) records a failure with file and line and goes on;
 * CHECK_EQ_INT / CHECK_EQ_STR print both values. CHECK_DONE() prints one
 * line "name: N checks, M failed" and returns the exit status for main():
 *
 *	int main(void) { CHECK(1 + 1 == 2); return CHECK_DONE(); }
 */
#ifndef MEMLEDGER_CHECK_H
#define MEMLEDGER_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

#define CHECK(cond) do { \
	check_count++; \
	if (!(cond)) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_EQ_INT(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	check_count++; \
	if (check_a_ != check_b_) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
			__FILE__, __LINE__, #a, #b, check_a_, check_b_); \
	} \
} while (0)

#define CHECK_EQ_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	check_count++; \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
			__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
			check_b_ ? check_b_ : "(null)"); \
	} \
} while (0)

#define CHECK_DONE() \
	(fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, check_count, check_failed), \
	 check_failed ? 1 : 0)

#endif
