/*
 * nofile.h - for the test programs that run out of descriptors
 * (lc_nofile, snap_nofd): lower RLIMIT_NOFILE so that exactly `spare`
 * more open() calls can succeed. 0, or -1 if the limit cannot be set.
 */
#ifndef MEMLEDGER_TEST_NOFILE_H
#define MEMLEDGER_TEST_NOFILE_H

#include <fcntl.h>
#include <sys/resource.h>

static int nofile_leave(int spare)
{
	int f = 0;
	while (fcntl(f, F_GETFD) != -1)
		f++;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	rl.rlim_cur = (rlim_t)f + (rlim_t)spare;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

#endif
