/*
 * rob_exits.c - ways out of a process the tracer must survive (t0220).
 *
 * Usage: rob_exits MODE, MODE one of
 *   _exit   prints "_exit 3", then _exit(3): no atexit handlers, no
 *           destructors, the stdio buffer is flushed by hand first
 *   abort   prints "abort", then abort(): SIGABRT, status 134
 *   term    prints "term", then kill(getpid(), SIGTERM): status 143
 *   wait    prints "ready" and allocates every 10 ms until a signal ends it
 * Before that every mode makes 5 mallocs of 1001..1005 bytes and frees
 * the first two, and takes memledger_snapshot("BEFORE END"). Core dumps
 * are switched off (RLIMIT_CORE 0) so that a signal leaves nothing behind.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memledger.h"

static void *volatile sink;

int main(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };
	void *b[5];

	setrlimit(RLIMIT_CORE, &no_core);
	if (argc != 2) {
		fprintf(stderr, "usage: rob_exits _exit|abort|term|wait\n");
		return 2;
	}
	for (int i = 0; i < 5; i++) {
		b[i] = malloc(1001 + (size_t)i);
		if (!b[i])
			return 1;
		memset(b[i], i, 1001);
	}
	free(b[0]);
	free(b[1]);
	memledger_snapshot("BEFORE END");
	printf("%s\n", argv[1][0] == '_' ? "_exit 3" : argv[1][0] == 'w' ? "ready" : argv[1]);
	fflush(stdout);
	if (!strcmp(argv[1], "_exit"))
		_exit(3);
	if (!strcmp(argv[1], "abort"))
		abort();
	if (!strcmp(argv[1], "term")) {
		kill(getpid(), SIGTERM);
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "wait")) {
		for (;;) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			sink = malloc(64);
			free(sink);
			nanosleep(&ts, NULL);
		}
	}
	fprintf(stderr, "rob_exits: unknown mode %s\n", argv[1]);
	return 2;
}
