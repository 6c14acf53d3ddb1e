/*
 * sec_checklist.c - the Leak checklist section and its badges. The
 * results are ingest's (the checklist table); this only words them.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ checklist */

static const struct {
	const char *item, *title, *question, *how;
} check_items[] = {
	{ "threads_stopped", "Threads stopped",
	  "Had every thread the program started finished by the time it exited?",
	  "Lists threads created during the trace that were still running at exit. A running "
	  "thread keeps its stack and everything reachable from it alive." },
	{ "threads_joined", "Threads joined",
	  "Was every thread that finished also joined or detached?",
	  "Lists threads that returned but were never given to pthread_join or pthread_detach. "
	  "Until then their stacks and descriptors stay allocated." },
	{ "timers_stopped", "Timers stopped", "Were all timers disarmed and released?",
	  "Lists timerfd descriptors that were never closed and POSIX timers that were never "
	  "deleted. A live timer keeps firing and keeps its callback's data in use." },
	{ "containers_cleared", "Containers cleared",
	  "Were maps, vectors, queues and caches emptied when the work was done?",
	  "Lists call sites whose live bytes grew from one program snapshot to the next and still "
	  "hold memory at exit: the mark of a container that only ever grows." },
	{ "channels_closed", "Channels closed", "Were pipes, sockets and eventfds closed?",
	  "Lists pipes, socket pairs, sockets and eventfds opened during the trace and still open "
	  "at exit." },
	{ "settle_time", "Settle time",
	  "Was the last snapshot taken after the program had really finished cleaning up?",
	  "Looks for frees and thread exits after the program's last own snapshot. If there are "
	  "any, that snapshot came too early and overstates what was left behind." },
	{ "gc_repeated", "Collector run more than once",
	  "Was the garbage collector given more than one pass before measuring?",
	  "Only garbage-collected programs have a collector to repeat. C and C++ free memory "
	  "explicitly, so for them this item does not apply." },
	{ "global_references", "Global references",
	  "Do global variables still point at heap blocks?",
	  "Lists blocks live at exit that the exit scan reached from globals (.data and .bss), "
	  "thread stacks or thread-local storage. They are not lost, but nothing released them." },
	{ "baseline_returned", "Back to baseline", "Did memory come back to where it started?",
	  "Compares Alloc and HeapObjects at the program's last own snapshot with its first (with "
	  "the start when it took only one, start and exit when it took none), setting aside what "
	  "the C/C++ runtime allocated for itself. The same verdict, made once when the trace was "
	  "loaded, is shown for Alloc, HeapObjects, Live and HeapInuse and in the Phases table." },
};

tal_value *checklist_model(struct proc_ctx *pc, tal_value **badges, int *nfail)
{
	tal_value *list = tal_list();
	size_t i, k, e;

	*badges = tal_list();
	*nfail = 0;
	for (i = 0; i < sizeof check_items / sizeof check_items[0]; i++) {
		const struct rp_check *c = NULL;
		tal_value *d = tal_dict(), *ev = tal_list(), *badge = tal_dict();
		const char *status;

		for (k = 0; k < pc->p->nchecks; k++)
			if (strcmp(pc->p->checks[k].item, check_items[i].item) == 0)
				c = &pc->p->checks[k];
		status = c ? c->status : "not evaluated";
		if (strcmp(status_class(status), "fail") == 0)
			(*nfail)++;
		tal_set_str(d, "item", check_items[i].item);
		tal_set_strf(d, "anchor", "check-%s%s", check_items[i].item, pc->sfx);
		tal_set_str(d, "title", check_items[i].title);
		tal_set_str(d, "question", check_items[i].question);
		tal_set_str(d, "how", check_items[i].how);
		tal_set_str(d, "status", status);
		tal_set_str(d, "status_class", status_class(status));
		tal_set_str(d, "mark", status_mark(status));
		tal_set_str(d, "detail", c ? c->detail : "The database has no result for this item.");
		for (e = 0; c && e < c->nev; e++) {
			tal_value *x = tal_dict();
			char cut[TEXT_CAP];

			tal_set_str(x, "text", c->ev[e].text ? cap_text(c->ev[e].text, cut, sizeof cut) : NULL);
			if (isnan(c->ev[e].value))
				tal_set(x, "value", tal_null());
			else
				tal_set_strf(x, "value", "%.0f", c->ev[e].value);
			tal_set(x, "stack", stack_value(pc->stacks, c->ev[e].stack_id));
			tal_push(ev, x);
		}
		tal_set(d, "evidence", ev);
		if (c && c->nev_total > c->nev)
			tal_set_strf(d, "more", "%zu more rows are in the checklist_evidence table.",
				     c->nev_total - c->nev);
		else
			tal_set(d, "more", tal_null());
		tal_push(list, d);
		tal_set_str(badge, "item", check_items[i].item);
		tal_set_str(badge, "title", check_items[i].title);
		tal_set_str(badge, "status", status);
		tal_set_str(badge, "status_class", status_class(status));
		tal_set_str(badge, "mark", status_mark(status));
		tal_set_strf(badge, "href", "#check-%s%s", check_items[i].item, pc->sfx);
		tal_push(*badges, badge);
	}
	return list;
}
