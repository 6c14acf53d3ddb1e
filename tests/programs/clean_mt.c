/*
 * clean_mt.c - the mt_common.h service (threads, a timerfd, a POSIX timer,
 * a pipe and a socketpair), cleaned up completely. The reference that every
 * plant_*.c program differs from in exactly one place.
 *
 * What it does: before START, 3 throw-away threads are created and joined.
 * This warms glibc's stack cache. START; open the service and run it for
 * 150 ms; AFTER RUN; stop producer and consumer (join both); tell the
 * reporter to quit (join); close the timerfd; delete the POSIX timer;
 * close the pipe and the socketpair; free every list item; malloc_trim(0);
 * AFTER CLEANUP; return 0. Prints nothing.
 *
 * A correct trace must show:
 *   - threads: 3 warm-up threads joined before START, and producer,
 *     consumer and reporter joined before AFTER CLEANUP. None running or
 *     exited-unjoined at exit.
 *   - resources opened after START, all closed before AFTER CLEANUP: 1
 *     pipe (2 fds), 1 socketpair (2 fds), 1 timerfd, 1 posix_timer.
 *   - Alloc and HeapObjects at AFTER CLEANUP equal START exactly. START
 *     already holds the 3 TLS vectors of the cached stacks: 3 blocks of
 *     304 bytes (glibc 2.36), calloc'ed by ld.so during the warm-up. They
 *     stay live, unchanged, until exit.
 *   - about 158 item allocations (one per 1 ms tick over 150 ms, plus 8
 *     final records), 48..96 bytes each, all from svc_consume. About 7
 *     256-byte report buffers from svc_report. Every one is freed before
 *     AFTER CLEANUP.
 *   - no free and no thread exit after AFTER CLEANUP.
 *   - checklist: every item passes; gc_repeated is n/a. (The 3 TLS vectors
 *     are the only blocks live at exit. They are unchanged since START, so
 *     no site grew. They hang off the cached stacks, not off a root, so a
 *     scan finds them lost, not reachable. With __libc_freeres before the
 *     scan, as valgrind does, they are freed.)
 *   - valgrind --leak-check=full --show-leak-kinds=all: "All heap blocks
 *     were freed -- no leaks are possible", 0 errors.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	return svc_main(&svc, SVC_KEEP, SVC_ALL, NULL);
}
