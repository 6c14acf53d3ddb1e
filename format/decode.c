/*
 * decode.c - the trace reader and record decoders (see decode.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/decode.h"

#define IN_CAP (1u << 18)

static int fail(struct ml_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int reader_start(struct ml_reader *r)
{
	uint8_t hdr[ML_HEADER_LEN];
	size_t got = 0;
	if (lseek(r->fd, 0, SEEK_SET) < 0)
		return fail(r, "cannot seek: %s", strerror(errno));
	while (got < sizeof hdr) {
		ssize_t n = read(r->fd, hdr + got, sizeof hdr - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(r, "cannot read: %s", strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < ML_MAGIC_LEN || memcmp(hdr, ML_MAGIC, ML_MAGIC_LEN) != 0)
		return fail(r, "not a memledger trace (bad magic)");
	if (got < sizeof hdr)
		return fail(r, "truncated header");
	memcpy(&r->version, hdr + 8, 4);
	if (r->version < ML_VERSION_MIN || r->version > ML_VERSION)
		return fail(r, "unsupported trace version %u (this memledger reads version %u%s)", r->version,
		            ML_VERSION, r->version < ML_VERSION ? "; trace the program again" : "");
	if (r->z_ready)
		inflateEnd(&r->z);
	memset(&r->z, 0, sizeof r->z);
	if (inflateInit(&r->z) != Z_OK)
		return fail(r, "zlib: cannot initialise");
	r->z_ready = 1;
	r->input_done = r->stream_end = 0;
	r->start = r->len = 0;
	r->consumed = 0;
	r->file_read = sizeof hdr;
	return 0;
}

int ml_reader_open(struct ml_reader *r, const char *path)
{
	struct stat st;
	memset(r, 0, sizeof *r);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return fail(r, "cannot open: %s", strerror(errno));
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(r, "is a directory");
	r->file_size = (uint64_t)st.st_size;
	r->in = malloc(IN_CAP);
	r->cap = 1u << 20;
	r->buf = malloc(r->cap);
	if (!r->in || !r->buf)
		return fail(r, "out of memory");
	return reader_start(r);
}

int ml_reader_rewind(struct ml_reader *r)
{
	return reader_start(r);
}

void ml_reader_close(struct ml_reader *r)
{
	if (r->z_ready)
		inflateEnd(&r->z);
	if (r->fd >= 0)
		close(r->fd);
	free(r->in);
	free(r->buf);
	r->fd = -1;
	r->in = r->buf = NULL;
	r->z_ready = 0;
}

/* Inflate more into buf. 1: progress, 0: nothing more (end or input
 * done), -1: corrupt. */
static int fill(struct ml_reader *r)
{
	if (r->stream_end)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->consumed += r->start;
		r->len -= r->start;
		r->start = 0;
	}
	if (r->len == r->cap) {
		size_t cap = r->cap * 2;
		uint8_t *b = realloc(r->buf, cap);
		if (!b)
			return fail(r, "out of memory");
		r->buf = b;
		r->cap = cap;
	}
	for (;;) {
		if (r->z.avail_in == 0 && !r->input_done) {
			ssize_t n;
			do
				n = read(r->fd, r->in, IN_CAP);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return fail(r, "cannot read: %s", strerror(errno));
			if (n == 0)
				r->input_done = 1;
			r->file_read += (uint64_t)(n > 0 ? n : 0);
			r->z.next_in = r->in;
			r->z.avail_in = (uInt)(n > 0 ? n : 0);
		}
		if (r->z.avail_in == 0 && r->input_done)
			return 0;
		r->z.next_out = r->buf + r->len;
		r->z.avail_out = (uInt)(r->cap - r->len);
		int rc = inflate(&r->z, Z_NO_FLUSH);
		size_t got = (r->cap - r->len) - r->z.avail_out;
		r->len += got;
		if (rc == Z_STREAM_END) {
			r->stream_end = 1;
			/* Anything after the end of the stream is not ours. */
			if (r->z.avail_in > 0)
				return fail(r, "data after the end of the compressed stream");
			char extra;
			ssize_t n = read(r->fd, &extra, 1);
			if (n > 0)
				return fail(r, "data after the end of the compressed stream");
			return got ? 1 : 0;
		}
		if (rc == Z_DATA_ERROR)
			return fail(r, "corrupt compressed data at byte %llu",
			            (unsigned long long)r->file_read - r->z.avail_in);
		if (rc == Z_MEM_ERROR)
			return fail(r, "out of memory");
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fail(r, "zlib error %d", rc);
		if (got)
			return 1;
	}
}

