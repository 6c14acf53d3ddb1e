/*
 * test_pairing.c - pass 2 of ingest (ingest/events.c) pairing frees with
 * allocations, through its real interface: hand-built EVENTS frames (the
 * layout of format/FORMAT.md) go through pass2_frame() into a real
 * database, and the `allocations` rows and per-site totals that come out
 * are checked.
 *
 *  - a free that arrives before its allocation (another thread's frame
 *    decoded first), with the free's clock behind the allocation's;
 *  - a free whose allocation never arrives (counted as unknown);
 *  - a free after the window: the block was already written as live and
 *    its row is updated;
 *  - the window's edge: the last free still inside it and the first one
 *    past it give the same rows;
 *  - an address reused across threads, frames decoded in either order.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/trace.h"
#include "ingest/db.h"
#include "ingest/events.h"
#include "ingest/tracemeta.h"
#include "tests/unit/check.h"

/* ---------------------------------------------------------------- frames */

struct col {
	uint8_t *b;
	size_t n, cap;
};

static void col_put(struct col *c, const void *p, size_t n)
{
	if (!n)
		return;
	if (c->n + n > c->cap) {
		c->cap = (c->n + n) * 2 + 64;
		c->b = realloc(c->b, c->cap);
		if (!c->b)
			abort();
	}
	memcpy(c->b + c->n, p, n);
	c->n += n;
}

static void col_v(struct col *c, uint64_t v)
{
	uint8_t tmp[16];
	col_put(c, tmp, (size_t)(ml_put_varint(tmp, v) - tmp));
}

static void col_u8(struct col *c, unsigned v)
{
	uint8_t b = (uint8_t)v;
	col_put(c, &b, 1);
}

/* One thread's EVENTS frame: its index, allocations before it, clock. */
struct frame {
	uint32_t idx;
	uint64_t seq0, tick0;
	uint64_t prev_addr;
	struct col ops, sz, ad;
};

static void fr_begin(struct frame *f, uint32_t idx, uint64_t seq0, uint64_t tick0)
{
	f->idx = idx;
	f->seq0 = seq0;
	f->tick0 = tick0;
	f->prev_addr = 0;
	f->ops.n = f->sz.n = f->ad.n = 0;
}

/* ALLOC by malloc with an explicit stack id (0: none). */
static void ev_alloc(struct frame *f, uint32_t stack, uint64_t size, uint64_t addr)
{
	col_u8(&f->ops, ML_EV_ALLOC);
	col_u8(&f->ops, ML_KIND_MALLOC);
	col_v(&f->ops, ML_STACK_SLOT_EXPLICIT + stack);
	col_v(&f->sz, size);
	/* format 2: values below ML_ADDR_RING name a recently freed address;
	 * these tests always write the address itself, as a delta */
	col_v(&f->ad, ML_ADDR_RING + ml_zigzag((int64_t)(addr - f->prev_addr)));
	f->prev_addr = addr;
}

/* FREE of this thread's allocation made `distance` allocations ago (1:
 * the latest). */
static void ev_free_own(struct frame *f, uint64_t distance)
{
	if (distance - 1 <= ML_EV_FREE_NEAR_MAX) {
		col_u8(&f->ops, (unsigned)(distance - 1));
	} else {
		col_u8(&f->ops, ML_EV_FREE_FAR);
		col_v(&f->ops, distance);
	}
}

static void ev_free_other(struct frame *f, uint32_t idx, uint64_t seq)
{
	col_u8(&f->ops, ML_EV_FREE_FOREIGN);
	col_v(&f->ops, idx);
	col_v(&f->ops, seq);
}

static void ev_tick(struct frame *f, uint64_t ticks)
{
	col_u8(&f->ops, ML_EV_TICK);
	col_v(&f->ops, ticks);
}

