/*
 * trace.h - the memledger trace format: constants and the varint
 * primitives shared by the tracer (encoder) and ingest (decoder).
 *
 * format/FORMAT.md is the specification; this header is its code.
 * Everything here is inline and allocation-free, because the tracer's
 * hot path uses it inside malloc().
 *
 * Invariants:
 *  - A varint is LEB128: 7 bits per byte, low bits first, high bit set on
 *    every byte but the last. At most 10 bytes for 64 bits.
 *  - Signed deltas are zigzag-encoded before they become varints.
 *  - An events frame has three columns (operations, sizes, addresses);
 *    the tracer checks each column's room once per record and then writes
 *    without further checks (tracer/channel.h, ML_COL_ROOM*).
 */
#ifndef MEMLEDGER_FORMAT_TRACE_H
#define MEMLEDGER_FORMAT_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- file */

#define ML_MAGIC "\x89MLT\r\n\x1a\n"
#define ML_MAGIC_LEN 8
#define ML_VERSION 3u         /* what the tracer writes */
#define ML_VERSION_MIN 3u     /* the oldest a decoder reads: version 1 coded addresses otherwise,
                                 version 2 wrote every allocation's size */
#define ML_HEADER_LEN 16   /* magic, u32le version, u32le flags */

/* Frame tags: the decompressed stream is a sequence of frames,
 * tag (1 byte), payload length (varint), payload. */
enum ml_frame_tag {
	ML_FRAME_META = 1,    /* process-wide records, each type+len+body */
	ML_FRAME_EVENTS = 2,  /* one thread's allocation events, self-contained */
};

/* A frame payload is never larger than this; a decoder rejects more. */
#define ML_MAX_FRAME (16u << 20)

/* ---------------------------------------------------------------- events */

/*
 * Event record header byte (ML_FRAME_EVENTS):
 *   0x00..0x7f  FREE of this thread's own allocation at distance h+1
 *   0x80..0xbf  ALLOC, kind malloc; low 6 bits: stack slot (see below)
 *   0xc0..0xc9  the record types below
 *   0xd0..0xff  FREE of this thread's own allocation whose seq is the
 *               previous own free's seq + (h - ML_EV_FREE_SEQ_ZERO)
 *               (version 2; see FORMAT.md)
 * Stack slot code (version 3): c = 2 * slot + w, slot 0..30 an index into
 * the frame's move-to-front list of stack ids, each kept with the size of
 * its latest allocation; w = 0: the allocation has that size again, w = 1:
 * its size is in the sizes column. 62 is never written; 63 means an
 * explicit stack id follows as a varint, the size in the sizes column.
 */
#define ML_EV_FREE_NEAR_MAX 0x7f
#define ML_EV_MALLOC 0x80
#define ML_EV_MALLOC_MASK 0xc0
#define ML_STACK_SLOT_EXPLICIT 63   /* and the base of explicit stack codes */
#define ML_MTF_SIZE 31              /* slot codes 0..61: 2 * slot + (size written) */
#define ML_EV_FREE_SEQ_MIN 0xd0
#define ML_EV_FREE_SEQ_ZERO 0xe0   /* delta 0; the range is -16..+31 */

/*
 * Allocation addresses (version 2). An allocator hands back the block it
 * was just given back, so each frame keeps a list of the last
 * ML_ADDR_RING addresses freed by the thread's own FREE and REALLOC
 * records, newest first, counting only blocks allocated in the same frame
 * fewer than ML_ADDR_RECENT allocations ago (so the decoder knows their
 * addresses). An allocation's value in the addresses column is a varint
 * v: v < ML_ADDR_RING takes entry v (and removes it from the list),
 * otherwise zz(address - previous allocation address) = v - ML_ADDR_RING.
 */
#define ML_ADDR_RING 8
#define ML_ADDR_RECENT 1024

enum ml_event_type {
	ML_EV_ALLOC = 0xc0,         /* kind u8, stack code, size, addr delta */
	ML_EV_FREE_FAR = 0xc1,      /* distance varint (own allocation) */
	ML_EV_FREE_FOREIGN = 0xc2,  /* thread idx, seq: another thread's allocation */
	ML_EV_FREE_UNKNOWN = 0xc3,  /* addr delta: a block the trace never saw allocated */
	ML_EV_REALLOC = 0xc4,       /* old ref, kind, stack code, size, addr delta */
	ML_EV_REALLOC_UNKNOWN = 0xc5, /* old addr delta, kind, stack code, size, addr delta */
	ML_EV_TICK = 0xc6,          /* tick delta varint */
	/* 0xc7, 0xc8: never written (reserved) */
	ML_EV_MARK = 0xc9,          /* a time boundary in this thread: TSC - tsc0 varint */
};

/* Where each field lives (FORMAT.md): sizes in the sizes column,
 * addresses (allocation deltas and unknown-free addresses) in the
 * addresses column, everything else in the operations column.
 *
 * Stack code (in ML_EV_ALLOC and realloc records): a varint c;
 * c < 2 * ML_MTF_SIZE is a slot code as above, c >= ML_STACK_SLOT_EXPLICIT
 * gives stack id = c - ML_STACK_SLOT_EXPLICIT (size in the sizes column). */

/* Limits a decoder enforces: thread indices and allocation sequence
 * numbers fit an allocation key (thread << 40 | seq); sizes fit the
 * address space. */
