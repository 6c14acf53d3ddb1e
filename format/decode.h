/*
 * decode.h - reading a memledger trace (see FORMAT.md).
 *
 * The reader validates the header, inflates the zlib stream and hands out
 * whole frames. The event cursor decodes one ML_FRAME_EVENTS frame; the
 * meta cursor walks the records of one ML_FRAME_META frame; ml_rd reads
 * fields out of a record body. Every input is treated as hostile: a read
 * past the end, a bad varint or an unknown event type is an error, never
 * a crash.
 *
 * A trace that simply stops (the process was killed) is not an error:
 * ml_reader_next() reports ML_READ_TRUNCATED after the last whole frame.
 */
#ifndef MEMLEDGER_FORMAT_DECODE_H
#define MEMLEDGER_FORMAT_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "format/trace.h"

enum ml_read_status {
	ML_READ_ERROR = -1,
	ML_READ_END = 0,        /* the stream ended cleanly */
	ML_READ_FRAME = 1,      /* *frame is valid until the next call */
	ML_READ_TRUNCATED = 2,  /* the file stops mid-stream */
};

struct ml_frame {
	int tag;
	const uint8_t *data;
	size_t len;
	uint64_t offset;        /* in the decompressed stream */
};

struct ml_reader {
	int fd;
	uint32_t version;
	z_stream z;
	int z_ready;
	int input_done;         /* read() returned 0 */
	int stream_end;         /* Z_STREAM_END */
	uint8_t *in;
	uint8_t *buf;           /* decompressed bytes [start, len) not yet consumed */
	size_t start, len, cap;
	uint64_t consumed;      /* decompressed bytes before buf[start] */
	uint64_t file_size, file_read;
	char err[256];
};

/** Open path and check its header. 0, or -1 with r->err set. */
int ml_reader_open(struct ml_reader *r, const char *path);
/** The next frame; see enum ml_read_status. */
int ml_reader_next(struct ml_reader *r, struct ml_frame *f);
/** Start again from the first frame. 0 or -1. */
int ml_reader_rewind(struct ml_reader *r);
void ml_reader_close(struct ml_reader *r);

/* ---------------------------------------------------------------- fields */

/** A bounds-checked reader of one record body. Any error sticks. */
struct ml_rd {
	const uint8_t *p, *end;
	int err;
};

static inline uint64_t ml_rd_u(struct ml_rd *r)
{
	uint64_t v = 0;
	if (!r->err && ml_get_varint(&r->p, r->end, &v) < 0)
		r->err = 1;
	return r->err ? 0 : v;
}

/** A length-prefixed byte string; *len gets its length. NULL on error. */
const uint8_t *ml_rd_bytes(struct ml_rd *r, size_t *len);

/* ---------------------------------------------------------------- meta */

struct ml_meta_rec {
	int type;
	const uint8_t *body;
	size_t len;
};

/** Next meta record of a frame: 1, 0 at the end, -1 if malformed. */
int ml_meta_next(struct ml_rd *frame, struct ml_meta_rec *rec);

/* ---------------------------------------------------------------- events */

enum ml_event_kind {
	ML_E_ALLOC = 1,         /* kind, stack, size, addr, seq */
	ML_E_FREE,              /* ref */
	ML_E_REALLOC,           /* ref + alloc part */
	ML_E_FREE_UNKNOWN,      /* old_addr */
	ML_E_REALLOC_UNKNOWN,   /* old_addr + alloc part */
	ML_E_MARK,              /* a time boundary: mark_tsc (since tsc0) */
};

struct ml_event {
	int type;
	uint64_t tick;
	/* allocation part */
	int kind;
	uint32_t stack;
	uint64_t size, addr, seq;
	/* free part: the allocation it ends */
	uint32_t ref_idx;
	uint64_t ref_seq;
	int own;                /* ref is this thread's: distance is valid */
	uint64_t distance;      /* 1: the thread's most recent allocation */
	uint64_t old_addr;      /* *_UNKNOWN */
	uint64_t mark_tsc;      /* ML_E_MARK */
};

struct ml_events {
	struct ml_rd rd;           /* operations column */
	struct ml_rd sz;           /* sizes column */
	struct ml_rd ad;           /* addresses column */
	uint32_t thread_idx;
	uint64_t seq, tick, prev_addr;
	uint64_t last_free;        /* seq of the previous own FREE record (FREE_SEQ counts from it) */
	uint64_t base_seq;         /* seq before the frame's first allocation */
	uint32_t ring_n;           /* recently freed addresses, newest first (trace.h) */
	uint64_t ring[ML_ADDR_RING];
	uint64_t recent[ML_ADDR_RECENT];  /* addresses of the frame's allocations, by seq % ML_ADDR_RECENT */
	uint32_t mtf_n;
	uint32_t mtf[ML_MTF_SIZE];        /* recent stack ids, most recent first, */
	uint64_t mtf_size[ML_MTF_SIZE];   /* each with its latest allocation's size */
};

/** Start decoding an events frame. 0 or -1 (malformed header). */
int ml_events_begin(struct ml_events *c, const uint8_t *data, size_t len);
/** 1 with *ev filled, 0 at the end of the frame, -1 if malformed (a
 * column left with bytes the operations did not use is malformed). */
int ml_events_next(struct ml_events *c, struct ml_event *ev);

#endif
