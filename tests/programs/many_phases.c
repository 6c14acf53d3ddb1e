/*
 * many_phases.c - eight labelled snapshots of its own, the last three
 * within a few milliseconds of each other and of exit, as a program's
 * cleanup often is: their labels crowd the right edge of every timeline
 * chart and must not overlap there (issue 10). A few threads run in the
 * middle so the Threads timeline has marks too. Prints nothing; exits 0.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <memledger.h>

static void *volatile sink;

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 200; i++) {
		void *p = malloc(128 + (size_t)i);

		sink = p;
		free(p);
	}
	sleep_ms(20);
	return arg;
}

static void work(int ms)
{
	void *keep[64];

	for (int i = 0; i < 64; i++)
		keep[i] = malloc(1024 + (size_t)i * 64);
	sleep_ms(ms);
	for (int i = 0; i < 64; i++)
		free(keep[i]);
}

int main(void)
{
	pthread_t t[3];

	memledger_snapshot("START");
	work(30);
	memledger_snapshot("CONFIGURATION LOADED");
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	work(30);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	memledger_snapshot("REQUESTS SERVED");
	work(30);
	memledger_snapshot("CACHES WARMED");
	work(30);
	memledger_snapshot("AFTER RUN");
	work(1);
	memledger_snapshot("AFTER CLEANUP");
	memledger_snapshot("AFTER FINAL CHECK");
	memledger_snapshot("BEFORE EXIT");
	return 0;
}