int ml_reader_next(struct ml_reader *r, struct ml_frame *f)
{
	for (;;) {
		const uint8_t *p = r->buf + r->start, *end = r->buf + r->len;
		if (p < end) {
			int tag = *p;
			if (tag != ML_FRAME_META && tag != ML_FRAME_EVENTS) {
				fail(r, "corrupt trace: unknown frame type %d at offset %llu", tag,
				     (unsigned long long)(r->consumed + r->start));
				return ML_READ_ERROR;
			}
			const uint8_t *q = p + 1;
			uint64_t len;
			int have_len = ml_get_varint(&q, end, &len) == 0;
			if (have_len && len > ML_MAX_FRAME) {
				fail(r, "corrupt trace: frame of %llu bytes at offset %llu",
				     (unsigned long long)len, (unsigned long long)(r->consumed + r->start));
				return ML_READ_ERROR;
			}
			if (!have_len && end - q >= 10) {
				fail(r, "corrupt trace: bad frame length at offset %llu",
				     (unsigned long long)(r->consumed + r->start));
				return ML_READ_ERROR;
			}
			if (have_len && (uint64_t)(end - q) >= len) {
				f->tag = tag;
				f->data = q;
				f->len = (size_t)len;
				f->offset = r->consumed + r->start;
				r->start = (size_t)(q + len - r->buf);
				return ML_READ_FRAME;
			}
		}
		int rc = fill(r);
		if (rc < 0)
			return ML_READ_ERROR;
		if (rc == 0) {
			if (r->start == r->len && r->stream_end)
				return ML_READ_END;
			if (r->stream_end) {
				fail(r, "corrupt trace: the stream ends inside a frame");
				return ML_READ_ERROR;
			}
			return ML_READ_TRUNCATED;
		}
	}
}

/* ---------------------------------------------------------------- fields */

const uint8_t *ml_rd_bytes(struct ml_rd *r, size_t *len)
{
	uint64_t n = ml_rd_u(r);
	if (r->err || n > (uint64_t)(r->end - r->p)) {
		r->err = 1;
		*len = 0;
		return NULL;
	}
	const uint8_t *s = r->p;
	r->p += n;
	*len = (size_t)n;
	return s;
}

int ml_meta_next(struct ml_rd *fr, struct ml_meta_rec *rec)
{
	if (fr->err)
		return -1;
	if (fr->p >= fr->end)
		return 0;
	rec->type = *fr->p++;
	size_t len;
	const uint8_t *body = ml_rd_bytes(fr, &len);
	if (!body)
		return -1;
	rec->body = body;
	rec->len = len;
	return 1;
}

/* ---------------------------------------------------------------- events */

int ml_events_begin(struct ml_events *c, const uint8_t *data, size_t len)
{
	memset(c, 0, sizeof *c);
	struct ml_rd h = { data, data + len, 0 };
	uint64_t idx = ml_rd_u(&h);
	c->seq = ml_rd_u(&h);
	c->tick = ml_rd_u(&h);
	uint64_t l0 = ml_rd_u(&h), l1 = ml_rd_u(&h), l2 = ml_rd_u(&h);
	size_t left = (size_t)(h.end - h.p);
	if (h.err || idx >= ML_MAX_THREAD_IDX || c->seq >= ML_MAX_SEQ || l0 > left || l1 > left - l0 ||
	    l2 != left - l0 - l1)
		return -1;
	c->thread_idx = (uint32_t)idx;
	c->last_free = c->base_seq = c->seq;
	c->ring_n = 0;
	c->rd.p = h.p;
	c->rd.end = c->sz.p = h.p + l0;
	c->sz.end = c->ad.p = c->sz.p + l1;
	c->ad.end = c->ad.p + l2;
	return 0;
}

/* Mirror of the tracer's move-to-front coding of stack ids, each with
 * the size of its latest allocation (tracer/hooks.c). */
