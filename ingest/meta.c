/*
 * meta.c - pass 1: the META frames of a trace into a trace_meta.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/err.h"
#include "format/decode.h"
#include "ingest/json.h"
#include "ingest/tracemeta.h"


/* The NUL-separated command line as a JSON array of strings. */
static char *argv_to_json(const uint8_t *s, size_t n)
{
	struct jbuf b = JBUF_INIT;
	jbuf_add(&b, "[", 1);
	size_t i = 0;
	int first = 1;
	while (i < n) {
		size_t l = 0;
		while (i + l < n && s[i + l])
			l++;
		if (!first)
			jbuf_add(&b, ",", 1);
		jbuf_add_string(&b, (const char *)s + i, l);
		first = 0;
		i += l + 1;
	}
	jbuf_add(&b, "]", 1);
	if (b.oom) {
		jbuf_free(&b);
		return NULL;
	}
	return b.s;
}

#define PUSH_OR_FAIL(ptr, vec, n, cap) \
	do { if (!((ptr) = VEC_PUSH(vec, n, cap))) return err_oom(err, errlen); } while (0)

static int rec_proc(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	size_t l;
	const uint8_t *s = ml_rd_bytes(r, &l);
	if (s && !m->version && !(m->version = bytes_dup(s, l)))
		return err_oom(err, errlen);
	m->pid = (int64_t)ml_rd_u(r);
	m->ppid = (int64_t)ml_rd_u(r);
	m->tsc0 = ml_rd_u(r);
	m->mono0 = ml_rd_u(r);
	m->unix0 = ml_rd_u(r);
	m->tick_shift = (unsigned)ml_rd_u(r);
	m->interval_ns = ml_rd_u(r);
	m->depth = ml_rd_u(r);
	m->sample_bytes = ml_rd_u(r);
	s = ml_rd_bytes(r, &l);
	if (s && !m->exe && !(m->exe = bytes_dup(s, l)))
		return err_oom(err, errlen);
	s = ml_rd_bytes(r, &l);
	if (s && !m->argv_json && !(m->argv_json = argv_to_json(s, l)))
		return err_oom(err, errlen);
	if (m->tick_shift > 40)
		r->err = 1;
	m->have_proc = 1;
	return 0;
}

static int rec_module(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	struct tm_module *md;
	PUSH_OR_FAIL(md, m->mods, m->nmods, m->capmods);
	md->idx = (uint32_t)ml_rd_u(r);
	md->bias = ml_rd_u(r);
	md->lo = ml_rd_u(r);
	md->hi = ml_rd_u(r);
	md->tsc = ml_rd_u(r);
	size_t l;
	const uint8_t *s = ml_rd_bytes(r, &l);
	if (s && !(md->path = bytes_dup(s, l)))
		return err_oom(err, errlen);
	s = ml_rd_bytes(r, &l);
	if (s && l) {
		if (!(md->build_id = malloc(l)))
			return err_oom(err, errlen);
		memcpy(md->build_id, s, l);
		md->build_id_len = l;
	}
	return 0;
}

static int rec_stack(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	uint64_t id = ml_rd_u(r), n = ml_rd_u(r);
	if (r->err || !id || id > UINT32_MAX || n > 4096 || n > (uint64_t)(r->end - r->p)) {
		r->err = 1;
		return 0;
	}
	uint64_t have;
	if (u64map_get(&m->stack_index, id, &have)) {
		/* written again (e.g. after fork in the parent's stream): keep the first */
		for (uint64_t i = 0; i < n; i++)
			ml_rd_u(r);
		return 0;
	}
	struct tm_stack *st;
	PUSH_OR_FAIL(st, m->stacks, m->nstacks, m->capstacks);
	st->id = (uint32_t)id;
	st->n = (uint32_t)n;
	st->ips = malloc((n ? n : 1) * sizeof *st->ips);
	if (!st->ips)
		return err_oom(err, errlen);
	uint64_t prev = 0;
	for (uint64_t i = 0; i < n; i++) {
		prev += (uint64_t)ml_unzigzag(ml_rd_u(r));
		st->ips[i] = prev;
	}
	if (u64map_put(&m->stack_index, id, m->nstacks - 1) < 0)
		return err_oom(err, errlen);
	return 0;
}

static int rec_snapshot(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	struct tm_snapshot *s;
	PUSH_OR_FAIL(s, m->snaps, m->nsnaps, m->capsnaps);
	s->seq = ml_rd_u(r);
	s->kind = (int)ml_rd_u(r);
	s->flags = (int)ml_rd_u(r);
	s->tsc = ml_rd_u(r);
	s->ns = (int64_t)ml_rd_u(r);
	size_t l;
	const uint8_t *lab = ml_rd_bytes(r, &l);
	if (lab && !(s->label = bytes_dup(lab, l)))
		return err_oom(err, errlen);
	uint64_t nf = ml_rd_u(r);
	for (uint64_t i = 0; i < nf && !r->err; i++) {
		uint64_t v = ml_rd_u(r);
		if (i < ML_SF_COUNT)
			s->f[i] = v;
	}
	if (s->kind < ML_SNAP_START || s->kind > ML_SNAP_EXIT || nf > 1024)
		r->err = 1;
	return 0;
}

