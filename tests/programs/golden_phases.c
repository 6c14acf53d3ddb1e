/*
 * golden_phases.c - the program the golden-output tests (t1110, t1111)
 * trace: its three snapshots, START, AFTER RUN and AFTER CLEANUP, see
 * exactly the same allocations on every run, so `memledger stats` and
 * `check` print the same counts every time. One thread allocates, then
 * waits on a pipe while AFTER RUN is taken (so the snapshot counts two
 * threads), and is joined before the clean-up. Everything is freed and
 * closed by AFTER CLEANUP: the checklist passes. Prints nothing; exit 0.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <memledger.h>

static void *volatile keep[48];
static int ready[2], go[2];

static void *worker(void *arg)
{
	char c = 'r';
	(void)arg;
	for (int i = 0; i < 8; i++)
		keep[32 + i] = malloc(100 * (size_t)(i + 1));
	if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
		return NULL;
	for (int i = 0; i < 8; i++)
		free(keep[32 + i]);
	return NULL;
}

int main(void)
{
	pthread_t t;
	char c = 'g';

	memledger_snapshot("START");
	for (int i = 0; i < 32; i++)
		keep[i] = malloc((size_t)64 << (i % 6));
	for (int i = 0; i < 16; i++)
		free(keep[i]);
	if (pipe(ready) != 0 || pipe(go) != 0 || pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	if (read(ready[0], &c, 1) != 1)
		return 1;
	memledger_snapshot("AFTER RUN");
	if (write(go[1], &c, 1) != 1 || pthread_join(t, NULL) != 0)
		return 1;
	for (int i = 16; i < 32; i++)
		free(keep[i]);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	memledger_snapshot("AFTER CLEANUP");
	return 0;
}
