/*
 * rob_dup2high.c - dup2 of a pipe onto every descriptor from 900 to 1000,
 * where the tracer likes to keep its trace file (t0224). Each duplicate
 * writes one byte; after closing them all, the pipe must hold 101 bytes.
 * Allocates a block of 4001 bytes before and after, and prints
 * "101 bytes through fds 900..1000". Exit status 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *volatile sink;

int main(void)
{
	int p[2];
	char buf[256];
	ssize_t n, total = 0;

	sink = malloc(4001);
	if (pipe(p) != 0)
		return 1;
	for (int fd = 900; fd <= 1000; fd++) {
		if (dup2(p[1], fd) != fd)
			return 2;
		if (write(fd, "x", 1) != 1)
			return 3;
	}
	for (int fd = 900; fd <= 1000; fd++)
		if (close(fd) != 0)
			return 4;
	close(p[1]);
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		total += n;
	close(p[0]);
	free(sink);
	sink = malloc(4001);
	free(sink);
	printf("%d bytes through fds 900..1000\n", (int)total);
	return total == 101 ? 0 : 5;
}