static int rec_thread(struct trace_meta *m, int type, struct ml_rd *r, char *err, size_t errlen)
{
	struct tm_thread_ev *t;
	PUSH_OR_FAIL(t, m->tev, m->ntev, m->captev);
	t->order = m->ntev;
	t->tid = (int64_t)ml_rd_u(r);
	switch (type) {
	case ML_META_THREAD_START:
		t->type = TT_START;
		t->other = (int64_t)ml_rd_u(r);
		t->tsc = ml_rd_u(r);
		t->start_fn = ml_rd_u(r);
		t->stack = (uint32_t)ml_rd_u(r);
		t->stack_size = ml_rd_u(r);
		t->detached = (int)ml_rd_u(r);
		break;
	case ML_META_THREAD_EXIT:
		t->type = TT_EXIT;
		t->tsc = ml_rd_u(r);
		break;
	default:
		t->type = type == ML_META_THREAD_JOIN ? TT_JOIN : TT_DETACH;
		t->other = (int64_t)ml_rd_u(r);
		t->tsc = ml_rd_u(r);
		break;
	}
	return 0;
}

static int rec_res(struct trace_meta *m, int open, struct ml_rd *r, char *err, size_t errlen)
{
	struct tm_res_ev *e;
	PUSH_OR_FAIL(e, m->rev, m->nrev, m->caprev);
	e->open = open;
	e->kind = (int)ml_rd_u(r);
	e->handle = (int64_t)ml_rd_u(r);
	e->tsc = ml_rd_u(r);
	e->tid = (int64_t)ml_rd_u(r);
	if (open) {
		e->stack = (uint32_t)ml_rd_u(r);
		e->origin = (int)ml_rd_u(r);
	}
	if (e->kind < 0 || e->kind >= ML_RES_COUNT || e->origin < 0 || e->origin >= ML_ORIGIN_COUNT)
		r->err = 1;
	return 0;
}

static int rec_scan(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	struct tm_scan *s;
	PUSH_OR_FAIL(s, m->scans, m->nscans, m->capscans);
	s->snap = ml_rd_u(r);
	s->blocks = ml_rd_u(r);
	for (int c = ML_LEAK_LOST; c <= ML_LEAK_REACHABLE; c++) {
		s->n[c] = ml_rd_u(r);
		s->bytes[c] = ml_rd_u(r);
	}
	s->dt_ns = ml_rd_u(r);
	s->root_bytes = ml_rd_u(r);
	if (r->p < r->end) {  /* since the possibly-lost class */
		s->n[ML_LEAK_POSSIBLE] = ml_rd_u(r);
		s->bytes[ML_LEAK_POSSIBLE] = ml_rd_u(r);
	}
	return 0;
}

static int rec_leaks(struct trace_meta *m, struct ml_rd *r, char *err, size_t errlen)
{
	uint64_t snap = ml_rd_u(r), count = ml_rd_u(r);
	if (count > (uint64_t)(r->end - r->p))
		r->err = 1;
	for (uint64_t i = 0; i < count && !r->err; i++) {
		struct tm_leak *l;
		PUSH_OR_FAIL(l, m->leaks, m->nleaks, m->capleaks);
		uint64_t idx = ml_rd_u(r), seq = ml_rd_u(r);
		if (r->p >= r->end) {
			r->err = 1;
			break;
		}
		l->cls = *r->p++;
		l->snap = snap;
		if (idx >= ML_MAX_THREAD_IDX || !seq || seq >= ML_MAX_SEQ || l->cls < ML_LEAK_LOST ||
		    l->cls > ML_LEAK_POSSIBLE || l->cls == ML_LEAK_REACHABLE)
			r->err = 1;
		else
			l->key = TM_KEY(idx, seq);
	}
	return 0;
}

static const char *const meta_names[] = {
	[ML_META_PROC] = "process", [ML_META_MODULE] = "module", [ML_META_MODULE_GONE] = "module-gone",
	[ML_META_STACK] = "stack", [ML_META_SNAPSHOT] = "snapshot",
	[ML_META_THREAD_START] = "thread-start", [ML_META_THREAD_EXIT] = "thread-exit",
	[ML_META_THREAD_JOIN] = "thread-join", [ML_META_THREAD_DETACH] = "thread-detach",
	[ML_META_THREAD_IDX] = "thread-index", [ML_META_RES_OPEN] = "descriptor-open",
	[ML_META_RES_CLOSE] = "descriptor-close", [ML_META_TRIM] = "malloc_trim",
	[ML_META_FORK] = "fork", [ML_META_EXEC] = "exec", [ML_META_END] = "end",
	[ML_META_SCAN] = "scan", [ML_META_LEAKS] = "leaks", [ML_META_FREERES] = "freeres",
	[ML_META_EXIT_BEGIN] = "exit-begin", [ML_META_ALLOCATOR] = "allocator",
};

