/*
 * crash.c - allocates a known amount, takes a snapshot, allocates a little
 * more and dies of SIGSEGV. The trace must survive the crash.
 *
 * What it does: setrlimit(RLIMIT_CORE, 0), so no core file is left behind.
 * 10 mallocs of 100, 200, .., 1000 bytes; the blocks of 100, 300, 500 and
 * 700 bytes are freed. memledger_snapshot("BEFORE CRASH"). Then 3 mallocs
 * of 64 bytes that are kept, then a store through a NULL pointer read from
 * a volatile variable. The compiler cannot turn it into a trap
 * instruction, so the signal is SIGSEGV. Prints nothing.
 *
 * A correct trace shows:
 *   - snapshot "BEFORE CRASH": Mallocs 10, Frees 4, HeapObjects 6, Alloc
 *     3900 (200+400+600+800+900+1000), TotalAlloc 5500. The program makes no
 *     other allocation: it uses no stdio.
 *   - if the tracer flushes on fatal signals, 3 more allocations of 64 bytes
 *     after the snapshot. The records up to the snapshot must be there in
 *     any case.
 *   - processes.end_reason 'signal' and signal 11. If the trace was cut
 *     short, end_reason is 'truncated' and ingest still succeeds.
 *   - `memledger run` exits 139 (128 + SIGSEGV), as a shell would report.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "memledger.h"

static int *volatile null_ptr;
static void *volatile sink;

int main(void)
{
	struct rlimit no_core = { 0, 0 };
	void *b[10];

	setrlimit(RLIMIT_CORE, &no_core);
	for (int i = 0; i < 10; i++) {
		b[i] = malloc(100 * (size_t)(i + 1));
		if (!b[i])
			return 1;
		memset(b[i], i, 100);
	}
	for (int i = 0; i < 8; i += 2)
		free(b[i]);
	memledger_snapshot("BEFORE CRASH");

	for (int i = 0; i < 3; i++)
		sink = malloc(64);
	*null_ptr = 1;
	return 0;
}
