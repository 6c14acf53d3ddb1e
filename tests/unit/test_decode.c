/*
 * test_decode.c - the trace codec on hand-built input: varints and
 * zigzag at their edges, the event cursor on frames holding every record
 * type (move-to-front slots, references, ticks, marks, the three columns)
 * and on malformed ones,
 * the meta record walker and pass 1 (ingest/meta.c) on malformed bodies.
 * See format/FORMAT.md for the layout every byte below follows.
 */
#include <stdint.h>
#include <string.h>

#include "format/decode.h"
#include "ingest/tracemeta.h"
#include "tests/unit/check.h"

/* ---------------------------------------------------------------- building */

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put_u8(struct buf *b, unsigned v)
{
	b->b[b->n++] = (uint8_t)v;
}

static void put_v(struct buf *b, uint64_t v)
{
	b->n = (size_t)(ml_put_varint(b->b + b->n, v) - b->b);
}

static void put_zz(struct buf *b, int64_t v)
{
	put_v(b, ml_zigzag(v));
}

static void put_raw(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_v(b, strlen(s));
	put_raw(b, s, strlen(s));
}

/*
 * An events frame under construction: the header (thread idx, base seq,
 * base tick) and the three columns of FORMAT.md, operations, sizes and
 * addresses, joined by fb_frame() behind their lengths.
 */
struct fb {
	uint64_t idx, seq, tick;
	struct buf ops, sz, ad;
};

static void fb_init(struct fb *f, uint64_t idx, uint64_t seq, uint64_t tick)
{
	f->idx = idx;
	f->seq = seq;
	f->tick = tick;
	f->ops.n = f->sz.n = f->ad.n = 0;
}

static void op_u8(struct fb *f, unsigned v)
{
	put_u8(&f->ops, v);
}

static void op_v(struct fb *f, uint64_t v)
{
	put_v(&f->ops, v);
}

/* A fresh frame of thread 1 whose first operation is op, and then stack (when >= 0). */
static void fb_op(struct fb *f, unsigned op, long long stack)
{
	fb_init(f, 1, 0, 0);
	op_u8(f, op);
	if (stack >= 0)
		op_v(f, (uint64_t)stack);
}

static void size_v(struct fb *f, uint64_t v)
{
	put_v(&f->sz, v);
}

static void addr_zz(struct fb *f, int64_t d)
{
	put_zz(&f->ad, d);
}

static void addr_v(struct fb *f, uint64_t a)
{
	put_v(&f->ad, a);
}

/* The allocation part of a record: size and address delta (version 2:
 * zigzag + ML_ADDR_RING, the values below naming recently freed blocks). */
static void tail(struct fb *f, uint64_t size, int64_t delta)
{
	size_v(f, size);
	put_v(&f->ad, ML_ADDR_RING + ml_zigzag(delta));
}

/* An allocation whose address is entry `slot` of the recently freed list. */
static void tail_ring(struct fb *f, uint64_t size, unsigned slot)
{
	size_v(f, size);
	put_v(&f->ad, slot);
}

/* Version 3: an allocation coded by a move-to-front slot repeats that
 * slot's (stack, size) pair, so its size is not in the sizes column. */
static void tail_hit(struct fb *f, int64_t delta)
{
	put_v(&f->ad, ML_ADDR_RING + ml_zigzag(delta));
}

static void ring_hit(struct fb *f, unsigned slot)
{
	put_v(&f->ad, slot);
}

static void fb_frame(const struct fb *f, struct buf *out)
{
	out->n = 0;
	put_v(out, f->idx);
	put_v(out, f->seq);
	put_v(out, f->tick);
	put_v(out, f->ops.n);
	put_v(out, f->sz.n);
	put_v(out, f->ad.n);
	put_raw(out, f->ops.b, f->ops.n);
	put_raw(out, f->sz.b, f->sz.n);
	put_raw(out, f->ad.b, f->ad.n);
}

/* Decode f expecting exactly one event, then the end: 1, or what failed
 * (-2: the header). */
static int one_event(const struct fb *f, struct ml_event *ev)
{
	struct buf b;
	struct ml_events c;
	fb_frame(f, &b);
	if (ml_events_begin(&c, b.b, b.n) < 0)
		return -2;
	int rc = ml_events_next(&c, ev);
	if (rc != 1)
		return rc;
	return ml_events_next(&c, ev) == 0 ? 1 : -3;
}

/* Decode f's frame, whose first event must decode: the second call's
 * result (-2 when the frame does not begin, -4 when the first fails). */
static int second_event(const struct fb *f)
{
	struct buf b;
	struct ml_events c;
	struct ml_event ev;
	fb_frame(f, &b);
	if (ml_events_begin(&c, b.b, b.n) < 0)
		return -2;
	if (ml_events_next(&c, &ev) != 1)
		return -4;
	return ml_events_next(&c, &ev);
}

/* ---------------------------------------------------------------- varints */

