/*
 * plant_settle_time.c - clean_mt.c, except that AFTER CLEANUP, the last
 * snapshot, is taken before the reporter thread has freed its buffer and
 * exited.
 *
 * What it does: before START the program allocates the reporter's report
 * buffer (svc.scratch, 4096 bytes, from main). The reporter formats every
 * report into it, and frees it when told to quit. Cleanup stops and joins
 * producer and consumer, closes every descriptor and timer, frees the
 * items and takes AFTER CLEANUP. Only then does it tell the reporter to quit
 * and join it. So the order is deterministic: the snapshot comes first, and
 * the free of the buffer and the reporter's exit come after it. Prints
 * nothing.
 *
 * Must fail: settle_time. Evidence: after the last own snapshot, 1 free (the
 * 4096-byte scratch buffer allocated in main) and 1 thread exit
 * (svc_reporter_main).
 * Why the others pass:
 *   baseline_returned    the buffer exists before START and is still live at
 *                        AFTER CLEANUP. So Alloc and HeapObjects at AFTER
 *                        CLEANUP equal START: 3 TLS vectors plus 4096 bytes,
 *                        4 blocks. The free after the snapshot is what this
 *                        program is about.
 *   containers_cleared   the buffer's site holds 4096 bytes at START, AFTER
 *                        RUN and AFTER CLEANUP: no growth. At exit it holds
 *                        nothing.
 *   threads_stopped,     the reporter is joined before exit.
 *   threads_joined
 *   global_references    nothing but the warm-up TLS vectors is live at exit.
 *   timers, channels     as in clean_mt.c.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	svc_warm();
	svc.scratch = malloc(4096);
	if (!svc.scratch)
		return 1;
	memledger_snapshot(MEMLEDGER_START);
	svc_run(&svc, SVC_KEEP);

	/*
	 * PLANTED: the last snapshot comes before the reporter is stopped:
	 * cleanup only waits until no report is in flight.
	 */
	svc_cleanup(&svc, SVC_ALL & ~(SVC_JOIN_REPORTER | SVC_DESTROY_SYNC), NULL);
	svc_quit_reporter(&svc);        /* the reporter frees svc.scratch ... */
	pthread_join(svc.reporter, NULL);       /* ... and exits */
	svc_destroy_sync(&svc);
	return 0;
}
