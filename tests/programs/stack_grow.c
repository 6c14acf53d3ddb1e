/*
 * stack_grow.c - one thread, whose stack grows between START and AFTER
 * CLEANUP: after START it recurses through about 96 KiB of stack. The
 * touched pages stay resident, so StackInuse is higher at AFTER CLEANUP
 * than at START, though nothing leaked and no thread was left behind:
 * StackInuse must pass, and say why it grew (issue 10: single-threaded
 * gcc got a fail for growing from 28 to 44 KiB). Prints nothing; exits 0.
 */
#include <string.h>

#include <memledger.h>

static volatile int sink;

__attribute__((noinline)) static int deep(int n)
{
	volatile char frame[1024];

	memset((char *)frame, n, sizeof frame);
	return n ? deep(n - 1) + frame[7] : frame[3];
}

int main(void)
{
	memledger_snapshot("START");
	sink = deep(96);
	memledger_snapshot("AFTER CLEANUP");
	return 0;
}