static void test_varint_roundtrip(void)
{
	static const struct {
		uint64_t v;
		int len;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 127, 1 }, { 128, 2 }, { 16383, 2 }, { 16384, 3 },
		{ UINT32_MAX, 5 }, { (uint64_t)1 << 56, 9 }, { ((uint64_t)1 << 63) - 1, 9 },
		{ (uint64_t)1 << 63, 10 }, { UINT64_MAX, 10 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint8_t buf[16];
		uint8_t *end = ml_put_varint(buf, cases[i].v);
		CHECK_EQ_INT(end - buf, cases[i].len);
		const uint8_t *p = buf;
		uint64_t out = 12345;
		CHECK_EQ_INT(ml_get_varint(&p, end, &out), 0);
		CHECK(out == cases[i].v);
		CHECK(p == end);
		/* one byte short of the encoding: truncated, nothing consumed */
		p = buf;
		out = 777;
		CHECK_EQ_INT(ml_get_varint(&p, end - 1, &out), -1);
		CHECK(p == buf);
		CHECK(out == 777);
	}
}

static void test_varint_edges(void)
{
	const uint8_t *p;
	uint64_t v;

	/* UINT64_MAX: nine 0xff then 0x01 */
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	p = max;
	CHECK_EQ_INT(ml_get_varint(&p, max + sizeof max, &v), 0);
	CHECK(v == UINT64_MAX);

	/* the 10th byte may only carry bit 63: 0x02 overflows */
	static const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	p = over;
	CHECK_EQ_INT(ml_get_varint(&p, over + sizeof over, &v), -1);
	CHECK(p == over);

	/* a continuation bit on the 10th byte: more than 64 bits */
	static const uint8_t cont10[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00 };
	p = cont10;
	CHECK_EQ_INT(ml_get_varint(&p, cont10 + sizeof cont10, &v), -1);

	/* eleven bytes (overlong past 64 bits), even for a small value */
	static const uint8_t eleven[] = { 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	p = eleven;
	CHECK_EQ_INT(ml_get_varint(&p, eleven + sizeof eleven, &v), -1);

	/* non-minimal within 10 bytes: accepted (FORMAT.md; the tracer pads
	 * record lengths) */
	static const uint8_t padded[] = { 0x85, 0x80, 0x80, 0x00 };
	p = padded;
	CHECK_EQ_INT(ml_get_varint(&p, padded + sizeof padded, &v), 0);
	CHECK_EQ_INT(v, 5);
	CHECK(p == padded + 4);
	static const uint8_t padded10[] = { 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	p = padded10;
	CHECK_EQ_INT(ml_get_varint(&p, padded10 + sizeof padded10, &v), 0);
	CHECK_EQ_INT(v, 1);

	/* empty input and a lone continuation byte */
	static const uint8_t cont[] = { 0x80 };
	p = cont;
	CHECK_EQ_INT(ml_get_varint(&p, cont, &v), -1);
	CHECK_EQ_INT(ml_get_varint(&p, cont + 1, &v), -1);
	CHECK(p == cont);
}

static void test_zigzag(void)
{
	CHECK(ml_zigzag(0) == 0);
	CHECK(ml_zigzag(-1) == 1);
	CHECK(ml_zigzag(1) == 2);
	CHECK(ml_zigzag(-2) == 3);
	CHECK(ml_zigzag(INT64_MAX) == UINT64_MAX - 1);
	CHECK(ml_zigzag(INT64_MIN) == UINT64_MAX);
	static const int64_t vals[] = { 0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN,
	                                INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1 };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
		CHECK(ml_unzigzag(ml_zigzag(vals[i])) == vals[i]);
	CHECK(ml_unzigzag(UINT64_MAX) == INT64_MIN);
	CHECK(ml_unzigzag(UINT64_MAX - 1) == INT64_MAX);
}

static void test_rd(void)
{
	static const uint8_t body[] = { 0x05, 'h', 'e', 'l', 'l', 'o', 0x07, 0x09, 'x' };
	struct ml_rd r = { body, body + sizeof body, 0 };
	size_t len = 99;
	const uint8_t *s = ml_rd_bytes(&r, &len);
	CHECK(s == body + 1);
	CHECK_EQ_INT(len, 5);
	CHECK_EQ_INT(ml_rd_u(&r), 7);
	CHECK(!r.err);
	/* a string longer than what is left: error, and it sticks */
	s = ml_rd_bytes(&r, &len);
	CHECK(s == NULL);
	CHECK_EQ_INT(len, 0);
	CHECK(r.err);
	CHECK_EQ_INT(ml_rd_u(&r), 0);
	CHECK(r.err);
	/* reading past the end */
	struct ml_rd e = { body, body, 0 };
	CHECK_EQ_INT(ml_rd_u(&e), 0);
	CHECK(e.err);
	/* a string length that does not fit size_t arithmetic */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'a' };
	struct ml_rd h = { huge, huge + sizeof huge, 0 };
	CHECK(ml_rd_bytes(&h, &len) == NULL);
	CHECK(h.err);
}

/* ---------------------------------------------------------------- events */

/* A frame with every record type, checked field by field. */
/* An expected event: only the fields marked by W() are compared. */
struct want_field {
	long long v;
	int set;
};
#define W(x) { (long long)(x), 1 }
struct want_event {
	struct want_field type, kind, stack, size, addr, seq, tick, own, distance, ref_idx, ref_seq,
		old_addr, mark_tsc;
};

/* Check every field of want that is set against ev, the i-th event. */
static void check_event(const struct ml_event *ev, const struct want_event *want, size_t i)
{
	const struct {
		const char *name;
		long long got;
		struct want_field want;
	} f[] = {
		{ "type", ev->type, want->type },
		{ "kind", ev->kind, want->kind },
		{ "stack", ev->stack, want->stack },
		{ "size", (long long)ev->size, want->size },
		{ "addr", (long long)ev->addr, want->addr },
		{ "seq", (long long)ev->seq, want->seq },
		{ "tick", (long long)ev->tick, want->tick },
		{ "own", ev->own, want->own },
		{ "distance", (long long)ev->distance, want->distance },
		{ "ref_idx", ev->ref_idx, want->ref_idx },
		{ "ref_seq", (long long)ev->ref_seq, want->ref_seq },
		{ "old_addr", (long long)ev->old_addr, want->old_addr },
		{ "mark_tsc", (long long)ev->mark_tsc, want->mark_tsc },
	};

	for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
		if (!f[k].want.set)
			continue;
		if (f[k].got != f[k].want.v)
			fprintf(stderr, "event %zu: %s\n", i, f[k].name);
		CHECK_EQ_INT(f[k].got, f[k].want.v);
	}
}

