/*
 * test_runs.c - report/runs.c: which processes get sections, the lineage
 * of exec chains, and the run's totals, on processes built by hand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/runs.h"
#include "tests/unit/check.h"

#define NP 9

/* One process: id, pid, parent id (0: none), exe, end, start (s), duration (s). */
static void proc(struct rp_process *p, long long id, long long pid, long long parent,
		 const char *exe, const char *end, double start_s, double dur_s)
{
	memset(p, 0, sizeof *p);
	p->id = id;
	p->pid = pid;
	p->parent_process_id = parent ? (double)parent : NAN;
	p->exe = (char *)exe;
	p->end_reason = (char *)end;
	p->start_ns = 0;
	p->start_unix_ns = 1e18 + start_s * 1e9;
	p->end_ns = dur_s * 1e9;
}

static struct rp_snapshot snaps[NP][2];
static struct rp_site sites[NP];
static struct rp_check checks[NP];

/* Alloc at start and exit, TotalAlloc, a site with lost bytes (runtime or not), a failing item. */
static void figures(struct rp_process *p, size_t k, double alloc_mid, double total, double lost,
		    int runtime, const char *fail_item)
{
	for (int s = 0; s < 2; s++) {
		for (int c = 0; c < SC_NCOL; c++)
			snaps[k][s].v[c] = NAN;
		snaps[k][s].ts = s ? p->end_ns / 2 : 0;
		snaps[k][s].kind = s ? SNAP_EXIT : SNAP_START;
		snaps[k][s].v[SC_ALLOC] = s ? alloc_mid : 0;
		snaps[k][s].v[SC_TOTAL_ALLOC] = s ? total : 0;
		snaps[k][s].v[SC_MALLOCS] = s ? 10 : 0;
	}
	p->snaps = snaps[k];
	p->nsnaps = 2;
	memset(&sites[k], 0, sizeof sites[k]);
	sites[k].lost_bytes = lost;
	sites[k].bytes = total;
	sites[k].runtime = runtime;
	p->sites = &sites[k];
	p->nsites = 1;
	if (fail_item) {
		checks[k].item = (char *)fail_item;
		checks[k].status = (char *)"fail";
		p->checks = &checks[k];
		p->nchecks = 1;
	}
}

/*
 * make (1) runs: sh 100 that execs gcc (same pid), gcc forks cc1 twice
 * and as; a second sh; app leaks at its own site; ld leaks only in the
 * runtime's blocks; one cc1 fails threads_stopped.
 */
static void build(struct rp_process *p)
{
	proc(&p[0], 1, 10, 0, "/usr/bin/make", "exit", 0, 10);
	proc(&p[1], 2, 100, 1, "/bin/sh", "exec", 1, 0.1);
	proc(&p[2], 3, 100, 1, "/usr/bin/gcc", "exit", 1.1, 5);
	proc(&p[3], 4, 101, 3, "/usr/lib/gcc/cc1", "exit", 1.2, 2);
	proc(&p[4], 5, 102, 3, "/usr/lib/gcc/cc1", "exit", 3.3, 2);
	proc(&p[5], 6, 103, 3, "/usr/bin/as", "exit", 5.4, 0.5);
	proc(&p[6], 7, 104, 1, "/bin/sh", "exit", 7, 1);
	proc(&p[7], 8, 105, 7, "/tmp/app", "exit", 7.5, 0.2);
	proc(&p[8], 9, 106, 1, "/usr/bin/ld", "exit", 8, 1);
	figures(&p[0], 0, 1000, 5000, 0, 0, NULL);
	figures(&p[1], 1, 10, 100, 0, 0, NULL);
	figures(&p[2], 2, 2000, 9000, 0, 0, NULL);
	figures(&p[3], 3, 300000, 900000, 0, 0, NULL);
	figures(&p[4], 4, 500000, 800000, 0, 0, "threads_stopped");
	figures(&p[5], 5, 100, 700, 0, 0, NULL);
	figures(&p[6], 6, 10, 100, 0, 0, NULL);
	figures(&p[7], 7, 64, 64, 64, 0, NULL);
	figures(&p[8], 8, 7000, 70000, 4096, 1, "global_references");
}

static int has(const struct rp_process *p, size_t n, long long id)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].id == id)
			return p[i].section;
	return -1;
}

static void test_default_rule(void)
{
	struct rp_process p[NP];
	char err[256];
	size_t n = 0;

	build(p);
	CHECK_EQ_INT(runs_root(p, NP), 0);
	CHECK_EQ_INT(runs_select(p, NP, NULL, 0, err, sizeof err), 0);
	for (size_t i = 0; i < NP; i++)
		n += p[i].section;
	CHECK_EQ_INT(n, RUNS_DEFAULT_SECTIONS);
	CHECK_EQ_INT(has(p, NP, 1), 1);   /* the root */
	CHECK_EQ_INT(has(p, NP, 8), 1);   /* app: definite leak at its own site: fails the gate */
	CHECK_EQ_INT(has(p, NP, 5), 1);   /* cc1 that fails threads_stopped */
	CHECK_EQ_INT(has(p, NP, 4), 0);   /* the other cc1: one per program first */
	CHECK_EQ_INT(has(p, NP, 9), 1);   /* ld: leaked (runtime only), a non-gating failure */
	CHECK(strstr(p[7].section_why, "fails the gate") != NULL);
	CHECK(strstr(p[0].section_why, "first") != NULL);
	CHECK(strstr(p[8].section_why, "gate") == NULL);

	/* a run of at most RUNS_DEFAULT_SECTIONS processes: every one */
	CHECK_EQ_INT(runs_select(p, 3, NULL, 0, err, sizeof err), 0);
	CHECK(p[0].section && p[1].section && p[2].section);
}