static int mtf_slot(struct ml_events *c, unsigned code, struct ml_event *ev)
{
	unsigned slot = code >> 1;
	if (slot >= c->mtf_n)
		return -1;
	ev->stack = c->mtf[slot];
	ev->size = c->mtf_size[slot];
	if (code & 1) {
		ev->size = ml_rd_u(&c->sz);
		if (c->sz.err || ev->size >= ML_MAX_SIZE)
			return -1;
	}
	memmove(&c->mtf[1], &c->mtf[0], slot * sizeof c->mtf[0]);
	memmove(&c->mtf_size[1], &c->mtf_size[0], slot * sizeof c->mtf_size[0]);
	c->mtf[0] = ev->stack;
	c->mtf_size[0] = ev->size;
	return 0;
}

/* An explicit stack id: the size comes from the sizes column. */
static int mtf_push(struct ml_events *c, uint64_t id, struct ml_event *ev)
{
	if (id > UINT32_MAX)
		return -1;
	ev->stack = (uint32_t)id;
	ev->size = ml_rd_u(&c->sz);
	if (c->sz.err || ev->size >= ML_MAX_SIZE)
		return -1;
	if (c->mtf_n < ML_MTF_SIZE)
		c->mtf_n++;
	memmove(&c->mtf[1], &c->mtf[0], (c->mtf_n - 1) * sizeof c->mtf[0]);
	memmove(&c->mtf_size[1], &c->mtf_size[0], (c->mtf_n - 1) * sizeof c->mtf_size[0]);
	c->mtf[0] = ev->stack;
	c->mtf_size[0] = ev->size;
	return 0;
}

/* A stack code: a slot code (0..61), or an explicit id from 63 on; 62 is
 * never written. The malloc header's low 6 bits are the same code. */
static int stack_code(struct ml_events *c, uint64_t code, struct ml_event *ev)
{
	if (code < 2 * ML_MTF_SIZE)
		return mtf_slot(c, (unsigned)code, ev);
	if (code < ML_STACK_SLOT_EXPLICIT)
		return -1;
	return mtf_push(c, code - ML_STACK_SLOT_EXPLICIT, ev);
}

/* The address of an allocation whose stack and size are known. */
static int alloc_tail(struct ml_events *c, struct ml_event *ev)
{
	uint64_t v = ml_rd_u(&c->ad);
	if (c->rd.err || c->sz.err || c->ad.err || ev->size >= ML_MAX_SIZE || c->seq + 1 >= ML_MAX_SEQ)
		return -1;
	if (v < ML_ADDR_RING) {
		/* the block freed v frees ago (trace.h) */
		if (v >= c->ring_n)
			return -1;
		ev->addr = c->ring[v];
		c->ring_n--;
		memmove(&c->ring[v], &c->ring[v + 1], (c->ring_n - v) * sizeof c->ring[0]);
	} else {
		ev->addr = c->prev_addr + (uint64_t)ml_unzigzag(v - ML_ADDR_RING);
	}
	c->prev_addr = ev->addr;
	ev->seq = ++c->seq;
	c->recent[ev->seq % ML_ADDR_RECENT] = ev->addr;
	return 0;
}

/* An own allocation was freed: if the frame knows its address, it heads
 * the list of recently freed addresses. The tracer's ring_push mirrors it. */
static void ring_push(struct ml_events *c, uint64_t seq)
{
	if (seq <= c->base_seq || c->seq - seq >= ML_ADDR_RECENT)
		return;
	if (c->ring_n < ML_ADDR_RING)
		c->ring_n++;
	memmove(&c->ring[1], &c->ring[0], (c->ring_n - 1) * sizeof c->ring[0]);
	c->ring[0] = c->recent[seq % ML_ADDR_RECENT];
}

/* The allocation an own-distance or foreign reference names. */
static int read_ref(struct ml_events *c, struct ml_event *ev, uint64_t d)
{
	if (d == 0) {
		uint64_t idx = ml_rd_u(&c->rd);
		ev->ref_seq = ml_rd_u(&c->rd);
		if (c->rd.err || idx >= ML_MAX_THREAD_IDX || ev->ref_seq == 0 || ev->ref_seq >= ML_MAX_SEQ)
			return -1;
		ev->ref_idx = (uint32_t)idx;
		ev->own = 0;
		return 0;
	}
	if (d > c->seq)
		return -1;  /* refers to an allocation before the thread's first */
	ev->own = 1;
	ev->distance = d;
	ev->ref_idx = c->thread_idx;
	ev->ref_seq = c->seq - d + 1;
	return 0;
}