#define ML_MAX_THREAD_IDX (1u << 24)
#define ML_MAX_SEQ (1ull << 40)
#define ML_MAX_SIZE (1ull << 48)

/* Allocation kinds, as stored in the trace and named in SQL. */
enum ml_kind {
	ML_KIND_MALLOC = 0,
	ML_KIND_CALLOC,
	ML_KIND_REALLOC,
	ML_KIND_REALLOCARRAY,
	ML_KIND_MEMALIGN,
	ML_KIND_POSIX_MEMALIGN,
	ML_KIND_ALIGNED_ALLOC,
	ML_KIND_VALLOC,
	ML_KIND_PVALLOC,
	ML_KIND_INHERITED,  /* live in the parent at fork: counted once by the child */
	ML_KIND_COUNT
};

/* ---------------------------------------------------------------- meta */

/* Meta record: type (1 byte), body length (varint), body. Unknown types
 * are skipped by length, so new types can be added without a version bump. */
enum ml_meta_type {
	ML_META_PROC = 1,
	ML_META_MODULE = 2,
	ML_META_MODULE_GONE = 3,
	ML_META_STACK = 4,
	ML_META_SNAPSHOT = 5,
	ML_META_THREAD_START = 6,
	ML_META_THREAD_EXIT = 7,
	ML_META_THREAD_JOIN = 8,
	ML_META_THREAD_DETACH = 9,
	ML_META_THREAD_IDX = 10,
	ML_META_RES_OPEN = 11,
	ML_META_RES_CLOSE = 12,
	ML_META_TRIM = 13,
	ML_META_FORK = 14,
	ML_META_EXEC = 15,
	ML_META_END = 16,
	ML_META_SCAN = 17,
	ML_META_LEAKS = 18,
	ML_META_FREERES = 19,
	ML_META_EXIT_BEGIN = 20,   /* main returned or exit() was called: tsc */
	ML_META_ALLOCATOR = 32,    /* flags (ML_ALLOC_*), str module of the malloc the program calls,
	                            * str module of the malloc under the hooks */
};

/* ML_META_ALLOCATOR flags. */
enum {
	ML_ALLOC_BYPASSED = 1,     /* the program's malloc is not the tracer's: its calls are not seen */
	ML_ALLOC_NOT_GLIBC = 2,    /* the allocator in use is not glibc's: mallinfo2 says nothing about it */
};

enum ml_snapshot_kind {
	ML_SNAP_START = 0,
	ML_SNAP_SAMPLE = 1,
	ML_SNAP_USER = 2,
	ML_SNAP_EXIT = 3,
};

enum ml_end_reason {
	ML_END_EXIT = 0,
	ML_END_SIGNAL = 1,
};

enum ml_res_kind {
	ML_RES_PIPE = 0,
	ML_RES_SOCKET,
	ML_RES_EVENTFD,
	ML_RES_TIMERFD,
	ML_RES_POSIX_TIMER,
	ML_RES_FILE,
	ML_RES_COUNT
};

enum ml_leak_class {
	ML_LEAK_LOST = 1,
	ML_LEAK_INDIRECT = 2,
	ML_LEAK_REACHABLE = 3,
	ML_LEAK_POSSIBLE = 4,   /* reached only through interior pointers (valgrind's "possibly lost") */
};

/* Number of fields in a snapshot's counter block (see FORMAT.md). */
enum ml_snap_field {
	ML_SF_MALLOCS, ML_SF_FREES, ML_SF_TOTAL_ALLOC, ML_SF_FREED_BYTES,
	ML_SF_UNKNOWN_FREES, ML_SF_TRIM_CALLS, ML_SF_ALLOC_CPU_NS, ML_SF_CPU_NS,
	ML_SF_RSS, ML_SF_STACK_INUSE, ML_SF_THREADS,
	ML_SF_ARENA, ML_SF_HBLKHD, ML_SF_UORDBLKS, ML_SF_FORDBLKS, ML_SF_KEEPCOST,
	ML_SF_SYS_OTHER,     /* anonymous memory the program mapped itself (tracer/maps.c) */
	ML_SF_TRACER_CPU_NS, /* CPU time the tracer spent on its own work */
	ML_SF_TRACER_BYTES,  /* of RSS: the tracer's own mappings, resident */
	ML_SF_COUNT
};

/* ---------------------------------------------------------------- varints */

static inline uint64_t ml_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t ml_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/** Write v at p; return the byte after it. p must have 10 bytes of room. */
static inline uint8_t *ml_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/**
 * Read a varint from [*pp, end). On success advance *pp and return 0;
 * return -1 if the input ends first or the value overflows 64 bits.
 */
static inline int ml_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
	}
	return -1;
}



/* Where a tracked descriptor or timer came from (ML_META_RES_OPEN). */
enum ml_res_origin {
	ML_ORIGIN_PIPE = 0, ML_ORIGIN_PIPE2, ML_ORIGIN_SOCKET, ML_ORIGIN_SOCKETPAIR,
	ML_ORIGIN_ACCEPT, ML_ORIGIN_ACCEPT4, ML_ORIGIN_EVENTFD, ML_ORIGIN_TIMERFD,
	ML_ORIGIN_TIMER_CREATE, ML_ORIGIN_DUP, ML_ORIGIN_DUP2, ML_ORIGIN_DUP3,
	ML_ORIGIN_FCNTL, ML_ORIGIN_INHERITED,
	ML_ORIGIN_COUNT
};
#endif /* MEMLEDGER_FORMAT_TRACE_H */
