/*
 * unw_signal.c - allocations inside signal handlers, for the
 * differential unwinder test (t1102). A signal frame (__restore_rt)
 * is one of the frames the fast unwinder does not model: such a stack
 * must come out as libunwind gives it. Only synchronous signals
 * (raise, and a handler raising another), so the allocations come in the
 * same order every run: on the thread's stack, on a sigaltstack, and
 * nested two handlers deep. Prints "unw_signal 350" and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;
static volatile sig_atomic_t handled;

static void __attribute__((noinline)) in_handler(size_t n)
{
	sink = malloc(n);
	free(sink);
}

static void on_usr1(int sig)
{
	(void)sig;
	in_handler(1111);
	handled++;
}

static void on_usr2(int sig)
{
	(void)sig;
	in_handler(2222);
	raise(SIGUSR1);  /* nested: two signal frames on the stack */
	handled++;
}

static void on_alt(int sig)
{
	(void)sig;
	in_handler(3333);
	handled++;
}

static void __attribute__((noinline)) raiser(int sig)
{
	raise(sig);
	sink = malloc(16);  /* after the signal frame is gone */
	free(sink);
}

int main(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	struct sigaction sa;

	if (sigaltstack(&ss, NULL) != 0)
		return 1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_alt;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGPROF, &sa, NULL);
	for (int i = 0; i < 100; i++) {
		raiser(SIGUSR1);
		raiser(SIGUSR2);  /* counts twice: usr2 and the nested usr1 */
		if (i % 2)
			raiser(SIGPROF);
	}
	printf("unw_signal %d\n", (int)handled);
	return handled == 350 ? 0 : 1;
}