int trace_meta_frame(struct trace_meta *m, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	struct ml_rd fr = { data, data + len, 0 };
	struct ml_meta_rec rec;
	int rc;
	while ((rc = ml_meta_next(&fr, &rec)) == 1) {
		struct ml_rd r = { rec.body, rec.body + rec.len, 0 };
		int ok = 0;
		m->meta_records++;
		if (rec.type != ML_META_PROC && !m->have_proc) {
			snprintf(err, errlen, "corrupt trace: %s record before the process record",
			         rec.type < (int)(sizeof meta_names / sizeof *meta_names) && meta_names[rec.type]
			                 ? meta_names[rec.type] : "unknown");
			return -1;
		}
		switch (rec.type) {
		case ML_META_PROC:
			ok = rec_proc(m, &r, err, errlen);
			break;
		case ML_META_MODULE:
			ok = rec_module(m, &r, err, errlen);
			break;
		case ML_META_MODULE_GONE: {
			uint64_t idx = ml_rd_u(&r), tsc = ml_rd_u(&r);
			for (size_t i = 0; i < m->nmods; i++)
				if (m->mods[i].idx == idx && !m->mods[i].gone_tsc)
					m->mods[i].gone_tsc = tsc ? tsc : 1;
			break;
		}
		case ML_META_STACK:
			ok = rec_stack(m, &r, err, errlen);
			break;
		case ML_META_SNAPSHOT:
			ok = rec_snapshot(m, &r, err, errlen);
			break;
		case ML_META_THREAD_START:
		case ML_META_THREAD_EXIT:
		case ML_META_THREAD_JOIN:
		case ML_META_THREAD_DETACH:
			ok = rec_thread(m, rec.type, &r, err, errlen);
			break;
		case ML_META_THREAD_IDX: {
			uint64_t idx = ml_rd_u(&r), tid = ml_rd_u(&r);
			if (!r.err && idx < ML_MAX_THREAD_IDX && u64map_put(&m->idx_tid, idx + 1, tid) < 0)
				return err_oom(err, errlen);
			break;
		}
		case ML_META_RES_OPEN:
		case ML_META_RES_CLOSE:
			ok = rec_res(m, rec.type == ML_META_RES_OPEN, &r, err, errlen);
			break;
		case ML_META_TRIM:
			m->trims++;
			break;
		case ML_META_ALLOCATOR: {
			size_t l;
			m->alloc_flags = (unsigned)ml_rd_u(&r);
			const uint8_t *s = ml_rd_bytes(&r, &l);
			if (s && !r.err && !m->alloc_calls && !(m->alloc_calls = bytes_dup(s, l)))
				return err_oom(err, errlen);
			m->have_alloc = !r.err;
			break;
		}
		case ML_META_FORK:
			break;
		case ML_META_EXEC:
			m->have_exec = 1;
			m->exec_tsc = ml_rd_u(&r);
			break;
		case ML_META_END:
			m->have_end = 1;
			m->end_reason = (int)ml_rd_u(&r);
			m->end_code = (int)ml_unzigzag(ml_rd_u(&r));
			m->end_tsc = ml_rd_u(&r);
			m->end_ns = (int64_t)ml_rd_u(&r);
			if (m->end_reason != ML_END_EXIT && m->end_reason != ML_END_SIGNAL)
				r.err = 1;
			break;
		case ML_META_SCAN:
			ok = rec_scan(m, &r, err, errlen);
			break;
		case ML_META_LEAKS:
			ok = rec_leaks(m, &r, err, errlen);
			break;
		case ML_META_FREERES:
			m->freeres = 1;
			m->freeres_tsc = ml_rd_u(&r);
			break;
		case ML_META_EXIT_BEGIN:
			if (!m->exit_begin_tsc)
				m->exit_begin_tsc = ml_rd_u(&r);
			break;
		default:
			/* unknown record types are skipped: later tracers may add some */
			break;
		}
		if (ok < 0)
			return -1;
		if (r.err) {
			snprintf(err, errlen, "corrupt trace: malformed %s record",
			         rec.type < (int)(sizeof meta_names / sizeof *meta_names) && meta_names[rec.type]
			                 ? meta_names[rec.type] : "unknown");
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "corrupt trace: malformed meta frame");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- finishing */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int trace_meta_finish(struct trace_meta *m)
{
	/* Calibration points: (tsc, ns) pairs from the snapshots, ascending
	 * in both; a point that goes backwards in either is dropped. */
	size_t cap = m->nsnaps + 2;
	uint64_t *pairs = malloc(cap * 2 * sizeof *pairs);
	m->pt_tsc = malloc(cap * sizeof *m->pt_tsc);
	m->pt_ns = malloc(cap * sizeof *m->pt_ns);
	if (!pairs || !m->pt_tsc || !m->pt_ns) {
		free(pairs);
		return -1;
	}
	size_t n = 0;
	pairs[n * 2] = m->tsc0;
	pairs[n * 2 + 1] = 0;
	n++;
	for (size_t i = 0; i < m->nsnaps; i++) {
		if (m->snaps[i].tsc <= m->tsc0 || m->snaps[i].ns <= 0 || m->snaps[i].ns >= (int64_t)4e18)
			continue;
		pairs[n * 2] = m->snaps[i].tsc;
		pairs[n * 2 + 1] = (uint64_t)m->snaps[i].ns;
		n++;
	}
	qsort(pairs, n, 2 * sizeof *pairs, cmp_u64);
	m->npts = 0;
	for (size_t i = 0; i < n; i++) {
		if (m->npts && ((int64_t)pairs[i * 2 + 1] <= m->pt_ns[m->npts - 1] ||
		                pairs[i * 2] <= m->pt_tsc[m->npts - 1]))
			continue;
		m->pt_tsc[m->npts] = pairs[i * 2];
		m->pt_ns[m->npts] = (int64_t)pairs[i * 2 + 1];
		m->npts++;
	}
	free(pairs);
	if (m->npts >= 2) {
		size_t k = m->npts - 1;
		m->ns_per_tsc = (double)(m->pt_ns[k] - m->pt_ns[0]) / (double)(m->pt_tsc[k] - m->pt_tsc[0]);
	} else {
		m->ns_per_tsc = 1.0 / 2.5;  /* nothing to go by: assume 2.5 GHz */
	}

	/* The exit scan is the one that ran at the "exit" snapshot. */
	for (size_t i = 0; i < m->nscans; i++)
		for (size_t j = 0; j < m->nsnaps; j++)
			if (m->snaps[j].seq == m->scans[i].snap && m->snaps[j].kind == ML_SNAP_EXIT) {
				m->have_exit_scan = 1;
				m->exit_scan_snap = m->scans[i].snap;
			}
	for (size_t i = 0; m->have_exit_scan && i < m->nleaks; i++)
		if (m->leaks[i].snap == m->exit_scan_snap &&
		    u64map_put(&m->exit_leaks, m->leaks[i].key, (uint64_t)m->leaks[i].cls) < 0)
			return -1;
	return 0;
}

size_t tm_segment(const struct trace_meta *m, uint64_t tsc)
{
	size_t lo = 0, hi = m->npts;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (m->pt_tsc[mid] <= tsc)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int64_t tm_tsc_ns(const struct trace_meta *m, uint64_t tsc)
{
	if (!m->npts)
		return 0;
	if (tsc <= m->pt_tsc[0])
		return 0;
	size_t lo = tm_segment(m, tsc);
	/* past the last point: the fallback slope */
	return tm_segment_ns(m, lo, lo + 1 < m->npts ? tm_segment_slope(m, lo) : m->ns_per_tsc, tsc);
}

struct tm_stack *tm_stack_get(const struct trace_meta *m, uint32_t id)
{
	uint64_t i;
	if (!u64map_get(&m->stack_index, id, &i))
		return NULL;
	return &m->stacks[i];
}

int64_t tm_idx_tid(const struct trace_meta *m, uint32_t idx)
{
	uint64_t tid;
	return u64map_get(&m->idx_tid, (uint64_t)idx + 1, &tid) ? (int64_t)tid : 0;
}

void trace_meta_free(struct trace_meta *m)
{
	free(m->version);
	free(m->exe);
	free(m->argv_json);
	free(m->alloc_calls);
	for (size_t i = 0; i < m->nsnaps; i++)
		free(m->snaps[i].label);
	free(m->snaps);
	for (size_t i = 0; i < m->nmods; i++) {
		free(m->mods[i].path);
		free(m->mods[i].build_id);
	}
	free(m->mods);
	for (size_t i = 0; i < m->nstacks; i++)
		free(m->stacks[i].ips);
	free(m->stacks);
	u64map_free(&m->stack_index);
	free(m->tev);
	free(m->rev);
	free(m->scans);
	free(m->leaks);
	u64map_free(&m->idx_tid);
	u64map_free(&m->exit_leaks);
	free(m->pt_tsc);
	free(m->pt_ns);
	memset(m, 0, sizeof *m);
}
