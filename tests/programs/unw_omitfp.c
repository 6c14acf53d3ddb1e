/*
 * unw_omitfp.c - built as distributions build: -O2 -fomit-frame-pointer
 * (the Makefile has a rule of its own for it), for the differential
 * unwinder test (t1103). With no frame pointer every frame's CFA is RSP
 * plus an offset that changes through the function (pushes, calls with
 * stack arguments, shrink-wrapped prologues), so each return address
 * gets a rule of its own. Tail calls and inlining are allowed: they
 * change which frames exist, the same way for both unwinders.
 * Deterministic; prints "unw_omitfp ok" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;
static volatile int knob = 3;

/* Many arguments: some are passed on the stack, so the caller's RSP
 * moves around the call. */
static __attribute__((noinline)) long many_args(long a, long b, long c, long d, long e, long f,
                                                long g, long h, long i, long j)
{
	char *p = malloc((size_t)(a + b + c + d + e + f + g + h + i + j) % 512 + 1);
	sink = p;
	long r = p ? p[0] & 0 : 1;
	free(p);
	return r + a * j;
}

/* Several callee-saved registers live across the call: a prologue of
 * pushes, each changing the CFA offset. */
static __attribute__((noinline)) long pressure(long x)
{
	long a = x * 3, b = x ^ 0x55, c = x + knob, d = x * knob, e = x - 9, f = x | 1;
	char *p = malloc((size_t)(x % 300) + 8);
	sink = p;
	free(p);
	return a + b + c + d + e + f + many_args(a, b, c, d, e, f, x, 1, 2, 3);
}

/* An early exit before any allocation: the compiler may shrink-wrap
 * the prologue so the frame is set up only on the allocating path. */
static __attribute__((noinline)) int shrink_wrapped(int n)
{
	if (n < knob)
		return n;
	char buf[256];
	memset(buf, n, sizeof buf);
	char *p = malloc((size_t)n + (size_t)buf[n % 256]);
	sink = p;
	free(p);
	return buf[3];
}

static __attribute__((noinline)) int recurse(int n)
{
	if (n <= 0) {
		sink = malloc(99);
		free(sink);
		return 0;
	}
	return recurse(n - 1) + (int)pressure(n);
}

int main(void)
{
	long acc = 0;
	for (int i = 0; i < 200; i++) {
		acc += pressure(i);
		acc += shrink_wrapped(i % 10);
		if (i % 20 == 0)
			acc += recurse(i / 10);
	}
	printf("unw_omitfp %s\n", acc != 12345 ? "ok" : "odd");
	return 0;
}
