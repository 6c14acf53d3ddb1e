/*
 * lc_sigquery.c - prints every signal disposition, the alternate signal
 * stack and the signal mask, as the program sees them, so a run with the
 * tracer can be compared byte for byte with one without (t0500).
 *
 * Usage: lc_sigquery [set]
 *   no argument  for signals 1..64: handler (DFL, IGN or handler), flags
 *                and the blocked set of sigaction's answer; then
 *                sigaltstack's answer and the mask, in the main thread and
 *                in a new thread; and what signal() returns for SIGSEGV
 *                and SIGABRT when the program sets them.
 *   set          also installs its own SIGSEGV handler with sigaction and
 *                prints the old disposition it got back, then raises a
 *                SIGSEGV (kill) that the handler counts, and a SIGFPE by
 *                dividing by zero, caught the same way: "caught 2".
 * Exit status 0.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(const char *who)
{
	for (int sig = 1; sig < 65; sig++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		if (sigaction(sig, NULL, &sa) != 0) {
			printf("%s sig %d: error\n", who, sig);
			continue;
		}
		const char *h = sa.sa_handler == SIG_DFL ? "DFL" : sa.sa_handler == SIG_IGN ? "IGN" : "handler";
		printf("%s sig %d: %s flags %#x mask", who, sig, h, (unsigned)sa.sa_flags);
		for (int m = 1; m < 65; m++)
			if (sigismember(&sa.sa_mask, m) == 1)
				printf(" %d", m);
		printf("\n");
	}
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0)
		printf("%s altstack: flags %d size %zu %s\n", who, ss.ss_flags, ss.ss_size,
		       ss.ss_sp ? "sp" : "nosp");
	sigset_t cur;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0) {
		printf("%s mask:", who);
		for (int m = 1; m < 65; m++)
			if (sigismember(&cur, m) == 1)
				printf(" %d", m);
		printf("\n");
	}
}

static void *thread_main(void *arg)
{
	(void)arg;
	show("thread");
	return NULL;
}

static volatile sig_atomic_t caught;
static void on_signal(int sig)
{
	(void)sig;
	caught++;
}

static sigjmp_buf back;
static void on_fpe(int sig)
{
	(void)sig;
	caught++;
	siglongjmp(back, 1);
}

int main(int argc, char **argv)
{
	show("main");
	pthread_t th;
	if (pthread_create(&th, NULL, thread_main, NULL) == 0)
		pthread_join(th, NULL);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "set")) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSEGV, &sa, &old) == 0)
			printf("old SIGSEGV: %s flags %#x\n", old.sa_handler == SIG_DFL ? "DFL" : "other",
			       (unsigned)old.sa_flags);
		kill(getpid(), SIGSEGV);
		sa.sa_handler = on_fpe;
		if (sigaction(SIGFPE, &sa, &old) == 0)
			printf("old SIGFPE: %s\n", old.sa_handler == SIG_DFL ? "DFL" : "other");
		if (!sigsetjmp(back, 1)) {
			volatile int seven = 7, zero = 0;
			printf("%d\n", seven / zero);
		}
		printf("caught %d\n", (int)caught);
		void (*prev)(int) = signal(SIGABRT, SIG_IGN);
		printf("signal(SIGABRT) returned %s\n", prev == SIG_DFL ? "DFL" : "other");
		prev = signal(SIGABRT, SIG_DFL);
		printf("then %s\n", prev == SIG_IGN ? "IGN" : "other");
		show("after");
	}
	return 0;
}
