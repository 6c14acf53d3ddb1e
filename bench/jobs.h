/*
 * jobs.h - what the allocation benchmarks (workload.c, deepload.c) share:
 * the random numbers they draw sizes and slots from, and a main() that
 * splits PAIRS over THREADS jobs and prints the checksum.
 *
 * Header-only, and bench_main() is always inlined, so that each job's
 * run() is called from main() (one thread) or is the thread's start
 * routine, as when each program had its own main(): the depth of the
 * stacks the tracer captures is part of what the benchmark measures.
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
