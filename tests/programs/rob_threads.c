/*
 * rob_threads.c - thread churn: 5 rounds of 64 threads created and
 * joined (t0230). Each thread mallocs 8 blocks of 7001..7008 bytes,
 * frees 7 of them and hands the 7008-byte one to main, which frees it
 * after the join (a free in another thread than the allocation).
 *
 * Prints what a correct trace must count:
 *   "threads 320 mallocs 2560 freed_by_thread 2240 freed_by_main 320"
 * Exit status 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 5
#define PER_ROUND 64
#define BLOCKS 8

static void *worker(void *arg)
{
	void *b[BLOCKS];
	(void)arg;
	for (int i = 0; i < BLOCKS; i++)
		if (!(b[i] = malloc(7001 + (size_t)i)))
			return NULL;
	for (int i = 0; i < BLOCKS - 1; i++)
		free(b[i]);
	return b[BLOCKS - 1];
}

int main(void)
{
	pthread_t th[PER_ROUND];
	int threads = 0, by_main = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER_ROUND; i++) {
			if (pthread_create(&th[i], NULL, worker, NULL) != 0)
				return 1;
			threads++;
		}
		for (int i = 0; i < PER_ROUND; i++) {
			void *ret = NULL;
			if (pthread_join(th[i], &ret) != 0 || !ret)
				return 1;
			free(ret);
			by_main++;
		}
	}
	printf("threads %d mallocs %d freed_by_thread %d freed_by_main %d\n", threads,
	       threads * BLOCKS, threads * (BLOCKS - 1), by_main);
	return 0;
}
