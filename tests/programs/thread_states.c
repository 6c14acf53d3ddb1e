/*
 * thread_states.c - six threads, each in a known state when the process
 * exits through exit(0).
 *
 * What it does (start functions in brackets):
 *   2 joined          [joined_main]   return at once; main joins both.
 *   2 running         [reader_main]   blocks forever in read() on a pipe whose
 *                                     write end main keeps open and never
 *                                     writes;
 *                     [pauser_main]   blocks forever in pause().
 *                                     Each reports "about to block" (a counter
 *                                     under a mutex) before its blocking call.
 *   1 exited-unjoined [unjoined_main] returns; never joined nor detached.
 *   1 detached        [detached_main] main calls pthread_detach right after
 *                                     pthread_create; it returns.
 * Every thread records its kernel tid first. Main waits until the two
 * blocking threads have reported. It waits until /proc/self/task/TID of the
 * unjoined and of the detached thread has disappeared, so both have
 * really exited. Then memledger_snapshot("STATES") and exit(0). No sleep
 * decides anything, so the states do not depend on timing. Prints nothing.
 *
 * A correct trace shows in `threads` (plus the main thread, state 'main'):
 *   joined_main    x2  state_at_exit 'joined'
 *   reader_main    x1  'running'
 *   pauser_main    x1  'running'
 *   unjoined_main  x1  'exited-unjoined'
 *   detached_main  x1  'detached'
 * All four that ended did so before the snapshot STATES. The pipe is still
 * open at exit (1 'pipe' resource, 2 fds), so channels_closed fails here
 * too; this program is about thread states only. A checklist would show
 * threads_stopped fail (2 running) and threads_joined fail (1 unjoined).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memledger.h"

enum { T_JOINED1, T_JOINED2, T_READER, T_PAUSER, T_UNJOINED, T_DETACHED, NT };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pid_t tids[NT];
static int blocking;
static int block_pipe[2];

static void record_tid(int slot)
{
	pthread_mutex_lock(&lock);
	tids[slot] = gettid();
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void about_to_block(void)
{
	pthread_mutex_lock(&lock);
	blocking++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void *joined_main(void *arg)
{
	record_tid((int)(long)arg);
	return NULL;
}

static void *reader_main(void *arg)
{
	char c;

	record_tid((int)(long)arg);
	about_to_block();
	while (read(block_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void *pauser_main(void *arg)
{
	record_tid((int)(long)arg);
	about_to_block();
	for (;;)
		pause();
	return NULL;
}

static void *unjoined_main(void *arg)
{
	record_tid((int)(long)arg);
	return NULL;
}

static void *detached_main(void *arg)
{
	record_tid((int)(long)arg);
	return NULL;
}

static pid_t tid_of(int slot)
{
	pid_t tid;

	pthread_mutex_lock(&lock);
	while (!tids[slot])
		pthread_cond_wait(&cond, &lock);
	tid = tids[slot];
	pthread_mutex_unlock(&lock);
	return tid;
}

/* Wait until the kernel has removed the thread (it has fully exited). */
static void wait_gone(pid_t tid)
{
	char path[64];
	struct stat st;
	struct timespec ms = { 0, 1000000 };

	snprintf(path, sizeof path, "/proc/self/task/%d", (int)tid);
	while (!(stat(path, &st) < 0 && errno == ENOENT))
		nanosleep(&ms, NULL);
}

static void start(pthread_t *t, void *(*fn)(void *), int slot)
{
	if (pthread_create(t, NULL, fn, (void *)(long)slot))
		abort();
}

int main(void)
{
	pthread_t t[NT];

	if (pipe2(block_pipe, O_CLOEXEC) < 0)
		return 1;
	start(&t[T_JOINED1], joined_main, T_JOINED1);
	start(&t[T_JOINED2], joined_main, T_JOINED2);
	start(&t[T_READER], reader_main, T_READER);
	start(&t[T_PAUSER], pauser_main, T_PAUSER);
	start(&t[T_UNJOINED], unjoined_main, T_UNJOINED);
	start(&t[T_DETACHED], detached_main, T_DETACHED);
	pthread_detach(t[T_DETACHED]);

	pthread_join(t[T_JOINED1], NULL);
	pthread_join(t[T_JOINED2], NULL);
	pthread_mutex_lock(&lock);
	while (blocking < 2)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	wait_gone(tid_of(T_UNJOINED));
	wait_gone(tid_of(T_DETACHED));

	memledger_snapshot("STATES");
	exit(0);
}
