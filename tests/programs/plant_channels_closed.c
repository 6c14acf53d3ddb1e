/*
 * plant_channels_closed.c - clean_mt.c, except that the stop pipe and the
 * socketpair are never closed.
 *
 * What it does: like clean_mt.c, minus svc_close_channels(). Producer and
 * consumer have returned, so nothing uses the four descriptors any more.
 * The pipe still holds the stop byte. The producer's side of the socketpair
 * is shut down for writing. Prints nothing.
 *
 * Must fail: channels_closed. Evidence: 2 resources with close_ns NULL, both
 * opened in svc_open: 1 of kind 'pipe' (from pipe2, 2 fds) and 1 of kind
 * 'socket' (from socketpair, 2 fds). A tracer that records one row per fd
 * shows 4 rows: 2 'pipe' and 2 'socket'.
 * Why the others pass: the timerfd is closed and the POSIX timer deleted.
 * Every thread is joined. Memory is exactly as in clean_mt.c.
 */
#include "mt_common.h"

static struct svc svc;

int main(void)
{
	/* PLANTED: no SVC_CLOSE_CHANNELS: pipe and socketpair stay open. */
	return svc_main(&svc, SVC_KEEP, SVC_ALL & ~SVC_CLOSE_CHANNELS, NULL);
}
