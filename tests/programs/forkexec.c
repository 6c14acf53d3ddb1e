/*
 * forkexec.c - a parent allocates and forks. The child allocates, frees,
 * also frees one inherited block, and execs. The parent waits and
 * allocates more.
 *
 * Usage: forkexec [PROG [ARG...]]. The child execs PROG with its arguments,
 * or /bin/true. Exit status 0 if the child exited 0, else 1. Prints nothing.
 *
 * What it does, with the snapshots it takes:
 *   parent  mallocs a[0..4] of 100, 200, 300, 400, 500 bytes; frees a[0]
 *           and a[1].                            snapshot "BEFORE FORK"
 *   child   snapshot "CHILD START"; mallocs b[0..3] of 64, 128, 192, 256
 *           bytes and frees them; frees the inherited a[2] (300 bytes);
 *           snapshot "CHILD BEFORE EXEC"; execv(PROG) (on failure
 *           _exit(127))
 *   parent  waitpid; mallocs c[0..5] of 1000..1005 bytes and frees them;
 *           frees a[2], a[3], a[4]                 snapshot "AFTER WAIT"
 *
 * A correct trace shows 3 processes (2 with `memledger run --no-follow`):
 *   parent  (root trace) Mallocs 11, Frees 11. At BEFORE FORK: Mallocs 5,
 *           Frees 2, HeapObjects 3, Alloc 1200. At AFTER WAIT: Mallocs 11,
 *           Frees 11, HeapObjects 0, Alloc 0, TotalAlloc 7515.
 *           end_reason 'exit', exit_code 0.
 *   child   (own .mlt, parent_process_id = the parent) inherits the 3 live
 *           blocks of the parent (1200 bytes; kind 'inherited'). It makes 4
 *           allocations of its own (640 bytes) and 5 frees: its 4 blocks and
 *           the inherited 300-byte block. The inherited free must pair with
 *           the inherited record, not count as an unknown free. At CHILD
 *           BEFORE EXEC: HeapObjects 2, Alloc 900 (the inherited 400 + 500).
 *           end_reason 'exec'.
 *   exec'd  PROG (/bin/true) as a third process, unless `memledger run
 *           --no-follow` was used. Its own allocations are whatever PROG
 *           does (none for /bin/true from coreutils 9.1 without a locale).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memledger.h"

static void *volatile sink;

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		_exit(1);
	memset(p, 0x5a, n);
	sink = p;
	return p;
}

static void child(void *inherited, char **argv)
{
	static char *const default_argv[] = { "/bin/true", NULL };
	void *b[4];

	memledger_snapshot("CHILD START");
	for (int i = 0; i < 4; i++)
		b[i] = xmalloc(64 * (size_t)(i + 1));
	for (int i = 0; i < 4; i++)
		free(b[i]);
	free(inherited);
	memledger_snapshot("CHILD BEFORE EXEC");
	if (argv[1])
		execv(argv[1], argv + 1);
	else
		execv(default_argv[0], default_argv);
	_exit(127);
}

int main(int argc, char **argv)
{
	void *a[5], *c[6];
	int status = 0;
	pid_t pid;

	(void)argc;
	for (int i = 0; i < 5; i++)
		a[i] = xmalloc(100 * (size_t)(i + 1));
	free(a[0]);
	free(a[1]);
	memledger_snapshot("BEFORE FORK");

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		child(a[2], argv);

	while (waitpid(pid, &status, 0) < 0)
		;
	for (int i = 0; i < 6; i++)
		c[i] = xmalloc(1000 + (size_t)i);
	for (int i = 0; i < 6; i++)
		free(c[i]);
	for (int i = 2; i < 5; i++)
		free(a[i]);
	memledger_snapshot("AFTER WAIT");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
