/*
 * rob_execmissing.c - exec of programs that do not exist (t0226). Each
 * exec fails, the program goes on, and the process ends normally: its
 * trace must go on too and end with 'exit', not 'exec'.
 *
 * Allocates a block of 5001 bytes, then tries execvp of a name searched
 * in PATH, execv of a missing path and execl of a missing path, printing
 * the errno name of each failure (ENOENT), allocating a block of
 * 5002, 5003, 5004 bytes after each. Frees all four, prints "still here"
 * and exits 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *blocks[4];

static void after(int i, const char *what)
{
	printf("%s failed: %s\n", what, errno == ENOENT ? "ENOENT" : strerror(errno));
	fflush(stdout);
	blocks[i] = malloc(5001 + (size_t)i);
}

int main(void)
{
	char *argv[] = { "memledger-no-such-program", "arg", NULL };

	blocks[0] = malloc(5001);
	execvp("memledger-no-such-program", argv);
	after(1, "execvp");
	execv("/nonexistent/memledger/prog", argv);
	after(2, "execv");
	execl("/nonexistent/memledger/prog", "prog", "x", (char *)NULL);
	after(3, "execl");
	for (int i = 0; i < 4; i++)
		free(blocks[i]);
	printf("still here\n");
	return 0;
}