static void test_events_every_type(void)
{
	static struct fb f;
	struct buf b;
	struct ml_events c;
	struct ml_event ev;
	static const struct want_event want[] = {
		{ .type = W(ML_E_ALLOC), .kind = W(ML_KIND_MALLOC), .stack = W(7),
		  .size = W(16), .addr = W(0x10000), .seq = W(11), .tick = W(105) },
		{ .type = W(ML_E_ALLOC), .stack = W(7), .size = W(16),
		  .addr = W(0x10000 - 0x100), .seq = W(12) },
		{ .type = W(ML_E_ALLOC), .kind = W(ML_KIND_CALLOC), .stack = W(9),
		  .size = W(48), .addr = W(0x10000 - 0x100 + 0x40), .seq = W(13) },
		{ .kind = W(ML_KIND_MEMALIGN), .stack = W(7), .seq = W(14) },
		{ .type = W(ML_E_FREE), .own = W(1), .distance = W(1), .ref_idx = W(3), .ref_seq = W(14) },
		{ .type = W(ML_E_FREE), .distance = W(3), .ref_seq = W(12) },
		{ .type = W(ML_E_FREE), .own = W(1), .distance = W(4), .ref_seq = W(11) },
		{ .type = W(ML_E_FREE), .own = W(0), .ref_idx = W(9), .ref_seq = W(77) },
		{ .type = W(ML_E_FREE_UNKNOWN), .old_addr = W(0xdead0) },
		{ .type = W(ML_E_MARK), .mark_tsc = W(123456) },
		{ .type = W(ML_E_REALLOC), .own = W(1), .ref_seq = W(13),
		  .kind = W(ML_KIND_REALLOC), .stack = W(9), .size = W(48), .seq = W(15) },
		{ .type = W(ML_E_REALLOC), .own = W(0), .ref_idx = W(4), .ref_seq = W(2),
		  .kind = W(ML_KIND_REALLOCARRAY), .stack = W(0), .seq = W(16) },
		{ .type = W(ML_E_REALLOC_UNKNOWN), .old_addr = W(0xbeef0), .stack = W(7),
		  .size = W(24), .seq = W(17) },
		{ .kind = W(ML_KIND_INHERITED), .stack = W(7), .size = W(24), .seq = W(18), .tick = W(1105) },
	};
	fb_init(&f, 3, 10, 100);
	op_u8(&f, ML_EV_TICK);                        /* tick +5 */
	op_v(&f, 5);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);  /* malloc, stack 7: seq 11 */
	op_v(&f, 7);
	tail(&f, 16, 0x10000);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* malloc, code 0: slot 0, stack 7, size 16 again: seq 12 */
	tail_hit(&f, -0x100);                         /* no size in the sizes column */
	op_u8(&f, ML_EV_ALLOC);                       /* calloc, code 63+9: seq 13 */
	op_u8(&f, ML_KIND_CALLOC);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + 9);
	tail(&f, 48, 0x40);
	op_u8(&f, ML_EV_ALLOC);                       /* memalign, code 2: slot 1 (7, 16): seq 14 */
	op_u8(&f, ML_KIND_MEMALIGN);
	op_v(&f, 2);
	tail_hit(&f, 0);
	op_u8(&f, 0x00);                              /* free at distance 1: seq 14 */
	op_u8(&f, 0x02);                              /* free at distance 3: seq 12 */
	op_u8(&f, ML_EV_FREE_FAR);                    /* far free, distance 4: seq 11 */
	op_v(&f, 4);
	op_u8(&f, ML_EV_FREE_FOREIGN);                /* thread 9's seq 77 */
	op_v(&f, 9);
	op_v(&f, 77);
	op_u8(&f, ML_EV_FREE_UNKNOWN);                /* its address: addresses column */
	addr_v(&f, 0xdead0);
	op_u8(&f, ML_EV_MARK);                        /* a time boundary */
	op_v(&f, 123456);
	op_u8(&f, ML_EV_REALLOC);                     /* realloc of seq 13 (distance 2): seq 15 */
	op_v(&f, 2);
	op_u8(&f, ML_KIND_REALLOC);
	op_v(&f, 2);                                  /* code 2: slot 1, stack 9, size 48 */
	tail_hit(&f, 0x1000);
	op_u8(&f, ML_EV_REALLOC);                     /* realloc of thread 4's seq 2: seq 16 */
	op_v(&f, 0);
	op_v(&f, 4);
	op_v(&f, 2);
	op_u8(&f, ML_KIND_REALLOCARRAY);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + 0);         /* explicit stack 0 (none) */
	tail(&f, 8, -8);
	op_u8(&f, ML_EV_REALLOC_UNKNOWN);             /* realloc of 0xbeef0: seq 17 */
	addr_v(&f, 0xbeef0);
	op_u8(&f, ML_KIND_REALLOC);
	op_v(&f, 5);                                  /* code 5: slot 2, stack 7, a new size */
	tail(&f, 24, 16);
	op_u8(&f, ML_EV_TICK);
	op_v(&f, 1000);
	op_u8(&f, ML_EV_ALLOC);                       /* inherited kind: seq 18 */
	op_u8(&f, ML_KIND_INHERITED);
	op_v(&f, 0);                                  /* slot 0: stack 7, size 24 again */
	tail_hit(&f, 1);
	fb_frame(&f, &b);

	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(c.thread_idx, 3);

	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		check_event(&ev, &want[i], i);
	}
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);
}

