/*
 * clock.c - the tracer's clocks (clock.h).
 */
#include <time.h>

#include "tracer/clock.h"
#include "tracer/state.h"

int64_t ml_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ml_unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t ml_tsc_to_ns(uint64_t tsc)
{
	if (tsc <= ml.tsc0 || ml.tsc_per_ns <= 0)
		return 0;
	return (uint64_t)((double)(tsc - ml.tsc0) / ml.tsc_per_ns);
}

void ml_clock_start(void)
{
	ml.tsc0 = ml_rdtsc();
	ml.mono0_ns = ml_mono_ns();
	ml.unix0_ns = ml_unix_ns();
	ml.tsc_per_ns = 0;
}