static void test_choice(void)
{
	struct rp_process p[NP];
	const char *cc1[] = { "cc1" }, *pid[] = { "100", "/tmp/app" }, *all[] = { "all" };
	const char *none[] = { "cc1", "nosuch" }, *nopid[] = { "999" };
	char err[256];
	size_t n = 0;

	build(p);
	CHECK_EQ_INT(runs_select(p, NP, cc1, 1, err, sizeof err), 0);
	for (size_t i = 0; i < NP; i++)
		n += p[i].section;
	CHECK_EQ_INT(n, 2);
	CHECK(has(p, NP, 4) == 1 && has(p, NP, 5) == 1);
	CHECK_EQ_STR(p[3].section_why, "--process cc1");
	/* a pid names every image it held (sh and the gcc it became); a whole path works */
	CHECK_EQ_INT(runs_select(p, NP, pid, 2, err, sizeof err), 0);
	CHECK(has(p, NP, 2) == 1 && has(p, NP, 3) == 1 && has(p, NP, 8) == 1 && has(p, NP, 1) == 0);
	CHECK_EQ_INT(runs_select(p, NP, all, 1, err, sizeof err), 0);
	n = 0;
	for (size_t i = 0; i < NP; i++)
		n += p[i].section;
	CHECK_EQ_INT(n, NP);
	CHECK_EQ_INT(runs_select(p, NP, none, 2, err, sizeof err), -1);
	CHECK(strstr(err, "nosuch") != NULL);
	CHECK_EQ_INT(runs_select(p, NP, nopid, 1, err, sizeof err), -1);
	CHECK(strstr(err, "pid") != NULL);
}

static const tal_value *row_of(const tal_value *rows, long long id)
{
	for (size_t i = 0; i < tal_len(rows); i++) {
		char path[32];

		snprintf(path, sizeof path, "%zu", i);
		if (tal_integer(tal_get(tal_get(rows, path), "id")) == id)
			return tal_get(rows, path);
	}
	return NULL;
}

static void test_model(void)
{
	struct rp_process p[NP];
	char err[256];
	tal_value *m;
	const tal_value *rows, *r;

	build(p);
	CHECK_EQ_INT(runs_select(p, NP, NULL, 0, err, sizeof err), 0);
	m = runs_model(NULL, p, 1);
	CHECK(tal_type_of(m) == TAL_NULL);
	tal_free(m);
	m = runs_model(NULL, p, NP);
	CHECK(m && tal_ok(m));
	if (!m)
		return;
	CHECK_EQ_INT(tal_integer(tal_get(m, "roots")), 1);
	/* the exec chain sh -> gcc is one line of the tree, so 8 lines for 9 processes */
	CHECK_EQ_INT(tal_len(tal_get(m, "tree")), NP - 1);
	CHECK_EQ_STR(tal_string(tal_get(m, "tree/1/chain/0/name")), "sh");
	CHECK_EQ_STR(tal_string(tal_get(m, "tree/1/chain/1/name")), "gcc");
	rows = tal_get(m, "rows");
	CHECK_EQ_INT(tal_len(rows), NP);
	r = row_of(rows, 4);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ_INT(tal_integer(tal_get(r, "depth")), 3);
		CHECK_EQ_STR(tal_string(tal_get(r, "path")), "make \xe2\x86\x92 sh \xe2\x86\x92 gcc \xe2\x86\x92 cc1");
	}
	r = row_of(rows, 3);
	CHECK(r && strstr(tal_string(tal_get(r, "parent")), "exec from sh") != NULL);
	r = row_of(rows, 8);
	CHECK(r && tal_integer(tal_get(r, "bad")) == 1);
	CHECK(r && strcmp(tal_string(tal_get(r, "gate")), "leaks") == 0);
	r = row_of(rows, 9);
	CHECK(r && tal_integer(tal_get(r, "bad")) == 0);
	CHECK(r && strcmp(tal_string(tal_get(r, "failing")), "global_references") == 0);
	/*
	 * Totals: processes, allocations 9 x 10, lost bytes, and the peak of
	 * the summed Alloc: each process holds its exit Alloc from half its
	 * duration to its end. The two cc1 (held 2.2-3.2 s and 4.3-5.3 s) never
	 * overlap; from 5.0 to 5.3 s the second one's 500000 adds to make's
	 * 1000 (held from 5.0 s) and gcc's 2000 (3.6-6.1 s).
	 */
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/0/raw")), "9");
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/2/raw")), "90");
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/5/raw")), "4160");
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/4/key")), "peak_live");
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/4/raw")), "503000");
	CHECK_EQ_STR(tal_string(tal_get(m, "totals/7/raw")), "2"); /* app and the cc1 fail the gate */
	tal_free(m);
}

int main(void)
{
	test_default_rule();
	test_choice();
	test_model();
	return CHECK_DONE();
}