/* Version 2: FREE_SEQ records count from the previous own free, and an
 * allocation may take the address of a block freed lately in the frame
 * (newest first, taken entries removed, only blocks the frame allocated
 * fewer than ML_ADDR_RECENT allocations ago). */
static void test_events_free_seq_and_ring(void)
{
	static struct fb f;
	struct buf b;
	struct ml_events c;
	struct ml_event ev;
	fb_init(&f, 2, 100, 0);
	for (int i = 0; i < 4; i++) {                 /* seq 101..104 at 0x1000, 0x1100, ... */
		op_u8(&f, ML_EV_MALLOC | (i ? 0 : ML_STACK_SLOT_EXPLICIT));
		if (!i)
			op_v(&f, 5);
		if (i)
			tail_hit(&f, 0x100);
		else
			tail(&f, 32, 0x1000);
	}
	op_u8(&f, ML_EV_FREE_FAR);                    /* distance 4: seq 101 */
	op_v(&f, 4);
	op_u8(&f, ML_EV_FREE_SEQ_ZERO + 1);           /* previous free + 1: seq 102 */
	op_u8(&f, ML_EV_FREE_SEQ_ZERO + 2);           /* + 2: seq 104 */
	op_u8(&f, ML_EV_FREE_SEQ_MIN);                /* - 16 from 104: seq 88, before the frame */
	op_u8(&f, ML_EV_MALLOC | 0);                  /* takes entry 1: 0x1100 (seq 102) */
	ring_hit(&f, 1);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* entry 0: 0x1300 (seq 104) */
	ring_hit(&f, 0);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* entry 0 again: 0x1000 (seq 101); 88 was never listed */
	ring_hit(&f, 0);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* a delta counts from the last address */
	tail_hit(&f, 8);
	fb_frame(&f, &b);

	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		CHECK_EQ_INT(ev.addr, 0x1000 + 0x100 * i);
	}
	uint64_t freed[] = { 101, 102, 104, 88 };
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		CHECK_EQ_INT(ev.type, ML_E_FREE);
		CHECK_EQ_INT(ev.own, 1);
		CHECK_EQ_INT(ev.ref_seq, freed[i]);
	}
	uint64_t addrs[] = { 0x1100, 0x1300, 0x1000, 0x1008 };
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		CHECK_EQ_INT(ev.addr, addrs[i]);
		CHECK_EQ_INT(ev.seq, 105 + i);
	}
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);

	/* an empty list entry, and a FREE_SEQ past the thread's last seq */
	fb_init(&f, 2, 100, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 5);
	tail_ring(&f, 32, 1);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), -1);
	fb_init(&f, 2, 100, 0);
	op_u8(&f, ML_EV_FREE_SEQ_ZERO + 1);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), -1);
}

/* The move-to-front list: 31 stack ids, the oldest dropped, a used slot
 * moves to the front, a slot code 2 * slot + w (w = 1: the size follows
 * in the sizes column, else the entry's latest size again); the tracer's
 * encoding mirrored exactly. */
