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
	svc_warm();
	memledger_snapshot(MEMLEDGER_START);

	svc_open(&svc, SVC_KEEP);
	svc_start(&svc);
	svc_sleep_ms(SVC_RUN_MS);
	memledger_snapshot(MEMLEDGER_AFTER_RUN);

	svc_stop_workers(&svc);
	svc_quit_reporter(&svc);
	/* PLANTED: no pthread_join(svc.reporter): only wait until it is gone. */
	while (atomic_load(&svc.reporter_tid) == 0)
		svc_sleep_ms(1);
	if (svc_wait_gone(atomic_load(&svc.reporter_tid)) < 0)
		return 1;
	svc_close_timerfd(&svc);
	svc_delete_deadline(&svc);
	svc_close_channels(&svc);
	svc_clear(&svc);
	svc_destroy_sync(&svc);
	malloc_trim(0);
	memledger_snapshot(MEMLEDGER_AFTER_CLEANUP);
	return 0;
}
