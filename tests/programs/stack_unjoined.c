/*
 * stack_unjoined.c - the stacks of threads that ended without being
 * joined are still allocated (t0544).
 *
 * Snapshot BEFORE; 8 threads with 256 KiB stacks each touch 64 KiB of
 * their stack and end; nobody joins them. Once the kernel has reaped all
 * 8, main counts the resident pages of their stacks itself (mincore) and
 * writes "resident N" to FILE, then takes snapshot AFTER. Prints
 * "8 threads ended, not joined" and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memledger.h"
#include "own_stack.h"

#define N 8

static uintptr_t lo[N], hi[N];
static volatile pid_t tids[N];

static void *run(void *arg)
{
	int i = (int)(intptr_t)arg;
	void *addr;
	size_t size;
	own_stack(&addr, &size);
	lo[i] = (uintptr_t)addr;
	hi[i] = (uintptr_t)addr + size;
	volatile char buf[64 * 1024];
	memset((char *)buf, i, sizeof buf);
	tids[i] = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static uint64_t resident(uintptr_t a, uintptr_t b)
{
	static unsigned char vec[1024];
	uint64_t n = 0;
	a &= ~(uintptr_t)4095;
	if (mincore((void *)a, b - a, vec) != 0)
		return 0;
	for (size_t i = 0; i < (b - a) / 4096; i++)
		n += vec[i] & 1;
	return n * 4096;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	memledger_snapshot("BEFORE");
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	for (int i = 0; i < N; i++) {
		pthread_t th;
		if (pthread_create(&th, &a, run, (void *)(intptr_t)i) != 0)
			return 1;
	}
	/* wait until every thread is gone */
	for (int tries = 0; tries < 5000; tries++) {
		int alive = 0;
		for (int i = 0; i < N; i++)
			alive += !tids[i] || syscall(SYS_tgkill, getpid(), tids[i], 0) == 0 || errno != ESRCH;
		if (!alive)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	uint64_t sum = 0;
	for (int i = 0; i < N; i++)
		sum += resident(lo[i], hi[i]);
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "resident %llu\n", (unsigned long long)sum);
	fclose(f);
	memledger_snapshot("AFTER");
	printf("%d threads ended, not joined\n", N);
	return 0;
}