static void test_events_mtf(void)
{
	static struct fb f;
	struct buf b;
	struct ml_events c;
	struct ml_event ev;
	fb_init(&f, 1, 0, 0);
	for (unsigned id = 1; id <= 32; id++) {       /* 32 pushes: id 1 falls off */
		op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
		op_v(&f, id);
		tail(&f, 8, 16);
	}
	op_u8(&f, ML_EV_MALLOC | 60);                 /* code 60: slot 30, the oldest kept: id 2 */
	tail_hit(&f, 16);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* now at the front */
	tail_hit(&f, 16);
	op_u8(&f, ML_EV_MALLOC | 2);                  /* slot 1: id 32 */
	tail_hit(&f, 16);
	op_u8(&f, ML_EV_ALLOC);                       /* stack code 60: id 3 */
	op_u8(&f, ML_KIND_CALLOC);
	op_v(&f, 60);
	tail_hit(&f, 16);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	for (unsigned id = 1; id <= 32; id++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		CHECK_EQ_INT(ev.stack, id);
		CHECK_EQ_INT(ev.addr, 16 * id);
	}
	CHECK_EQ_INT(c.mtf_n, ML_MTF_SIZE);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ev.stack, 2);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ev.stack, 2);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ev.stack, 32);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ev.stack, 3);
	CHECK_EQ_INT(ev.size, 8);
	CHECK_EQ_INT(ev.seq, 36);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);

	/* a frame starts with an empty list: slot 0 is bad */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | 0);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* one entry: slot 1 is past it, for malloc and for a stack code */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 5);
	tail(&f, 8, 8);
	struct fb g = f;
	struct fb h = f;
	op_u8(&f, ML_EV_MALLOC | 2);
	tail_hit(&f, 8);
	CHECK_EQ_INT(second_event(&f), -1);
	op_u8(&g, ML_EV_ALLOC);
	op_u8(&g, ML_KIND_VALLOC);
	op_v(&g, 3);
	tail(&g, 8, 8);
	CHECK_EQ_INT(second_event(&g), -1);
	/* code 62 is never written: bad in a malloc header and as a stack code */
	g = h;
	op_u8(&h, ML_EV_MALLOC | 62);
	tail(&h, 8, 8);
	CHECK_EQ_INT(second_event(&h), -1);
	op_u8(&g, ML_EV_ALLOC);
	op_u8(&g, ML_KIND_CALLOC);
	op_v(&g, 62);
	tail(&g, 8, 8);
	CHECK_EQ_INT(second_event(&g), -1);

	/* version 3: an entry keeps its stack's latest size; w = 0 repeats
	 * it, w = 1 takes a new one from the sizes column */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 5);
	tail(&f, 24, 0x100);
	op_u8(&f, ML_EV_MALLOC | 0);                  /* (5, 24) again */
	tail_hit(&f, 0x100);
	op_u8(&f, ML_EV_MALLOC | 1);                  /* stack 5, size 40 */
	tail(&f, 40, 0x100);
	op_u8(&f, ML_EV_ALLOC);                       /* calloc, code 0: (5, 40) again */
	op_u8(&f, ML_KIND_CALLOC);
	op_v(&f, 0);
	tail_hit(&f, 0x100);
	op_u8(&f, ML_EV_REALLOC_UNKNOWN);             /* code 1: stack 5, size 24 */
	addr_v(&f, 0x9990);
	op_u8(&f, ML_KIND_REALLOC);
	op_v(&f, 1);
	tail(&f, 24, 0x100);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	static const uint64_t sizes[] = { 24, 24, 40, 40, 24 };
	for (int i = 0; i < 5; i++) {
		CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
		CHECK_EQ_INT(ev.stack, 5);
		CHECK_EQ_INT(ev.size, sizes[i]);
		CHECK_EQ_INT(ev.addr, 0x100 * (i + 1));
	}
	CHECK_EQ_INT(c.mtf_n, 1);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);
	/* a repeated size written anyway leaves the sizes column with a byte
	 * over: the frame is malformed */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 5);
	tail(&f, 24, 0x100);
	op_u8(&f, ML_EV_MALLOC | 0);
	tail(&f, 24, 0x100);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 1);
	CHECK_EQ_INT(ml_events_next(&c, &ev), -1);
	/* a new size missing from the sizes column */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 5);
	tail(&f, 24, 0x100);
	op_u8(&f, ML_EV_MALLOC | 1);
	tail_hit(&f, 0x100);
	CHECK_EQ_INT(second_event(&f), -1);
}

/* The column lengths in the header must add up to the frame, and each
 * column must be used up exactly. */
static void test_events_columns(void)
{
	static struct fb f;
	struct buf b;
	struct ml_events c;
	struct ml_event ev;

	/* a malloc whose size and address are in their columns */
	fb_op(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT, 1);
	tail(&f, 40, 0x40);
	CHECK_EQ_INT(one_event(&f, &ev), 1);
	CHECK_EQ_INT(ev.size, 40);
	CHECK_EQ_INT(ev.addr, 0x40);

	/* lengths that do not add up: one byte too many or too few in the
	 * frame, a column longer than the frame */
	fb_frame(&f, &b);
	b.b[b.n++] = 0;
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n - 1), -1);
	b.n = 0;
	put_v(&b, 1);
	put_v(&b, 0);
	put_v(&b, 0);
	put_v(&b, 1000);                              /* operations: 1000 bytes */
	put_v(&b, 0);
	put_v(&b, 0);
	put_u8(&b, 0x00);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);
	b.n = 0;
	put_v(&b, 1);
	put_v(&b, 0);
	put_v(&b, 0);
	put_v(&b, 1);
	put_v(&b, UINT64_MAX);                        /* sizes: wraps the sum */
	put_v(&b, 2);
	put_u8(&b, 0x00);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);
	/* the header cut before the column lengths */
	b.n = 0;
	put_v(&b, 1);
	put_v(&b, 0);
	put_v(&b, 0);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);

	/* a size or an address left over after the last operation */
	fb_op(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT, 1);
	tail(&f, 40, 0x40);
	struct fb g = f;
	size_v(&f, 7);
	CHECK_EQ_INT(one_event(&f, &ev), -3);
	addr_zz(&g, 7);
	CHECK_EQ_INT(one_event(&g, &ev), -3);

	/* a malloc whose size, or address, is missing from its column */
	fb_op(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT, 1);
	g = f;
	size_v(&f, 40);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	addr_zz(&g, 40);
	CHECK_EQ_INT(one_event(&g, &ev), -1);
	/* ... or written in the operations column instead */
	fb_op(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT, 1);
	op_v(&f, 40);
	op_v(&f, ml_zigzag(0x40));
	CHECK(one_event(&f, &ev) < 0);

	/* the address of a free of an unknown block: addresses column only */
	fb_op(&f, ML_EV_FREE_UNKNOWN, -1);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	op_v(&f, 0x1000);
	CHECK(one_event(&f, &ev) < 0);
	fb_op(&f, ML_EV_FREE_UNKNOWN, -1);
	addr_v(&f, 0x1000);
	CHECK_EQ_INT(one_event(&f, &ev), 1);
	CHECK_EQ_INT(ev.old_addr, 0x1000);
	/* a column holding a cut varint */
	fb_op(&f, ML_EV_FREE_UNKNOWN, -1);
	put_u8(&f.ad, 0x80);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
}

