/*
 * rob_forkthreads.c - fork from a multi-threaded program while the other
 * threads allocate (t0231). The child must not deadlock on a lock one of
 * the vanished threads held (the tracer's or the allocator's).
 *
 * 4 threads malloc and free blocks of 9000 bytes in bursts of 200 with
 * a 100 us pause between (so the trace stays small). Meanwhile
 * main forks 5 children, one after the other; each child mallocs and
 * frees 100 blocks of 8001 bytes and calls exit(0); main waits for each.
 * Then the threads are stopped and joined. Prints "5 children exited 0"
 * and exits 0 when they did.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define CHILDREN 5

static atomic_int stop;
static atomic_int started;

static void *churn(void *arg)
{
	(void)arg;
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop)) {
		for (int i = 0; i < 200; i++) {
			void *volatile p = malloc(9000);
			free(p);
		}
		struct timespec ts = { 0, 100 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[THREADS];
	int ok = 0;

	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, churn, NULL) != 0)
			return 1;
	while (atomic_load(&started) < THREADS)
		sched_yield();
	fflush(stdout);
	for (int c = 0; c < CHILDREN; c++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			for (int i = 0; i < 100; i++) {
				void *volatile p = malloc(8001);
				free(p);
			}
			exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	printf("%d children exited 0\n", ok);
	return ok == CHILDREN ? 0 : 1;
}
