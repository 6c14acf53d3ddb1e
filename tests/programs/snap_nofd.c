/*
 * snap_nofd.c - a snapshot taken with no descriptor to spare (t0547).
 *
 * Lowers RLIMIT_NOFILE to its lowest free descriptor, so that no open()
 * can succeed, checks that one fails with EMFILE, allocates 1 MiB, takes
 * the snapshot "full" and prints "full: ok". The tracer reads the RSS
 * for that snapshot from /proc/self/statm: it must do so without a
 * descriptor in the program's table, so the snapshot still has one.
 * Exit status 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memledger.h"
#include "nofile.h"

static void *volatile sink;

int main(void)
{
	if (nofile_leave(0) != 0)
		return 1;
	int fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 || errno != EMFILE) {
		printf("full: an open still succeeds\n");
		return 1;
	}
	char *p = malloc(1 << 20);
	if (!p)
		return 1;
	memset(p, 1, 1 << 20);
	sink = p;
	if (memledger_snapshot)
		memledger_snapshot("full");
	printf("full: ok\n");
	fflush(stdout);
	free(p);
	return 0;
}
