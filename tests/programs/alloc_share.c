/*
 * alloc_share.c - workloads for the allocator's share of CPU time
 * (alloc_cpu_fraction, t0543).
 *
 *   alloc_share mf N      N rounds of malloc then free (sizes 16..4111)
 *   alloc_share fm N      one malloc, then N rounds of free then malloc
 *   alloc_share known FILE
 *                         alternates pure computation with batches of
 *                         1000 mallocs and 1000 frees for about 300 ms of
 *                         CPU, timing the allocator loops itself (with the
 *                         thread's CPU clock: a preemption does not count), and
 *                         writes "share S" to FILE: the time in those
 *                         loops over the process's CPU time (then the
 *                         batches and that time). Run without the tracer,
 *                         S is the true share.
 * Each prints "done" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 1000

static void *volatile sink;
static volatile double acc;

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned rnd(void)
{
	static unsigned x = 12345;
	x = x * 1103515245u + 12345u;
	return x >> 8;
}

static void compute(long n)
{
	double a = 1.0;
	for (long i = 0; i < n; i++)
		a = a * 1.0000001 + 1e-9;
	acc = a;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "mf") || !strcmp(argv[1], "fm")) {
		long n = atol(argv[2]);
		void *p = NULL;
		if (argv[1][0] == 'f')
			p = malloc(16);
		for (long i = 0; i < n; i++) {
			if (argv[1][0] == 'm') {
				p = malloc(16 + rnd() % 4096);
				sink = p;
				free(p);
				p = NULL;
			} else {
				free(p);
				p = malloc(16 + rnd() % 4096);
				sink = p;
			}
		}
		free(p);
		printf("done\n");
		return 0;
	}
	if (strcmp(argv[1], "known") != 0)
		return 2;
	static void *blocks[BATCH];
	double in_alloc = 0;
	long batches = 0;
	while (now(CLOCK_PROCESS_CPUTIME_ID) < 0.3) {
		compute(200000);
		double t0 = now(CLOCK_THREAD_CPUTIME_ID);
		for (int i = 0; i < BATCH; i++)
			blocks[i] = malloc(16 + rnd() % 4096);
		for (int i = 0; i < BATCH; i++)
			free(blocks[i]);
		in_alloc += now(CLOCK_THREAD_CPUTIME_ID) - t0;
		batches++;
	}
	FILE *f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "share %.4f batches %ld alloc_ns %.0f\n", in_alloc / now(CLOCK_PROCESS_CPUTIME_ID),
	        batches, in_alloc * 1e9);
	fclose(f);
	printf("done\n");
	return 0;
}
