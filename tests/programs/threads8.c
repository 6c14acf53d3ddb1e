/*
 * threads8.c - 8 threads allocate, hand blocks to each other and free
 * them. Many frees happen in a thread other than the allocating one, and
 * addresses are reused at once, within a thread and across threads. A
 * tracer whose per-thread records are merged in the wrong order pairs
 * these wrongly.
 *
 * What it does:
 *   Before BEGIN: mallopt(M_ARENA_MAX, 1), so all threads share one arena
 *   and a block freed in one thread can come back in another. Then 8
 *   throw-away threads are created and joined, so the workers reuse glibc's
 *   cached stacks and pthread_create allocates nothing between BEGIN and
 *   END. Then memledger_snapshot("BEGIN").
 *   Phase 1, ring (ROUNDS = 500 per thread): thread i mallocs a block of
 *     32..272 bytes, pushes it onto thread (i+1)%8's queue (mutex +
 *     condvar, linked through the blocks), pops a block from its own queue
 *     (allocated by thread (i-1)%8), frees it, and at once mallocs the same
 *     size. tcache hands back the address it just freed. Then it frees that
 *     block too.
 *     Per thread: 1000 mallocs, 1000 frees. 500 of the frees are of another
 *     thread's blocks.
 *   Phase 2, baton (STEPS = 4000, after a barrier): a turn counter walks
 *     the threads in order 0..7, 0..7, ... On an even step the thread
 *     mallocs a 2000-byte block (above the tcache limit). On an odd step
 *     the next thread frees it, and on the next step the thread after
 *     mallocs 2000 bytes again. With one arena that is nearly always the
 *     address just freed by the other thread. Every block is allocated in
 *     one thread and freed in the next: 2000 mallocs, 2000 frees.
 *   Main joins the 8 workers and takes memledger_snapshot("END").
 *
 * Printed on stdout after END (nothing else; with THREADS8_VERBOSE set,
 * the reuse counts go to stderr):
 *
 *   expect mallocs=10000 frees=10000
 *
 * A correct trace shows, between BEGIN and END:
 *   - Mallocs +10000, Frees +10000;
 *   - TotalAlloc +5216000: phase 1 is 2 x 608000 (each thread's 500 ring
 *     blocks are 32 + ((i*500 + r) % 16) * 16 bytes, 152 on average),
 *     phase 2 is 2000 x 2000;
 *   - HeapObjects and Alloc equal at BEGIN and END. BEGIN already holds the
 *     8 TLS vectors of the cached stacks, 8 x 304 bytes with glibc 2.36;
 *   - no free of an unknown block, and every free paired with the
 *     allocation that most recently returned that address before it;
 *   - 6000 frees in a thread other than the allocating one: 500 per thread
 *     in phase 1, and all 2000 in phase 2.
 * Measured here (THREADS8_VERBOSE=1): the same-thread reuse hits 4000 of
 * 4000 and the cross-thread reuse 1999 of 1999.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memledger.h"

#define NTHREADS 8
#define ROUNDS 500
#define STEPS 4000
#define BATON_SIZE 2000
#define STACK_SIZE (64 * 1024)

struct block {
	struct block *next;
	uint32_t size;
	uint32_t owner;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct block *head, *tail;
};

static struct queue queues[NTHREADS];
static pthread_barrier_t phase_barrier;

static pthread_mutex_t baton_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t baton_cond = PTHREAD_COND_INITIALIZER;
static unsigned baton_turn;
static void *baton_block;
static uintptr_t baton_last_freed;

static unsigned long reuse_same[NTHREADS], reuse_cross[NTHREADS], bytes[NTHREADS];
static void *volatile sinks[NTHREADS];

static uint32_t ring_size(unsigned i, unsigned r)
{
	return 32 + ((i * ROUNDS + r) % 16) * 16;
}

static void queue_push(struct queue *q, struct block *b)
{
	pthread_mutex_lock(&q->lock);
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static struct block *queue_pop(struct queue *q)
{
	struct block *b;

	pthread_mutex_lock(&q->lock);
	while (!q->head)
		pthread_cond_wait(&q->cond, &q->lock);
	b = q->head;
	q->head = b->next;
	if (!q->head)
		q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	return b;
}

static void ring_phase(unsigned i)
{
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint32_t size = ring_size(i, r);
		struct block *b = malloc(size), *in;
		uintptr_t freed;
		void *again;

		if (!b)
			abort();
		b->size = size;
		b->owner = i;
		bytes[i] += size;
		queue_push(&queues[(i + 1) % NTHREADS], b);

		in = queue_pop(&queues[i]);
		if (in->owner != (i + NTHREADS - 1) % NTHREADS)
			abort();
		size = in->size;
		freed = (uintptr_t)in;
		free(in);                       /* a block of another thread */
		again = malloc(size);           /* the same address, via tcache */
		if (!again)
			abort();
		bytes[i] += size;
		reuse_same[i] += (uintptr_t)again == freed;
		sinks[i] = again;
		free(again);
	}
}

static void baton_phase(unsigned i)
{
	pthread_mutex_lock(&baton_lock);
	for (;;) {
		while (baton_turn < STEPS && baton_turn % NTHREADS != i)
			pthread_cond_wait(&baton_cond, &baton_lock);
		if (baton_turn >= STEPS)
			break;
		if (baton_turn % 2 == 0) {
			baton_block = malloc(BATON_SIZE);
			if (!baton_block)
				abort();
			bytes[i] += BATON_SIZE;
			reuse_cross[i] += (uintptr_t)baton_block == baton_last_freed;
			memset(baton_block, (int)i, 16);
		} else {
			baton_last_freed = (uintptr_t)baton_block;
			free(baton_block);      /* allocated by the previous thread */
			baton_block = NULL;
		}
		baton_turn++;
		pthread_cond_broadcast(&baton_cond);
	}
	pthread_mutex_unlock(&baton_lock);
}

static void *worker(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	ring_phase(i);
	pthread_barrier_wait(&phase_barrier);
	baton_phase(i);
	return NULL;
}

static void *idle(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t t[NTHREADS];
	pthread_attr_t attr;
	unsigned long same = 0, cross = 0, total = 0;

	mallopt(M_ARENA_MAX, 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (unsigned i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], &attr, idle, NULL))
			abort();
	for (unsigned i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < NTHREADS; i++) {
		pthread_mutex_init(&queues[i].lock, NULL);
		pthread_cond_init(&queues[i].cond, NULL);
	}
	pthread_barrier_init(&phase_barrier, NULL, NTHREADS);

	memledger_snapshot("BEGIN");
	for (unsigned i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], &attr, worker, (void *)(uintptr_t)i))
			abort();
	for (unsigned i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	memledger_snapshot("END");

	for (unsigned i = 0; i < NTHREADS; i++) {
		same += reuse_same[i];
		cross += reuse_cross[i];
		total += bytes[i];
	}
	printf("expect mallocs=%d frees=%d\n",
	       NTHREADS * ROUNDS * 2 + STEPS / 2, NTHREADS * ROUNDS * 2 + STEPS / 2);
	if (getenv("THREADS8_VERBOSE"))
		fprintf(stderr, "threads8: total_alloc=%lu same-thread reuse %lu/%d, "
			"cross-thread reuse %lu/%d\n", total, same, NTHREADS * ROUNDS,
			cross, STEPS / 2 - 1);
	pthread_barrier_destroy(&phase_barrier);
	pthread_attr_destroy(&attr);
	return 0;
}
