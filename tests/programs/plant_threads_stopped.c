/*
 * plant_threads_stopped.c - clean_mt.c, except that the reporter thread is
 * never told to quit: it is still running at exit.
 *
 * What it does: like clean_mt.c up to AFTER RUN. Cleanup stops and joins
 * producer and consumer. It waits until no report is requested or running
 * (svc_wait_idle) but never calls svc_quit_reporter. It closes and deletes
 * every descriptor and timer, frees the items, then takes AFTER CLEANUP and
 * returns 0. The reporter is then blocked in pthread_cond_wait on the
 * service's condition variable (in .bss, not a descriptor). It holds no heap
 * block. The condition variable is not destroyed, because it is in use.
 * Prints nothing.
 *
 * Must fail: threads_stopped. Evidence: 1 thread (start function
 * svc_reporter_main, created from svc_start) with state_at_exit 'running'.
 * Why the others pass:
 *   threads_joined       producer and consumer are joined; the reporter has
 *                        not exited, so it is not "exited but unjoined".
 *   timers_stopped,      the timerfd, POSIX timer, pipe and socketpair are
 *   channels_closed      all closed before AFTER CLEANUP; the reporter waits
 *                        on no descriptor.
 *   containers_cleared,  every item is freed; the reporter's report buffers
 *   global_references,   are freed per report, and svc_wait_idle ensures none
 *   baseline_returned    is in flight: Alloc and HeapObjects at AFTER CLEANUP
 *                        equal START, and nothing is reachable at exit but
 *                        the warm-up TLS vectors (see clean_mt.c).
 *   settle_time          the reporter does nothing after AFTER CLEANUP: no
 *                        free, no exit (it is killed by the process exit).
 * Caveat for the tracer: a thread alive at exit still owns its TLS vector
 * (DTV), a heap block calloc'ed by ld.so. Here it was allocated during the
 * warm-up, before START. The thread's descriptor points at it from inside
 * the thread's stack mapping, 16 bytes past its start. valgrind reports it
 * as "possibly lost: 272 bytes in 1 blocks" (valgrind's own DTV size). A
 * scan that roots the TCB and accepts interior pointers would call it
 * reachable. It is a runtime allocation (sites.runtime = 1) and must not
 * count as global_references evidence.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	/*
	 * PLANTED: neither SVC_JOIN_REPORTER nor SVC_UNJOINED: the reporter is
	 * never told to quit nor joined, and keeps waiting. No SVC_DESTROY_SYNC:
	 * it waits on the condition variable.
	 */
	return svc_main(&svc, SVC_KEEP, SVC_ALL & ~(SVC_JOIN_REPORTER | SVC_DESTROY_SYNC), NULL);
}