static void fr_free(struct frame *f)
{
	free(f->ops.b);
	free(f->sz.b);
	free(f->ad.b);
	memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- a load */

/* Thread index i has tid 100 + i. A clock tick is one nanosecond. Local
 * stack ids 1..3 are global stacks 11..13. */
struct load {
	char dir[64], path[96];
	sqlite3 *db;
	struct trace_meta m;
	struct pass2 *p;
	char err[256];
};

static int load_begin(struct load *l)
{
	memset(l, 0, sizeof *l);
	snprintf(l->dir, sizeof l->dir, "%s", "/tmp/ml-pairing.XXXXXX");
	if (!mkdtemp(l->dir))
		return -1;
	snprintf(l->path, sizeof l->path, "%s/t.db", l->dir);
	/* one transaction, as ingest loads a trace */
	if (db_open_rw(l->path, &l->db, l->err, sizeof l->err) < 0 ||
	    db_exec(l->db, "BEGIN IMMEDIATE", l->err, sizeof l->err) < 0)
		return -1;
	l->m.tsc0 = 1000;
	for (uint32_t i = 1; i <= 3; i++) {
		if (u64map_put(&l->m.idx_tid, (uint64_t)i + 1, 100 + i) < 0)
			return -1;
		struct tm_stack *st = VEC_PUSH(l->m.stacks, l->m.nstacks, l->m.capstacks);
		if (!st)
			return -1;
		st->id = i;
		st->global_id = 10 + i;
		if (u64map_put(&l->m.stack_index, i, l->m.nstacks - 1) < 0)
			return -1;
	}
	if (trace_meta_finish(&l->m) < 0)
		return -1;
	l->m.ns_per_tsc = 1.0;
	l->p = pass2_new(l->db, &l->m, 1, 1, ALLOC_ROWS_ALL, l->err, sizeof l->err);
	return l->p ? 0 : -1;
}

static int feed(struct load *l, const struct frame *f)
{
	struct col c = { 0 };
	col_v(&c, f->idx);
	col_v(&c, f->seq0);
	col_v(&c, f->tick0);
	col_v(&c, f->ops.n);
	col_v(&c, f->sz.n);
	col_v(&c, f->ad.n);
	col_put(&c, f->ops.b, f->ops.n);
	col_put(&c, f->sz.b, f->sz.n);
	col_put(&c, f->ad.b, f->ad.n);
	int rc = pass2_frame(l->p, c.b, c.n, l->err, sizeof l->err);
	free(c.b);
	if (rc < 0)
		fprintf(stderr, "pass2_frame: %s\n", l->err);
	return rc;
}

static int load_finish(struct load *l)
{
	int rc = pass2_finish(l->p, l->err, sizeof l->err);
	if (rc == 0)
		rc = db_exec(l->db, "COMMIT", l->err, sizeof l->err);
	if (rc < 0)
		fprintf(stderr, "pass2_finish: %s\n", l->err);
	return rc;
}

static void load_end(struct load *l)
{
	pass2_free(l->p);
	trace_meta_free(&l->m);
	if (l->db)
		sqlite3_close(l->db);
	unlink(l->path);
	rmdir(l->dir);
}

/* One allocations row, by SQL condition; -2 in free_ns when NULL. */
struct arow {
	int found;
	int64_t id, addr, size, alloc_ns, free_ns, alloc_tid, free_tid, temporary, stack_id;
};

static struct arow row_where(struct load *l, const char *where)
{
	struct arow r = { 0 };
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT id, addr, size, alloc_ns, coalesce(free_ns, -2), coalesce(alloc_tid, -2),"
	         " coalesce(free_tid, -2), temporary, coalesce(stack_id, -2) FROM allocations WHERE %s",
	         where);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(l->db, sql, -1, &s, NULL) != SQLITE_OK)
		return r;
	if (sqlite3_step(s) == SQLITE_ROW) {
		int64_t *v[] = { &r.id, &r.addr, &r.size, &r.alloc_ns, &r.free_ns, &r.alloc_tid,
		                 &r.free_tid, &r.temporary, &r.stack_id };
		for (int i = 0; i < 9; i++)
			*v[i] = sqlite3_column_int64(s, i);
		r.found = 1;
		if (sqlite3_step(s) == SQLITE_ROW)
			r.found = 2;  /* more than one */
	}
	sqlite3_finalize(s);
	return r;
}

static int64_t count_where(struct load *l, const char *where)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM allocations WHERE %s", where);
	return db_int(l->db, sql, -1);
}

static const struct gsite *site_of(struct load *l, int64_t stack_id)
{
	size_t n;
	const struct gsite *g = pass2_sites(l->p, &n);
	for (size_t i = 0; i < n; i++)
		if (g[i].stack_id == stack_id)
			return &g[i];
	return NULL;
}

/* ---------------------------------------------------------------- tests */

/* Thread 2 frees thread 1's block; thread 2's frame is decoded first, and
 * its clock says the free came before the allocation. */