/* References that point before the thread's first allocation, and other
 * malformed records: each is an error, never an event. */
static void test_events_malformed(void)
{
	static struct fb f;
	struct buf b;
	struct ml_events c;
	struct ml_event ev;

	/* header: truncated, thread index and base seq past their limits
	 * (an allocation key is thread << 40 | seq and must not wrap) */
	static const uint8_t hdr_cut[] = { 0x01, 0x80 };
	CHECK_EQ_INT(ml_events_begin(&c, hdr_cut, sizeof hdr_cut), -1);
	CHECK_EQ_INT(ml_events_begin(&c, hdr_cut, 0), -1);
	fb_init(&f, ML_MAX_THREAD_IDX, 0, 0);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);
	fb_init(&f, ML_MAX_THREAD_IDX - 1, 0, 0);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	fb_init(&f, 1, ML_MAX_SEQ, 0);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), -1);
	fb_init(&f, 1, ML_MAX_SEQ - 1, 0);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	/* allocation numbers stay below the limit: ML_MAX_SEQ - 1 is the last */
	struct ml_event lim;
	fb_init(&f, 1, ML_MAX_SEQ - 2, 0);
	op_u8(&f, 0x80 | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 1);
	tail(&f, 16, 0x1000);
	CHECK_EQ_INT(one_event(&f, &lim), 1);
	CHECK(lim.seq == ML_MAX_SEQ - 1);
	fb_init(&f, 1, ML_MAX_SEQ - 1, 0);
	op_u8(&f, 0x80 | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 1);
	tail(&f, 16, 0x1000);
	CHECK_EQ_INT(one_event(&f, &lim), -1);
	/* sizes beyond the address space are corrupt */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, 0x80 | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 1);
	tail(&f, ML_MAX_SIZE, 0x1000);
	CHECK_EQ_INT(one_event(&f, &lim), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, 0x80 | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, 1);
	tail(&f, ML_MAX_SIZE - 1, 0x1000);
	CHECK_EQ_INT(one_event(&f, &lim), 1);
	CHECK(lim.size == ML_MAX_SIZE - 1);

	/* an empty frame: no events */
	fb_init(&f, 1, 5, 5);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);

	/* near free past the thread's first allocation: base seq 2, distance 3 */
	fb_init(&f, 1, 2, 0);
	op_u8(&f, 0x01);
	CHECK_EQ_INT(one_event(&f, &ev), 1);          /* distance 2 names seq 1 */
	CHECK_EQ_INT(ev.ref_seq, 1);
	fb_init(&f, 1, 2, 0);
	op_u8(&f, 0x02);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, 0x00);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* far free: distance 0, past seq, truncated */
	fb_init(&f, 1, 200, 0);
	op_u8(&f, ML_EV_FREE_FAR);
	op_v(&f, 200);
	CHECK_EQ_INT(one_event(&f, &ev), 1);
	CHECK_EQ_INT(ev.ref_seq, 1);
	fb_init(&f, 1, 200, 0);
	op_u8(&f, ML_EV_FREE_FAR);
	op_v(&f, 201);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 200, 0);
	op_u8(&f, ML_EV_FREE_FAR);
	op_v(&f, 0);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 200, 0);
	op_u8(&f, ML_EV_FREE_FAR);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* realloc with an own distance past seq */
	fb_init(&f, 1, 1, 0);
	op_u8(&f, ML_EV_REALLOC);
	op_v(&f, 2);
	op_u8(&f, ML_KIND_REALLOC);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + 1);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* foreign free: seq 0, thread index past 32 bits, truncated */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_FREE_FOREIGN);
	op_v(&f, 2);
	op_v(&f, 0);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_FREE_FOREIGN);
	op_v(&f, (uint64_t)UINT32_MAX + 1);
	op_v(&f, 1);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_FREE_FOREIGN);
	op_v(&f, 2);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* allocation: kind out of range, kind missing, stack id past 32 bits */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_ALLOC);
	op_u8(&f, ML_KIND_COUNT);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + 1);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_ALLOC);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_ALLOC);
	op_u8(&f, ML_KIND_CALLOC);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + (uint64_t)UINT32_MAX + 1);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MALLOC | ML_STACK_SLOT_EXPLICIT);
	op_v(&f, (uint64_t)UINT32_MAX + 1);
	tail(&f, 8, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* realloc of an unknown block: old address missing */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_REALLOC_UNKNOWN);
	op_u8(&f, ML_KIND_REALLOC);
	op_v(&f, ML_STACK_SLOT_EXPLICIT + 1);
	size_v(&f, 8);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* tick: overflow of the clock, cut off */
	fb_init(&f, 1, 0, UINT64_MAX >> 1);
	op_u8(&f, ML_EV_TICK);
	op_v(&f, 1);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_TICK);
	op_v(&f, UINT64_MAX);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_TICK);
	CHECK_EQ_INT(one_event(&f, &ev), -1);
	fb_init(&f, 1, 0, 0);                         /* ticks only: no event */
	op_u8(&f, ML_EV_TICK);
	op_v(&f, 3);
	fb_frame(&f, &b);
	CHECK_EQ_INT(ml_events_begin(&c, b.b, b.n), 0);
	CHECK_EQ_INT(ml_events_next(&c, &ev), 0);

	/* mark: its time cut off */
	fb_init(&f, 1, 0, 0);
	op_u8(&f, ML_EV_MARK);
	CHECK_EQ_INT(one_event(&f, &ev), -1);

	/* record types this decoder does not know: the reserved 0xc7 and
	 * 0xc8, and everything after MARK */
	for (unsigned h = ML_EV_TICK + 1; h <= 0xff; h++) {
		if (h == ML_EV_MARK)
			continue;
		fb_init(&f, 1, 0, 0);
		op_u8(&f, h);
		op_v(&f, 1);
		op_v(&f, 1);
		CHECK_EQ_INT(one_event(&f, &ev), -1);
	}
}