/* A FREE record of an own allocation at distance d (>= 1): the next
 * FREE_SEQ record counts from it. */
static int own_free(struct ml_events *c, struct ml_event *ev, uint64_t d)
{
	if (read_ref(c, ev, d) < 0)
		return -1;
	c->last_free = ev->ref_seq;
	ring_push(c, ev->ref_seq);
	return 1;
}

int ml_events_next(struct ml_events *c, struct ml_event *ev)
{
	for (;;) {
		if (c->rd.p >= c->rd.end)
			return c->sz.p == c->sz.end && c->ad.p == c->ad.end ? 0 : -1;
		uint8_t h = *c->rd.p++;
		memset(ev, 0, sizeof *ev);
		if (h <= ML_EV_FREE_NEAR_MAX) {
			ev->type = ML_E_FREE;
			ev->tick = c->tick;
			return own_free(c, ev, (uint64_t)h + 1);
		}
		if (h >= ML_EV_FREE_SEQ_MIN) {
			/* seq relative to the previous own free: frees in
			 * allocation order (a tree torn down) repeat exactly */
			uint64_t s = c->last_free + (uint64_t)((int)h - ML_EV_FREE_SEQ_ZERO);
			ev->type = ML_E_FREE;
			ev->tick = c->tick;
			if (s == 0 || s > c->seq)
				return -1;
			return own_free(c, ev, c->seq - s + 1);
		}
		if ((h & ML_EV_MALLOC_MASK) == ML_EV_MALLOC) {
			unsigned code = h & 0x3f;
			ev->type = ML_E_ALLOC;
			ev->kind = ML_KIND_MALLOC;
			ev->tick = c->tick;
			if (code == ML_STACK_SLOT_EXPLICIT) {
				uint64_t id = ml_rd_u(&c->rd);
				if (c->rd.err || mtf_push(c, id, ev) < 0)
					return -1;
			} else if (stack_code(c, code, ev) < 0) {
				return -1;
			}
			return alloc_tail(c, ev) < 0 ? -1 : 1;
		}
		ev->tick = c->tick;
		switch (h) {
		case ML_EV_TICK: {
			uint64_t d = ml_rd_u(&c->rd);
			if (c->rd.err || d > (UINT64_MAX >> 1) - c->tick)
				return -1;
			c->tick += d;
			continue;
		}
		case ML_EV_ALLOC:
		case ML_EV_REALLOC:
		case ML_EV_REALLOC_UNKNOWN: {
			if (h == ML_EV_REALLOC) {
				ev->type = ML_E_REALLOC;
				if (read_ref(c, ev, ml_rd_u(&c->rd)) < 0 || c->rd.err)
					return -1;
				if (ev->own)
					ring_push(c, ev->ref_seq);
			} else if (h == ML_EV_REALLOC_UNKNOWN) {
				ev->type = ML_E_REALLOC_UNKNOWN;
				ev->old_addr = ml_rd_u(&c->ad);
				if (c->ad.err)
					return -1;
			} else {
				ev->type = ML_E_ALLOC;
			}
			if (c->rd.p >= c->rd.end)
				return -1;
			ev->kind = *c->rd.p++;
			if (ev->kind >= ML_KIND_COUNT)
				return -1;
			uint64_t code = ml_rd_u(&c->rd);
			if (c->rd.err || stack_code(c, code, ev) < 0)
				return -1;
			return alloc_tail(c, ev) < 0 ? -1 : 1;
		}
		case ML_EV_FREE_FAR: {
			ev->type = ML_E_FREE;
			uint64_t d = ml_rd_u(&c->rd);
			if (c->rd.err || d == 0)
				return -1;
			return own_free(c, ev, d);
		}
		case ML_EV_FREE_FOREIGN:
			ev->type = ML_E_FREE;
			return read_ref(c, ev, 0) < 0 ? -1 : 1;
		case ML_EV_MARK:
			ev->type = ML_E_MARK;
			ev->mark_tsc = ml_rd_u(&c->rd);
			return c->rd.err ? -1 : 1;
		case ML_EV_FREE_UNKNOWN:
			ev->type = ML_E_FREE_UNKNOWN;
			ev->old_addr = ml_rd_u(&c->ad);
			return c->ad.err ? -1 : 1;
		default:
			return -1;
		}
	}
}
