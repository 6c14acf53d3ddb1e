/*
 * plant_threads_joined.c - clean_mt.c, except that the reporter thread is
 * told to quit and exits, but is never joined nor detached.
 *
 * What it does: like clean_mt.c, but instead of pthread_join(reporter) the
 * cleanup waits until /proc/self/task/TID of the reporter has disappeared.
 * So the thread has fully exited before AFTER CLEANUP, and its pthread_t is
 * simply dropped. Prints nothing.
 *
 * Must fail: threads_joined. Evidence: 1 thread (svc_reporter_main) with
 * state_at_exit 'exited-unjoined', end_ns before the AFTER CLEANUP snapshot.
 * Why the others pass:
 *   threads_stopped      the reporter has exited; producer and consumer are
 *                        joined.
 *   settle_time          the reporter's exit happens before AFTER CLEANUP
 *                        (the cleanup waits for the kernel to remove it).
 *   baseline_returned    the unjoined thread keeps its stack and TLS vector.
 *                        The vector was allocated before START by the
 *                        warm-up, so Alloc and HeapObjects still equal START.
 *   all other items      as in clean_mt.c.
 * valgrind: "possibly lost: 272 bytes in 1 blocks". That block is the unjoined
 * thread's TLS vector (see plant_threads_stopped.c). Its stack mapping is
 * no root once the thread has exited, so a scan finds it lost at most, and
 * no item counts lost blocks.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	/* PLANTED: SVC_UNJOINED, no SVC_JOIN_REPORTER: only wait until it is gone. */
	return svc_main(&svc, SVC_KEEP, (SVC_ALL & ~SVC_JOIN_REPORTER) | SVC_UNJOINED, NULL);
}