static void test_free_before_alloc(void)
{
	struct load l;
	struct frame f = { 0 };
	CHECK(load_begin(&l) == 0);

	fr_begin(&f, 2, 0, 40);
	ev_free_other(&f, 1, 1);     /* tick 40 */
	ev_free_other(&f, 3, 7);     /* an allocation that never appears */
	CHECK(feed(&l, &f) == 0);

	fr_begin(&f, 1, 0, 50);
	ev_alloc(&f, 1, 100, 0x10000);  /* seq 1, tick 50 */
	ev_tick(&f, 10);
	ev_alloc(&f, 2, 200, 0x20000);  /* seq 2, tick 60: lives on */
	CHECK(feed(&l, &f) == 0);
	CHECK(load_finish(&l) == 0);

	struct arow a = row_where(&l, "size = 100");
	CHECK_EQ_INT(a.found, 1);
	CHECK_EQ_INT(a.addr, 0x10000);
	CHECK_EQ_INT(a.alloc_ns, 50);
	CHECK_EQ_INT(a.free_ns, 50);      /* clamped: never before the allocation */
	CHECK_EQ_INT(a.alloc_tid, 101);
	CHECK_EQ_INT(a.free_tid, 102);
	CHECK_EQ_INT(a.temporary, 0);
	CHECK_EQ_INT(a.stack_id, 11);
	struct arow b = row_where(&l, "size = 200");
	CHECK_EQ_INT(b.found, 1);
	CHECK_EQ_INT(b.alloc_ns, 60);
	CHECK_EQ_INT(b.free_ns, -2);
	CHECK_EQ_INT(b.id, a.id + 1);     /* ids in allocation order */
	CHECK_EQ_INT(count_where(&l, "1"), 2);
	CHECK_EQ_INT(pass2_unknown_frees(l.p), 1);
	const struct gsite *g = site_of(&l, 11);
	CHECK(g && g->allocs == 1 && g->live_allocs == 0 && g->live_bytes == 0);
	g = site_of(&l, 12);
	CHECK(g && g->allocs == 1 && g->live_allocs == 1 && g->live_bytes == 200);
	load_end(&l);
	fr_free(&f);
}

/*
 * Block A (thread 1, stack 1, 4096 bytes), then `others` blocks each
 * freed at once, then A freed by thread `freer` at tick 10^7. Returns A's
 * row; checks every other row is paired and temporary.
 */
static struct arow window_case(uint64_t others, uint32_t freer, uint64_t *unknown)
{
	struct load l;
	struct frame f = { 0 };
	struct arow a = { 0 };
	if (load_begin(&l) < 0) {
		CHECK(!"load_begin");
		return a;
	}
	uint64_t seq = 0, tick = 100;
	fr_begin(&f, 1, seq, tick);
	ev_alloc(&f, 1, 4096, 0x7000000);
	seq++;
	for (uint64_t i = 0; i < others; i++) {
		if (f.ops.n > 60000) {   /* frames of a realistic size */
			CHECK(feed(&l, &f) == 0);
			fr_begin(&f, 1, seq, tick);
		}
		ev_alloc(&f, 2, 16 + i % 64, 0x1000000 + (i % 8) * 64);
		ev_free_own(&f, 1);
		seq++;
		if (i % 16 == 0) {
			ev_tick(&f, 1);
			tick++;
		}
	}
	if (freer == 1) {
		ev_tick(&f, 10000000 - tick);
		ev_free_own(&f, seq);    /* A is the thread's first allocation */
		CHECK(feed(&l, &f) == 0);
	} else {
		CHECK(feed(&l, &f) == 0);
		fr_begin(&f, freer, 0, 10000000);
		ev_free_other(&f, 1, 1);
		CHECK(feed(&l, &f) == 0);
	}
	CHECK(load_finish(&l) == 0);
	a = row_where(&l, "size = 4096");
	CHECK_EQ_INT(count_where(&l, "1"), (int64_t)others + 1);
	CHECK_EQ_INT(count_where(&l, "stack_id = 12 AND free_ns IS NOT NULL AND temporary = 1"), (int64_t)others);
	/* ids stay in allocation order: A first */
	CHECK_EQ_INT(db_int(l.db, "SELECT min(id) FROM allocations WHERE stack_id = 12", -1), a.id + 1);
	const struct gsite *g = site_of(&l, 11);
	CHECK(g && g->allocs == 1 && g->live_allocs == 0 && g->live_bytes == 0);
	*unknown = pass2_unknown_frees(l.p);
	load_end(&l);
	fr_free(&f);
	return a;
}

static void check_a(struct arow a, int64_t free_tid)
{
	CHECK_EQ_INT(a.found, 1);
	CHECK_EQ_INT(a.addr, 0x7000000);
	CHECK_EQ_INT(a.alloc_ns, 100);
	CHECK_EQ_INT(a.free_ns, 10000000);
	CHECK_EQ_INT(a.alloc_tid, 101);
	CHECK_EQ_INT(a.free_tid, free_tid);
	CHECK_EQ_INT(a.temporary, 0);
	CHECK_EQ_INT(a.stack_id, 11);
}

