/*
 * jobs.h - what the allocation benchmarks (workload.c, deepload.c) share:
 * the random numbers they draw sizes and slots from, one step of a job,
 * and a main() that splits PAIRS over THREADS jobs and prints the
 * checksum.
 *
 * Header-only, and bench_step() and bench_main() are always inlined, so
 * that each job's run() is called from main() (one thread) or is the
 * thread's start routine and calls the allocation paths itself, as when
 * each program had all of it: the depth of the stacks the tracer
 * captures is part of what the benchmark measures.
 */
#ifndef MEMLEDGER_BENCH_JOBS_H
#define MEMLEDGER_BENCH_JOBS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** One thread's share: run() makes `pairs` malloc/free pairs from `seed`
 * and leaves a checksum of what it wrote in `sum`. */
struct bench_job {
	long pairs;
	uint64_t seed, sum;
};

/** The next value of a xorshift64 sequence (never 0 from a seed that is not). */
static inline uint64_t bench_next(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/**
 * One step of a job: free *slot, then put there a block of 16..4096 bytes
 * from one of the 4 paths, both drawn from x, written at both ends as a
 * real program would. Returns what the step adds to the checksum. Always
 * inlined, so the paths are called from run() itself.
 */
static inline __attribute__((always_inline)) uint64_t bench_step(void **slot, void *(*const paths[4])(size_t),
								   uint64_t x, long i)
{
	size_t n = 16 + (size_t)((x >> 20) % 4081);
	free(*slot);
	char *p = paths[(x >> 40) & 3](n);
	p[0] = (char)i;
	p[n - 1] = (char)(i >> 8);
	*slot = p;
	return (uintptr_t)p[0];
}

/**
 * main() of a benchmark called name: "name PAIRS THREADS" (defaults
 * 5000000 and 1; at most 64 threads), each thread running run on a
 * struct bench_job. Prints the sum of the jobs' checksums; returns the
 * exit status (2 with the usage for bad arguments).
 */
static inline __attribute__((always_inline)) int bench_main(int argc, char **argv, const char *name,
							      void *(*run)(void *))
{
	long pairs = argc > 1 ? atol(argv[1]) : 5000000;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	if (threads < 1 || threads > 64 || pairs < 1) {
		fprintf(stderr, "usage: %s PAIRS THREADS\n", name);
		return 2;
	}
	pthread_t th[64];
	struct bench_job jobs[64];
	for (int t = 0; t < threads; t++) {
		jobs[t].pairs = pairs / threads;
		jobs[t].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
		if (threads == 1)
			run(&jobs[t]);
		else
			pthread_create(&th[t], NULL, run, &jobs[t]);
	}
	uint64_t sum = 0;
	for (int t = 0; t < threads; t++) {
		if (threads > 1)
			pthread_join(th[t], NULL);
		sum += jobs[t].sum;
	}
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}

#endif
