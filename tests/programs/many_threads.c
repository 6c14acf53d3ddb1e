/*
 * many_threads.c - 40 threads from one place still running at exit, and 3
 * from another that end without being joined, for `memledger check`'s
 * grouping of thread evidence by creation site (issue 10: 241 threads
 * took 600+ lines). The runners block on a pipe nobody writes to; main
 * returns while they wait. Prints nothing; exits 0.
 */
#include <pthread.h>
#include <unistd.h>

static int fds[2];

static void *runner(void *arg)
{
	char c;

	(void)arg;
	(void)!read(fds[0], &c, 1); /* never returns: nothing is written */
	return NULL;
}

static void *quitter(void *arg)
{
	return arg;
}

__attribute__((noinline)) static void start_runners(void)
{
	for (int i = 0; i < 40; i++) {
		pthread_t t;

		pthread_create(&t, NULL, runner, NULL);
	}
}

__attribute__((noinline)) static void start_quitters(void)
{
	for (int i = 0; i < 3; i++) {
		pthread_t t;

		pthread_create(&t, NULL, quitter, NULL);
	}
}

int main(void)
{
	if (pipe(fds) < 0)
		return 1;
	start_runners();
	start_quitters();
	usleep(100 * 1000); /* the quitters end, the runners block */
	return 0;
}
