/*
 * rob_sigalloc.c - allocation inside signal handlers (t0232). Not
 * async-signal-safe, but common, and the tracer must neither deadlock
 * nor lose track.
 *
 * Usage: rob_sigalloc COUNTFILE
 *   1. raise(SIGUSR1) 100 times; the handler mallocs and frees a block of
 *      3333 bytes (it runs synchronously, outside any allocator call).
 *   2. For 150 ms an interval timer (1 ms) delivers SIGALRM while main
 *      mallocs and frees 64-byte blocks, about one pair every 10 us; the
 *      handler mallocs and frees a block of 4444 bytes, so it sometimes
 *      interrupts an allocator call.
 * Prints "usr1 100" and "alarm handled" (the number of SIGALRMs handled
 * varies, so it goes to COUNTFILE instead). Exit status 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t usr1, alarms;
static void *volatile sink;

/* What each handler does: one malloc/free pair of n bytes, counted. */
static void alloc_counted(size_t n, volatile sig_atomic_t *count)
{
	void *p = malloc(n);
	if (p)
		(*count)++;
	free(p);
}

static void on_usr1(int sig)
{
	(void)sig;
	alloc_counted(3333, &usr1);
}

static void on_alarm(int sig)
{
	(void)sig;
	alloc_counted(4444, &alarms);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	if (argc != 2)
		return 2;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	for (int i = 0; i < 100; i++)
		raise(SIGUSR1);
	printf("usr1 %d\n", (int)usr1);

	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	double end = now() + 0.15;
	while (now() < end) {
		sink = malloc(64);
		free(sink);
		for (volatile int spin = 0; spin < 3000; spin++)
			;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("alarm %s\n", alarms > 0 ? "handled" : "never handled");
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", (int)alarms);
	fclose(f);
	return 0;
}
