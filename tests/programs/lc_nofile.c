/*
 * lc_nofile.c - a program that lowers its own descriptor limit (t0503).
 *
 * Finds its lowest free descriptor F, sets RLIMIT_NOFILE to F + 1 (so one
 * more open can succeed) and opens /dev/null twice: prints "first: ok" and
 * "second: Too many open files", as it would without the tracer. Then it
 * makes 20000 mallocs of 777 bytes and frees them, so that the tracer has
 * to write while the program has no descriptor to spare, and prints
 * "done". Then, still without a free descriptor, it forks a child that
 * makes 100 mallocs of 555 bytes and exits 0; the parent waits for it.
 * Exit status 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nofile.h"

int main(void)
{
	if (nofile_leave(1) != 0)
		return 1;
	int a = open("/dev/null", O_RDONLY);
	printf("first: %s\n", a >= 0 ? "ok" : strerror(errno));
	int b = open("/dev/null", O_RDONLY);
	printf("second: %s\n", b >= 0 ? "ok" : strerror(errno));
	fflush(stdout);
	for (int i = 0; i < 20000; i++) {
		void *volatile p = malloc(777);
		free(p);
	}
	printf("done\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		void *keep[100];
		for (int i = 0; i < 100; i++)
			keep[i] = malloc(555);
		exit(keep[99] ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