/* ---------------------------------------------------------------- meta */

static void test_meta_next(void)
{
	struct ml_meta_rec rec;
	struct buf b = { .n = 0 };

	/* empty frame */
	struct ml_rd fr = { b.b, b.b, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), 0);

	/* two records, one of them empty, then the end */
	put_u8(&b, ML_META_TRIM);
	put_v(&b, 0);
	put_u8(&b, 200);                             /* unknown type: still walked */
	put_v(&b, 3);
	put_raw(&b, "abc", 3);
	fr = (struct ml_rd){ b.b, b.b + b.n, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), 1);
	CHECK_EQ_INT(rec.type, ML_META_TRIM);
	CHECK_EQ_INT(rec.len, 0);
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), 1);
	CHECK_EQ_INT(rec.type, 200);
	CHECK_EQ_INT(rec.len, 3);
	CHECK(memcmp(rec.body, "abc", 3) == 0);
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), 0);

	/* a body longer than the frame */
	b.n = 0;
	put_u8(&b, ML_META_SNAPSHOT);
	put_v(&b, 10);
	put_raw(&b, "abc", 3);
	fr = (struct ml_rd){ b.b, b.b + b.n, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), -1);
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), -1);  /* sticks */

	/* a type byte and nothing else; a length cut mid-varint; a
	 * length past 64 bits */
	b.n = 0;
	put_u8(&b, ML_META_END);
	fr = (struct ml_rd){ b.b, b.b + b.n, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), -1);
	put_u8(&b, 0x80);
	fr = (struct ml_rd){ b.b, b.b + b.n, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), -1);
	b.n = 0;
	put_u8(&b, ML_META_END);
	for (int i = 0; i < 10; i++)
		put_u8(&b, 0xff);
	put_u8(&b, 0x01);
	fr = (struct ml_rd){ b.b, b.b + b.n, 0 };
	CHECK_EQ_INT(ml_meta_next(&fr, &rec), -1);
}

/* Pass 1 on one meta frame holding `body` after a good PROC record. */
static void proc_record(struct buf *b, unsigned tick_shift)
{
	struct buf p = { .n = 0 };
	put_str(&p, "memledger 1.0");
	put_v(&p, 100);           /* pid */
	put_v(&p, 1);             /* ppid */
	put_v(&p, 1000);          /* tsc0 */
	put_v(&p, 0);
	put_v(&p, 0);
	put_v(&p, tick_shift);
	put_v(&p, 20000000);
	put_v(&p, 64);
	put_v(&p, 0);
	put_str(&p, "/bin/true");
	put_str(&p, "true");
	put_u8(b, ML_META_PROC);
	put_v(b, p.n);
	put_raw(b, p.b, p.n);
}

static void record(struct buf *b, int type, const struct buf *body)
{
	put_u8(b, (unsigned)type);
	put_v(b, body->n);
	put_raw(b, body->b, body->n);
}

/* 0 or -1 from trace_meta_frame, with the reason in err. */
static int pass1(const struct buf *b, char *err, size_t errlen, struct trace_meta *m)
{
	memset(m, 0, sizeof *m);
	err[0] = 0;
	return trace_meta_frame(m, b->b, b->n, err, errlen);
}

