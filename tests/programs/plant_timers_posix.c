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
	/* PLANTED: no SVC_DELETE_DEADLINE: the POSIX timer is never deleted. */
	return svc_main(&svc, SVC_KEEP, SVC_ALL & ~SVC_DELETE_DEADLINE, NULL);
}
