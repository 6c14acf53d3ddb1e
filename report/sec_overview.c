/*
 * sec_overview.c - the Overview section and the process header lines
 * (argv as a shell line, how the process ended).
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include "common/units.h"

/* ------------------------------------------------------------ overview */

/* argv as one line a shell would accept, quoting where needed. */
tal_value *argv_line(char **argv, int n)
{
	size_t cap = 16, len = 0;
	char *s = malloc(cap);
	tal_value *v;
	int i;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *a = argv[i];
		int plain = a[0] != '\0';
		size_t need = strlen(a) * 4 + 4, k;

		for (k = 0; a[k]; k++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%",
				    a[k]))
				plain = 0;
		if (len + need + 2 > cap) {
			char *ns;

			cap = (len + need + 2) * 2;
			if (!(ns = realloc(s, cap))) {
				free(s);
				return NULL;
			}
			s = ns;
		}
		if (i)
			s[len++] = ' ';
		if (plain) {
			memcpy(s + len, a, strlen(a));
			len += strlen(a);
		} else {
			s[len++] = '\'';
			for (k = 0; a[k]; k++) {
				if (a[k] == '\'') {
					memcpy(s + len, "'\\''", 4);
					len += 4;
				} else {
					s[len++] = a[k];
				}
			}
			s[len++] = '\'';
		}
		s[len] = '\0';
	}
	v = tal_strn(s, len);
	free(s);
	return v;
}

tal_value *end_text(const struct rp_process *p, int *ok)
{
	const char *r = p->end_reason;

	*ok = 0;
	if (!r)
		return tal_str("unknown: the trace does not say how the process ended");
	if (strcmp(r, "exit") == 0) {
		*ok = p->exit_code == 0;
		if (isnan(p->exit_code))
			return tal_str("exited");
		return tal_strf("exited with status %.0f", p->exit_code);
	}
	if (strcmp(r, "signal") == 0) {
		const char *abbrev = !isnan(p->signal) && p->signal > 0 && p->signal < 65 ?
					     sigabbrev_np((int)p->signal) :
					     NULL;

		if (isnan(p->signal))
			return tal_str("killed by a signal");
		return tal_strf("killed by signal %.0f%s%s%s", p->signal, abbrev ? " (SIG" : "",
				abbrev ? abbrev : "", abbrev ? ")" : "");
	}
	if (strcmp(r, "exec") == 0) {
		*ok = 1;
		return tal_str("replaced itself with another program (exec)");
	}
	if (strcmp(r, "truncated") == 0)
		return tal_str("trace ends early (truncated): the process crashed or was killed "
			       "before the tracer could finish");
	return tal_strf("ended (%s)", r);
}

tal_value *overview_model(struct proc_ctx *pc, const struct leak_totals *lt)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict();
	const struct rp_snapshot *last = p->nsnaps ? &p->snaps[p->nsnaps - 1] : NULL;
	size_t i, peak = SIZE_MAX;
	struct rp_tick tl_peak = { 0 };
	int use_tl;
	double total = last ? last->v[SC_TOTAL_ALLOC] : NAN;
	double allocs = last ? last->v[SC_MALLOCS] : NAN;
	char buf[UNITS_BUF];

	for (i = 0; i < p->nsnaps; i++)
		if (!isnan(p->snaps[i].v[SC_ALLOC]) &&
		    (peak == SIZE_MAX || p->snaps[i].v[SC_ALLOC] > p->snaps[peak].v[SC_ALLOC]))
			peak = i;
	/* the timeline's true peak, when it is above every snapshot's */
	for (i = 0; i < p->nticks; i++)
		if (p->ticks[i].peak_bytes > tl_peak.peak_bytes)
			tl_peak = p->ticks[i];
	use_tl = tl_peak.peak_bytes > 0 && (peak == SIZE_MAX || tl_peak.peak_bytes > p->snaps[peak].v[SC_ALLOC]);
	set_bytes(d, "peak_alloc", use_tl ? tl_peak.peak_bytes : peak != SIZE_MAX ? p->snaps[peak].v[SC_ALLOC] : NAN);
	if (use_tl)
		tal_set_strf(d, "peak_at", "%s into the run", units_duration(buf, sizeof buf, tl_peak.peak_ns));
	else if (peak == SIZE_MAX)
		tal_set(d, "peak_at", tal_null());
	else if (p->snaps[peak].kind == SNAP_SAMPLE)
		tal_set_strf(d, "peak_at", "%s into the run",
			     units_duration(buf, sizeof buf, p->snaps[peak].ts));
	else
		tal_set_strf(d, "peak_at", "at %s", p->snaps[peak].label);
	set_bytes(d, "total_alloc", total);
	set_count(d, "total_allocs", allocs);
	if (isnan(allocs))
		tal_set(d, "total_allocs_text", tal_null());
	else
		tal_set_strf(d, "total_allocs_text", "in %s allocation%s",
			     units_count(buf, sizeof buf, allocs), allocs == 1 ? "" : "s");
	tal_set_str(d, "mean_rate", units_byte_rate(buf, sizeof buf,
						     pc->duration_ns > 0 ? total / (pc->duration_ns / 1e9) : NAN));
	tal_set_str(d, "mean_alloc_rate",
		    units_count_rate(buf, sizeof buf,
				     pc->duration_ns > 0 ? allocs / (pc->duration_ns / 1e9) : NAN));
	set_bytes(d, "final_alloc", last ? last->v[SC_ALLOC] : NAN);
	set_count(d, "final_objects", last ? last->v[SC_HEAP_OBJECTS] : NAN);
	set_bytes(d, "final_rss", last ? last->v[SC_RSS] : NAN);
	{
		double prss = NAN, pthreads = NAN, own = NAN;

		for (i = 0; i < p->nsnaps; i++) {
			if (!isnan(p->snaps[i].v[SC_RSS]) && (isnan(prss) || p->snaps[i].v[SC_RSS] > prss)) {
				prss = p->snaps[i].v[SC_RSS];
				own = p->snaps[i].v[SC_TRACER_RSS];
			}
			if (!isnan(p->snaps[i].v[SC_THREADS]) &&
			    (isnan(pthreads) || p->snaps[i].v[SC_THREADS] > pthreads))
				pthreads = p->snaps[i].v[SC_THREADS];
		}
		set_bytes(d, "peak_rss", prss);
		/* RSS is measured inside the traced process, so it holds the
		 * tracer's own tables and buffers too: say how much. */
		if (isnan(own) || !(prss > 0))
			tal_set(d, "tracer_rss_text", tal_null());
		else
			tal_set_strf(d, "tracer_rss_text", "of it memledger's own: %s (%.1f%%)",
				     units_bytes(buf, sizeof buf, own), 100.0 * own / prss);
		set_count(d, "peak_threads", pthreads);
		if (isnan(pthreads))
			tal_set(d, "peak_threads_text", tal_null());
		else
			tal_set_strf(d, "peak_threads_text", "%.0f thread%s at most", pthreads,
				     pthreads == 1 ? "" : "s");
	}
	set_leak_totals(d, lt);
	set_count(d, "snapshots", (double)p->nsnaps);
	{
		size_t nuser = 0;

		for (i = 0; i < p->nsnaps; i++)
			nuser += p->snaps[i].kind == SNAP_USER;
		set_count(d, "user_snapshots", (double)nuser);
	}
	return d;
}

/* ------------------------------------------------------------ one process */
