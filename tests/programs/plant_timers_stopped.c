/*
 * plant_timers_stopped.c - clean_mt.c, except that the producer's timerfd is
 * never closed. It stays armed (1 ms interval) until the process exits.
 *
 * What it does: like clean_mt.c, minus svc_close_timerfd(). Nothing reads
 * the timerfd after the producer is joined: the expirations pile up in the
 * kernel. Prints nothing.
 *
 * Must fail: timers_stopped. Evidence: 1 resource of kind 'timerfd' (opened
 * in svc_open) with close_ns NULL. The POSIX timer is deleted, so it is not
 * evidence.
 * Why the others pass: a timerfd is not a channel (channels_closed looks at
 * pipes, sockets and eventfds, all closed). Every thread is joined before
 * AFTER CLEANUP. Memory is exactly as in clean_mt.c.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	/* PLANTED: no SVC_CLOSE_TIMERFD: the timerfd stays open and armed. */
	return svc_main(&svc, SVC_KEEP, SVC_ALL & ~SVC_CLOSE_TIMERFD, NULL);
}