/* A block that outlives the window is written as live; its free, long
 * after, updates the row - from its own thread and from another. */
static void test_free_after_window(void)
{
	uint64_t unknown = 9;
	check_a(window_case(2 * PASS2_WINDOW + 5, 1, &unknown), 101);
	CHECK_EQ_INT(unknown, 0);
	check_a(window_case(PASS2_WINDOW + 5, 3, &unknown), 103);
	CHECK_EQ_INT(unknown, 0);
}

/* The edge: with PASS2_WINDOW - 1 blocks behind it A is still held when
 * its free comes; with PASS2_WINDOW it has just been written as live. The
 * rows must not tell the two apart. */
static void test_window_edge(void)
{
	uint64_t unknown = 9;
	check_a(window_case(PASS2_WINDOW - 1, 1, &unknown), 101);
	CHECK_EQ_INT(unknown, 0);
	check_a(window_case(PASS2_WINDOW, 1, &unknown), 101);
	CHECK_EQ_INT(unknown, 0);
	check_a(window_case(PASS2_WINDOW - 1, 2, &unknown), 102);
	check_a(window_case(PASS2_WINDOW, 2, &unknown), 102);
}

/*
 * One address, reused across threads at once: thread 1 allocates X, thread
 * 2 frees it and allocates X again, thread 1 frees that one, thread 3
 * allocates X a third time and keeps it. Each free must end the block it
 * named, not whichever block last had the address, whatever order the
 * frames are decoded in.
 */
static void reuse_case(int order)
{
	struct load l;
	struct frame f1 = { 0 }, f2 = { 0 }, f3 = { 0 };
	const uint64_t X = 0x5555000;
	CHECK(load_begin(&l) == 0);
	fr_begin(&f1, 1, 0, 10);
	ev_alloc(&f1, 1, 111, X);        /* (1,1) at 10 */
	ev_tick(&f1, 20);
	ev_free_other(&f1, 2, 1);        /* frees (2,1) at 30 */
	fr_begin(&f2, 2, 0, 20);
	ev_free_other(&f2, 1, 1);        /* frees (1,1) at 20 */
	ev_alloc(&f2, 2, 222, X);        /* (2,1) at 20 */
	fr_begin(&f3, 3, 0, 40);
	ev_alloc(&f3, 3, 333, X);        /* (3,1) at 40, live */
	const struct frame *seqs[3][3] = { { &f1, &f2, &f3 }, { &f3, &f2, &f1 }, { &f2, &f3, &f1 } };
	for (int i = 0; i < 3; i++)
		CHECK(feed(&l, seqs[order][i]) == 0);
	CHECK(load_finish(&l) == 0);

	struct arow a = row_where(&l, "size = 111"), b = row_where(&l, "size = 222"),
	            c = row_where(&l, "size = 333");
	CHECK(a.found == 1 && b.found == 1 && c.found == 1);
	CHECK(a.addr == (int64_t)X && b.addr == (int64_t)X && c.addr == (int64_t)X);
	CHECK_EQ_INT(a.alloc_tid, 101);
	CHECK_EQ_INT(a.free_tid, 102);
	CHECK_EQ_INT(a.free_ns, 20);
	CHECK_EQ_INT(b.alloc_tid, 102);
	CHECK_EQ_INT(b.free_tid, 101);
	CHECK_EQ_INT(b.alloc_ns, 20);
	CHECK_EQ_INT(b.free_ns, 30);
	CHECK_EQ_INT(c.alloc_tid, 103);
	CHECK_EQ_INT(c.free_ns, -2);
	CHECK_EQ_INT(c.free_tid, -2);
	CHECK_EQ_INT(pass2_unknown_frees(l.p), 0);
	const struct gsite *g = site_of(&l, 13);
	CHECK(g && g->live_allocs == 1 && g->live_bytes == 333);
	g = site_of(&l, 11);
	CHECK(g && g->live_allocs == 0);
	g = site_of(&l, 12);
	CHECK(g && g->live_allocs == 0);
	load_end(&l);
	fr_free(&f1);
	fr_free(&f2);
	fr_free(&f3);
}

static void test_reuse_across_threads(void)
{
	for (int order = 0; order < 3; order++)
		reuse_case(order);
}

int main(void)
{
	test_free_before_alloc();
	test_free_after_window();
	test_window_edge();
	test_reuse_across_threads();
	return CHECK_DONE();
}
