/*
 * plant_timers_posix.c - clean_mt.c, except that the POSIX timer
 * (timer_create, CLOCK_MONOTONIC, SIGEV_NONE) is never deleted.
 *
 * What it does: like clean_mt.c, minus svc_delete_deadline(). The timer is
 * one-shot and re-armed by the producer, so at exit it is either pending or
 * expired. Either way it still exists: /proc/self/timers lists it. With
 * SIGEV_NONE, glibc 2.36 allocates nothing for it and starts no helper
 * thread. Prints nothing.
 *
 * Must fail: timers_stopped. Evidence: 1 resource of kind 'posix_timer'
 * (created in svc_open) with close_ns NULL. The timerfd is closed, so it is
 * not evidence.
 * Why the others pass: as in clean_mt.c. A POSIX timer is neither a
 * descriptor nor memory.
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
	pthread_join(svc.reporter, NULL);
	svc_close_timerfd(&svc);
	/* PLANTED: no svc_delete_deadline(): the POSIX timer is never deleted. */
	svc_close_channels(&svc);
	svc_clear(&svc);
	svc_destroy_sync(&svc);
	malloc_trim(0);
	memledger_snapshot(MEMLEDGER_AFTER_CLEANUP);
	return 0;
}