static void test_meta_bodies(void)
{
	struct trace_meta m;
	struct buf f, body;
	char err[256];

	/* good: a process record, an unknown type skipped, an end record */
	f.n = 0;
	proc_record(&f, 14);
	body.n = 0;
	put_raw(&body, "whatever a later tracer writes", 30);
	record(&f, 250, &body);
	body.n = 0;
	put_v(&body, ML_END_SIGNAL);
	put_zz(&body, 11);
	put_v(&body, 5000);
	put_v(&body, 77);
	record(&f, ML_META_END, &body);
	CHECK_EQ_INT(pass1(&f, err, sizeof err, &m), 0);
	CHECK_EQ_INT(m.have_proc, 1);
	CHECK_EQ_INT(m.pid, 100);
	CHECK_EQ_STR(m.exe, "/bin/true");
	CHECK_EQ_STR(m.argv_json, "[\"true\"]");
	CHECK_EQ_INT(m.have_end, 1);
	CHECK_EQ_INT(m.end_reason, ML_END_SIGNAL);
	CHECK_EQ_INT(m.end_code, 11);
	CHECK_EQ_INT(m.meta_records, 3);
	trace_meta_free(&m);

	/* a record before the process record */
	f.n = 0;
	body.n = 0;
	put_v(&body, 1);
	put_v(&body, 1);
	record(&f, ML_META_THREAD_EXIT, &body);
	proc_record(&f, 14);
	CHECK_EQ_INT(pass1(&f, err, sizeof err, &m), -1);
	CHECK(strstr(err, "before the process record") != NULL);
	trace_meta_free(&m);

	/* a process record with an absurd tick shift */
	f.n = 0;
	proc_record(&f, 41);
	CHECK_EQ_INT(pass1(&f, err, sizeof err, &m), -1);
	CHECK(strstr(err, "malformed process record") != NULL);
	trace_meta_free(&m);

	/* a process record cut short */
	f.n = 0;
	body.n = 0;
	put_str(&body, "memledger 1.0");
	put_v(&body, 100);
	record(&f, ML_META_PROC, &body);
	CHECK_EQ_INT(pass1(&f, err, sizeof err, &m), -1);
	CHECK(strstr(err, "malformed process record") != NULL);
	trace_meta_free(&m);

	/* each malformed body after a good process record */
	struct {
		int type;
		const char *what;
		uint8_t bytes[32];
		size_t n;
	} bad[] = {
		/* stack: id 0; n larger than the body; n > 4096 */
		{ ML_META_STACK, "stack", { 0, 1, 2 }, 3 },
		{ ML_META_STACK, "stack", { 5, 3, 2 }, 3 },
		{ ML_META_STACK, "stack", { 5, 0x81, 0x20, 2 }, 4 },
		/* snapshot: kind 4; cut inside the counters */
		{ ML_META_SNAPSHOT, "snapshot", { 1, 4, 0, 1, 1, 0, 0 }, 7 },
		{ ML_META_SNAPSHOT, "snapshot", { 1, 2, 0, 1, 1, 1, 'x', 3, 1 }, 9 },
		/* end: reason 2 */
		{ ML_META_END, "end", { 2, 0, 1, 1 }, 4 },
		/* descriptor: kind 6, origin 99, cut */
		{ ML_META_RES_OPEN, "descriptor-open", { 6, 3, 1, 1, 0, 0 }, 6 },
		{ ML_META_RES_OPEN, "descriptor-open", { 0, 3, 1, 1, 0, 99 }, 6 },
		{ ML_META_RES_CLOSE, "descriptor-close", { 0, 3 }, 2 },
		/* leaks: count larger than the body, class 3, thread index 2^24 */
		{ ML_META_LEAKS, "leaks", { 1, 50, 1, 1, 1 }, 5 },
		{ ML_META_LEAKS, "leaks", { 1, 1, 1, 1, 3 }, 5 },
		{ ML_META_LEAKS, "leaks", { 1, 1, 0x80, 0x80, 0x80, 0x08, 1, 1 }, 8 },
		/* thread records and module cut short */
		{ ML_META_THREAD_START, "thread-start", { 7, 1, 1 }, 3 },
		{ ML_META_THREAD_JOIN, "thread-join", { 7 }, 1 },
		{ ML_META_MODULE, "module", { 1, 0, 0, 0, 0, 5, 'a' }, 7 },
		{ ML_META_SCAN, "scan", { 1, 1 }, 2 },
		{ ML_META_EXEC, "exec", { 0x80 }, 1 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		f.n = 0;
		proc_record(&f, 14);
		body.n = 0;
		put_raw(&body, bad[i].bytes, bad[i].n);
		record(&f, bad[i].type, &body);
		int rc = pass1(&f, err, sizeof err, &m);
		CHECK_EQ_INT(rc, -1);
		char want[64];
		snprintf(want, sizeof want, "corrupt trace: malformed %s record", bad[i].what);
		if (rc != -1 || strcmp(err, want) != 0)
			fprintf(stderr, "  case %zu (%s): rc %d, err '%s'\n", i, bad[i].what, rc, err);
		CHECK_EQ_STR(err, want);
		trace_meta_free(&m);
	}

	/* a frame that ends inside a record header */
	f.n = 0;
	proc_record(&f, 14);
	put_u8(&f, ML_META_SNAPSHOT);
	put_v(&f, 40);
	CHECK_EQ_INT(pass1(&f, err, sizeof err, &m), -1);
	CHECK_EQ_STR(err, "corrupt trace: malformed meta frame");
	trace_meta_free(&m);
}

int main(void)
{
	test_varint_roundtrip();
	test_varint_edges();
	test_zigzag();
	test_rd();
	test_events_every_type();
	test_events_mtf();
	test_events_free_seq_and_ring();
	test_events_columns();
	test_events_malformed();
	test_meta_next();
	test_meta_bodies();
	return CHECK_DONE();
}
