/*
 * sys_mmap.c - anonymous memory the program maps itself (t0542), between
 * snapshots:
 *   BEFORE     nothing mapped yet
 *   MAPPED     64 MiB mmap'd and every page touched
 *   PARTIAL    16 MiB from its middle munmap'd (48 MiB left, in two parts)
 *   UNMAPPED   the rest munmap'd
 *   REMAPPED   1 MiB mmap'd, then mremap'd to 4 MiB
 *   PROTECTED  32 MiB reserved PROT_NONE, 16 MiB of it made writable
 *   BRK        256 KiB more break from sbrk
 *   AFTER      all of it given back
 * It also prints what the calls returned and left in errno: a successful
 * mmap leaves errno alone, a failing one (length 0) sets EINVAL, munmap
 * of an unaligned address sets EINVAL. Exit status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memledger.h"

#define MiB ((size_t)1 << 20)

int main(void)
{
	memledger_snapshot("BEFORE");
	errno = 1234;
	char *p = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	printf("mmap ok, errno %d\n", errno);
	memset(p, 1, 64 * MiB);
	memledger_snapshot("MAPPED");
	printf("munmap middle %d\n", munmap(p + 16 * MiB, 16 * MiB));
	memledger_snapshot("PARTIAL");
	printf("munmap %d\n", munmap(p, 64 * MiB));
	memledger_snapshot("UNMAPPED");

	errno = 0;
	void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap of 0 bytes: %s, errno %s\n", bad == MAP_FAILED ? "failed" : "mapped",
	       errno == EINVAL ? "EINVAL" : strerror(errno));
	errno = 0;
	int rc = munmap((char *)&rc + 1, 4096);
	printf("munmap unaligned: %d, errno %s\n", rc, errno == EINVAL ? "EINVAL" : strerror(errno));

	char *q = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mremap(q, MiB, 4 * MiB, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return 1;
	memset(q, 2, 4 * MiB);
	memledger_snapshot("REMAPPED");
	munmap(q, 4 * MiB);

	char *r = mmap(NULL, 32 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED || mprotect(r, 16 * MiB, PROT_READ | PROT_WRITE) != 0)
		return 1;
	memset(r, 3, 16 * MiB);
	memledger_snapshot("PROTECTED");
	munmap(r, 32 * MiB);

	char *b = sbrk(256 * 1024);
	if (b == (void *)-1)
		return 1;
	memset(b, 4, 256 * 1024);
	memledger_snapshot("BRK");
	sbrk(-256 * 1024);
	memledger_snapshot("AFTER");
	printf("done\n");
	return 0;
}
