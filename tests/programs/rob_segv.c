/*
 * rob_segv.c - a program with its own SIGSEGV handler that recovers with
 * siglongjmp (t0221). The tracer installs a fatal-signal handler of its
 * own; the program's, installed later, must win.
 *
 * Three times: a store through a NULL pointer read from a volatile, the
 * handler counts the fault and siglongjmps back, and the program
 * allocates a block of 2001 + i bytes. Then it frees them and prints
 * "recovered 3". Exit status 0. The trace must end normally
 * (end_reason 'exit', exit_code 0) with the three blocks, all freed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf env;
static volatile sig_atomic_t faults;
static int *volatile null_ptr;

static void on_segv(int sig)
{
	(void)sig;
	faults++;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa;
	void *blocks[3];

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0)
		return 1;
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(env, 1) == 0) {
			*null_ptr = i;
			printf("no fault?\n");
			return 1;
		}
		blocks[i] = malloc(2001 + (size_t)i);
		if (!blocks[i])
			return 1;
	}
	for (int i = 0; i < 3; i++)
		free(blocks[i]);
	printf("recovered %d\n", (int)faults);
	return faults == 3 ? 0 : 1;
}
