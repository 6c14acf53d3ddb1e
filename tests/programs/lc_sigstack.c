/*
 * lc_sigstack.c - a small signal-stack program (t0515).
 *
 * Sets an 8 KiB alternate signal stack (SIGSTKSZ on older glibc) and:
 *  1. a SIGUSR1 handler with SA_ONSTACK, raised 100 times: the handler
 *     checks it runs on the alternate stack (sigaltstack says SS_ONSTACK,
 *     and a local's address lies inside it) and counts;
 *  2. a SIGSEGV handler with SA_ONSTACK, then unbounded recursion in a
 *     thread-free main: the stack overflow is caught on the alternate
 *     stack and the handler siglongjmps back: "recovered from a stack
 *     overflow";
 *  3. a SIGALRM from setitimer, handled without SA_RESTART, interrupting
 *     a blocking read of a pipe: read fails with EINTR.
 * Prints one line per step and exits 0. No handler allocates.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define ALT_SIZE 8192

static char altstack[ALT_SIZE] __attribute__((aligned(16)));
static volatile sig_atomic_t on_alt, off_alt, alarms;
static sigjmp_buf back;

static void usr1(int sig)
{
	(void)sig;
	stack_t ss;
	char here;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) && &here >= altstack &&
	    &here < altstack + ALT_SIZE)
		on_alt++;
	else
		off_alt++;
}

static void segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

static void alarm_handler(int sig)
{
	(void)sig;
	alarms++;
}

static volatile int forever = 1;

static int recurse(volatile char *prev, int depth)
{
	volatile char pad[4096];
	pad[0] = (char)depth;
	pad[4095] = prev ? prev[0] : 0;
	if (!forever)
		return 0;
	return recurse(pad, depth + 1) + pad[10];
}

int main(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = ALT_SIZE, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_ONSTACK;
	sa.sa_handler = usr1;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < 100; i++)
		raise(SIGUSR1);
	printf("usr1: %d on the alternate stack, %d off it\n", (int)on_alt, (int)off_alt);

	struct rlimit rl = { 8 << 20, 8 << 20 };
	setrlimit(RLIMIT_STACK, &rl);
	sa.sa_handler = segv;
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(back, 1))
		recurse(NULL, 0);
	printf("recovered from a stack overflow\n");

	int p[2];
	if (pipe(p) != 0)
		return 1;
	sa.sa_handler = alarm_handler;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 50000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	ssize_t n = read(p[0], &c, 1);
	printf("read: %zd %s, alarms %d\n", n, n < 0 ? strerror(errno) : "", (int)alarms);
	return 0;
}
