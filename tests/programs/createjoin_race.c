/*
 * createjoin_race.c - 4 threads, each creating and joining a child 200
 * times, all at once (issue 9, "thread states").
 *
 * glibc hands a joined thread's pthread_t (its cached stack) to the next
 * pthread_create at once, often in another thread, so a join and a create
 * of the same pthread_t value race. A correct trace shows every one of the
 * 800 children, and the 4 creators, as 'joined'.
 *
 * Prints "threads 804 joined 804" (what the trace must count). Exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CREATORS 4
#define PAIRS 200

static pthread_barrier_t go;

static void *child(void *arg)
{
	return arg;
}

static void *creator(void *arg)
{
	long joined = 0;
	(void)arg;
	pthread_barrier_wait(&go);
	for (int i = 0; i < PAIRS; i++) {
		pthread_t t;
		void *ret = NULL;
		if (pthread_create(&t, NULL, child, &joined) != 0)
			exit(1);
		if (pthread_join(t, &ret) != 0 || ret != &joined)
			exit(1);
		joined++;
	}
	return (void *)joined;
}

int main(void)
{
	pthread_t c[CREATORS];
	long joined = 0;
	pthread_barrier_init(&go, NULL, CREATORS);
	for (int i = 0; i < CREATORS; i++)
		if (pthread_create(&c[i], NULL, creator, NULL) != 0)
			return 1;
	for (int i = 0; i < CREATORS; i++) {
		void *ret;
		if (pthread_join(c[i], &ret) != 0)
			return 1;
		joined += (long)ret + 1;
	}
	printf("threads %d joined %ld\n", CREATORS * (PAIRS + 1), joined);
	return 0;
}
