/*
 * writer.c - the trace file: creating it, deflating frames into it, and
 * the writer thread that does so in the background.
 *
 * One zlib stream carries every frame, with LZ matching while the writer
 * keeps up and Huffman coding alone when it falls behind or LZ finds
 * nothing to match (sink_pick_params). The writer flushes it
 * with Z_SYNC_FLUSH at every sampling round, so a process killed at any
 * moment leaves a file whose prefix inflates to whole frames, at most one
 * interval behind. A normal end uses Z_FINISH.
 *
 * The writer thread also takes the periodic samples, and asks every
 * thread to hand over its partial buffer, so idle threads do not hold
 * records back for long.
 *
 * Descriptors. The program must never see one of ours: not in
 * /proc/self/fd, not against its RLIMIT_NOFILE, not under a number it
 * expects open() to return, not closed by its closefrom(). So the writer
 * thread gives itself a descriptor table and a filesystem context of its
 * own (close_range(CLOSE_RANGE_UNSHARE), unshare(CLONE_FS)) and does all
 * the file work there: it creates the trace, keeps it open, writes it,
 * serves the flushes that exit, exec and fork wait for, and reads
 * /proc/self/statm for a program thread's snapshot (ml_writer_rss). Only when there is
 * no writer (before the constructor, if it cannot start, while it is
 * stopped around unshare/setns, in a fatal-signal handler) does a program
 * thread write, and then it opens the file, writes and closes it again
 * within one batch.
 *
 * Failures. When the trace cannot be created or written (EACCES, ENOSPC,
 * EMFILE, ...), tracing stops, the program goes on untouched, and the
 * error with the path is appended to $MEMLEDGER_STATUS, the file through
 * which `memledger run` learns which traces were written and what went
 * wrong (lines "trace PID PATH" and "error PID ERRNO PATH").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/control.h"
#include "tracer/lock.h"
#include "tracer/real.h"
#include "tracer/snapshot.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/writer.h"

#define OUT_CAP (256u * 1024)

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

static struct {
	ml_lock_t lock;
	int wfd;          /* the writer thread's descriptor, in its own table; -1 if none */
	int sfd;          /* a program thread's descriptor, open for one batch only */
	dev_t dev;        /* what sfd must still be: another thread may have */
	ino_t ino;        /* closed every descriptor and reused the number */
	int is_child;     /* the name is STEM.PID.mlt, not TRACE itself */
	int created;      /* the file exists and holds the header */
	int ready;        /* deflate initialised */
	int closed;       /* Z_FINISH written, or broken: nothing more goes in */
	int err;          /* errno of the failure that broke the trace, 0 if none */
	int soft;         /* this batch may wait for the writer when no descriptor is free */
	z_stream z;
	uint8_t *out;
	uint64_t raw_bytes;
	int level, strategy;  /* deflate's current parameters (sink_pick_params) */
	int64_t huff_left;    /* events bytes left to code Huffman-only because LZ did not pay */
	uint64_t probe_in, probe_out;  /* events bytes coded with LZ since the last verdict, before and after */
	double probe_h0;      /* and their order-0 entropy in bytes: what Huffman coding would write */
	int lz_pays;          /* the last verdict: LZ level 1 outruns Huffman-only */
} sink = { .wfd = -1, .sfd = -1 };

static char stem[PATH_MAX];          /* TRACE without ".mlt", absolute */
static char root_path[PATH_MAX];     /* TRACE itself, for the first image */
static char status_path[PATH_MAX];   /* $MEMLEDGER_STATUS, or "" */

static atomic_int writer_running;
static atomic_int writer_word;
static atomic_int writer_waiting;
static atomic_int writer_stop;
static atomic_int flush_ticket;   /* flush requests taken */
static atomic_int flush_done;     /* the last ticket the writer has served */
static atomic_int flush_final;    /* a request wants the stream finished */
static atomic_int flush_finished; /* the writer has finished the stream */
static pthread_t writer_th;
static atomic_int writer_tid;
static atomic_int writer_setup;   /* the writer has its own table and fs context */
static __thread int in_writer __attribute__((tls_model("initial-exec")));  /* this is the writer thread */
static atomic_int writer_private;  /* and it has a descriptor table of its own */
#define OWN_TABLE (in_writer && writer_private)

/* ---------------------------------------------------------------- zlib memory */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	size_t n = (size_t)items * size + 16;
	uint8_t *p = ml_map(n);
	if (!p)
		return Z_NULL;
	*(size_t *)p = n;
	return p + 16;
}

static void z_free(voidpf opaque, voidpf ptr)
{
	(void)opaque;
	if (!ptr)
		return;
	uint8_t *p = (uint8_t *)ptr - 16;
	ml_unmap(p, *(size_t *)p);
}

/* ---------------------------------------------------------------- system calls */

/* Our own open and close: the exported hooks record and protect. */
static int sys_open(const char *path, int flags, int mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---------------------------------------------------------------- status */

/* One line to $MEMLEDGER_STATUS; errors here are not errors of the trace. */
static void status_line(const char *what, int err, const char *path)
{
	char line[PATH_MAX + 64];
	if (!status_path[0])
		return;
	int n = err ? snprintf(line, sizeof line, "%s %d %d %s\n", what, (int)getpid(), err, path)
	            : snprintf(line, sizeof line, "%s %d %s\n", what, (int)getpid(), path);
	if (n <= 0 || (size_t)n >= sizeof line)
		return;
	int fd = sys_open(status_path, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (write_all(fd, line, (size_t)n) < 0) {
		/* nothing to do: run falls back to looking at the files */
	}
	sys_close(fd);
}

/** A line for `memledger run` ($MEMLEDGER_STATUS): "WHAT PID [ERRNO] PATH". */
void ml_status_note(const char *what, int err, const char *path)
{
	status_line(what, err, path);
}

/* Stop tracing for good after an I/O error (disk full, ...): the program
 * must go on as if nothing happened; `run` is told why. */
static void sink_broken(int err, const char *path)
{
	if (!sink.err) {
		sink.err = err ? err : EIO;
		status_line("error", sink.err, path);
	}
	sink.closed = 1;
	atomic_store(&ml.recording, 0);
}

/* ---------------------------------------------------------------- the file */

static void set_trace_path(const char *p)
{
	size_t n = strnlen(p, sizeof ml.trace_path - 1);
	memcpy(ml.trace_path, p, n);
	ml.trace_path[n] = 0;
}

/* Create path exclusively; 0, or -1 with errno. */
static int create_one(const char *path)
{
	int fd = sys_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	set_trace_path(path);
	return fd;
}

/*
 * The trace's name: TRACE itself for the first process image of a run; a
 * forked child or an exec'd image gets STEM.PID.mlt (then STEM.PID.N.mlt),
 * so every file of a run shares the stem.
 */
static int create_trace(void)
{
	char cand[PATH_MAX + 64];
	const char *first = NULL;
	int fd = -1;
	if (!sink.is_child) {
		first = root_path;
		if ((fd = create_one(root_path)) >= 0 || errno != EEXIST)
			goto out;
	}
	for (int n = 0; n < 1000; n++) {
		if (n == 0)
			snprintf(cand, sizeof cand, "%s.%d.mlt", stem, (int)getpid());
		else
			snprintf(cand, sizeof cand, "%s.%d.%d.mlt", stem, (int)getpid(), n);
		if (!first)
			first = cand;
		if ((fd = create_one(cand)) >= 0 || errno != EEXIST)
			break;
	}
out:
	if (fd < 0)
		set_trace_path(first ? first : stem);
	return fd;
}

/* The header: magic, version, flags. */
static int write_header(int fd)
{
	uint8_t hdr[ML_HEADER_LEN];
	memcpy(hdr, ML_MAGIC, ML_MAGIC_LEN);
	uint32_t v = ML_VERSION, f = 0;
	memcpy(hdr + 8, &v, 4);
	memcpy(hdr + 12, &f, 4);
	return write_all(fd, hdr, sizeof hdr);
}

/*
 * A descriptor for the trace in the calling thread: the writer keeps its
 * own; a program thread opens one for the current batch (sink_batch_end
 * closes it). Creates the file on first use. -1 when the trace is broken.
 */
static int sink_fd_get(void)
{
	struct stat st;
	if (OWN_TABLE && sink.wfd >= 0)
		return sink.wfd;
	if (!OWN_TABLE && sink.sfd >= 0) {
		/* still ours? (closefrom() in another thread, then a reuse) */
		if (fstat(sink.sfd, &st) == 0 && st.st_dev == sink.dev && st.st_ino == sink.ino)
			return sink.sfd;
		sink.sfd = -1;
	}
	int fd;
	if (!sink.created) {
		fd = create_trace();
		if (fd < 0 && sink.soft && (errno == EMFILE || errno == ENFILE))
			return -2;  /* no number to spare here: the writer will create it */
		if (fd < 0 || write_header(fd) < 0) {
			int e = errno;
			if (fd >= 0)
				sys_close(fd);
			sink_broken(e, ml.trace_path);
			return -1;
		}
		sink.created = 1;
		status_line("trace", 0, ml.trace_path);
	} else {
		fd = sys_open(ml.trace_path, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
		if (fd < 0 && sink.soft && (errno == EMFILE || errno == ENFILE))
			return -2;
		if (fd < 0) {
			sink_broken(errno, ml.trace_path);
			return -1;
		}
	}
	if (OWN_TABLE) {
		sink.wfd = fd;
		return fd;
	}
	if (fstat(fd, &st) == 0) {
		sink.dev = st.st_dev;
		sink.ino = st.st_ino;
	}
	sink.sfd = fd;
	return fd;
}

/* The end of a batch of writes in a program thread: give the number back. */
static void sink_batch_end(void)
{
	if (!OWN_TABLE && sink.sfd >= 0) {
		sys_close(sink.sfd);
		sink.sfd = -1;
	}
}

static int sink_deflate(const void *data, size_t n, int flush)
{
	if (sink.closed || !sink.ready)
		return -1;
	sink.z.next_in = (Bytef *)(uintptr_t)data;
	sink.z.avail_in = (uInt)n;
	do {
		sink.z.next_out = sink.out;
		sink.z.avail_out = OUT_CAP;
		int rc = deflate(&sink.z, flush);
		if (rc == Z_STREAM_ERROR) {
			sink_broken(EIO, ml.trace_path);
			return -1;
		}
		size_t have = OUT_CAP - sink.z.avail_out;
		if (have) {
			int fd = sink_fd_get();
			if (fd < 0)
				return -1;
			if (write_all(fd, sink.out, have) < 0) {
				sink_broken(errno, ml.trace_path);
				return -1;
			}
		}
	} while (sink.z.avail_out == 0);
	sink.raw_bytes += n;
	return 0;
}

/*
 * How hard to compress the next events frame. A real program's records
 * repeat (the same call paths, sizes and address steps, a structure torn
 * down in allocation order), and LZ matching shrinks them 1.5 (gcc) to 30
 * (xmllint) times more than Huffman coding alone; a synthetic workload of
 * random sizes has no repeats, and LZ there costs 2.5 times the CPU for
 * under 1%. So:
 *  - LZ at level LZ_LEVEL while the writer keeps up, LZ_LEVEL_QUEUED when
 *    buffers start to queue, and Huffman-only when it has fallen behind
 *    (the program threads would soon wait for it) - unless LZ is
 *    shrinking the records more than LZ_FAST_RATIO, where level 1 emits
 *    so few symbols that it outruns Huffman coding (about 320 against
 *    160 MB/s on sqlite3's records here). Levels 1-3 match greedily and
 *    leave sqlite3's trace a third larger than level 6 does; level 8
 *    (longer hash chains) takes it 5% below level 6, for about twice the
 *    writer's CPU (45 against 85 MB/s, still far above what a program
 *    makes), so a loaded machine that delays the writer a little no
 *    longer costs the trace its size;
 *  - every PROBE_BYTES of records coded with LZ, what LZ wrote is held
 *    against what Huffman coding alone would have written, estimated as
 *    the columns' order-0 entropy (it predicts zlib's Huffman-only output
 *    within 5% here): above LZ_MAX_RATIO of it (LZ found little to match,
 *    as on the random benchmarks, 0.97-0.99), the next HUFF_BYTES are
 *    coded Huffman-only, then LZ is tried again. gcc's cc1 reads 0.57,
 *    sqlite3 0.08, xmllint 0.04.
 * Any mix inflates as one zlib stream, so readers need not know.
 */
#define LZ_LEVEL 8
#define LZ_LEVEL_QUEUED 6
#define LZ_QUEUE_FAST 128
#define LZ_QUEUE_BEHIND 256
#define PROBE_BYTES (256u * 1024)
#define HUFF_BYTES (32 << 20)
#define LZ_MAX_RATIO 0.8
#define LZ_FAST_RATIO 0.25

static void sink_set_params(int level, int strategy)
{
	if (sink.closed || !sink.ready || (level == sink.level && strategy == sink.strategy))
		return;
	/* End the current block first (with LZ, frames do not end theirs),
	 * so deflateParams has nothing of its own to flush. */
	if (sink_deflate(NULL, 0, Z_BLOCK) < 0)
		return;
	sink.z.next_in = Z_NULL;
	sink.z.avail_in = 0;
	sink.z.next_out = sink.out;
	sink.z.avail_out = OUT_CAP;
	int rc = deflateParams(&sink.z, level, strategy);
	size_t have = OUT_CAP - sink.z.avail_out;
	if (have) {
		int fd = sink_fd_get();
		if (fd < 0)
			return;
		if (write_all(fd, sink.out, have) < 0) {
			sink_broken(errno, ml.trace_path);
			return;
		}
	}
	if (rc == Z_OK) {
		sink.level = level;
		sink.strategy = strategy;
	}
}

static void sink_pick_params(void)
{
	int q = ml_queue_length();
	if (sink.huff_left > 0 || (q >= LZ_QUEUE_BEHIND && !sink.lz_pays)) {
		sink_set_params(1, Z_HUFFMAN_ONLY);
		return;
	}
	sink_set_params(q >= LZ_QUEUE_BEHIND ? 1 : q >= LZ_QUEUE_FAST ? LZ_LEVEL_QUEUED : LZ_LEVEL,
	                Z_DEFAULT_STRATEGY);
}

/* The order-0 entropy of n bytes, in bytes. Sink lock held: the counts
 * are static so that a program thread writing from a signal handler on a
 * small alternate stack needs no more stack than before. */
static double entropy_bytes(const uint8_t *p, size_t n)
{
	static uint32_t count[256];
	double bits = 0;
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		count[p[i]]++;
	for (int k = 0; k < 256; k++)
		if (count[k])
			bits += count[k] * __builtin_log2((double)n / count[k]);
	return bits / 8;
}

/* After an events frame coded with LZ: in and out bytes for the verdict. */
static void sink_probe(struct ml_buf *b, uint64_t in, uint64_t out)
{
	if (sink.strategy == Z_HUFFMAN_ONLY) {
		if (sink.huff_left > 0)
			sink.huff_left -= (int64_t)in;
		return;
	}
	sink.probe_in += in;
	sink.probe_out += out;
	for (int k = 0; k < 3; k++)
		sink.probe_h0 += entropy_bytes(ml_buf_col(b, k), b->clen[k]);
	if (sink.probe_in < PROBE_BYTES)
		return;
	if ((double)sink.probe_out > LZ_MAX_RATIO * sink.probe_h0)
		sink.huff_left = HUFF_BYTES;
	sink.lz_pays = (double)sink.probe_out < LZ_FAST_RATIO * (double)sink.probe_in;
	sink.probe_in = sink.probe_out = 0;
	sink.probe_h0 = 0;
}

/*
 * One frame: tag, length, payload. A meta payload is the buffer's bytes;
 * an events payload is thread idx, base seq, base tick and the three
 * column lengths, then the three columns (FORMAT.md).
 */
static void sink_frame(struct ml_buf *b)
{
	uint8_t sub[64], hdr[80];
	uint8_t *q = sub, *p = hdr;
	size_t len;
	if (b->frame == ML_FRAME_EVENTS) {
		q = ml_put_varint(q, b->thread_idx);
		q = ml_put_varint(q, b->base_seq);
		q = ml_put_varint(q, b->base_tick);
		for (int k = 0; k < 3; k++)
			q = ml_put_varint(q, b->clen[k]);
		len = (size_t)b->clen[0] + b->clen[1] + b->clen[2];
	} else {
		len = b->len;
	}
	*p++ = (uint8_t)b->frame;
	p = ml_put_varint(p, (uint64_t)(q - sub) + len);
	memcpy(p, sub, (size_t)(q - sub));
	p += q - sub;
	if (b->frame == ML_FRAME_EVENTS)
		sink_pick_params();
	if (sink_deflate(hdr, (size_t)(p - hdr), Z_NO_FLUSH) < 0)
		return;
	if (b->frame != ML_FRAME_EVENTS) {
		sink_deflate(b->data, len, Z_NO_FLUSH);
		return;
	}
	/* Coded with Huffman alone, each column ends its deflate block, so
	 * each gets codes of its own: sizes, addresses and operations have
	 * different statistics. With LZ, deflate picks the block ends itself:
	 * three code tables per frame would cost sqlite3's trace 4%. */
	int flush = sink.strategy == Z_HUFFMAN_ONLY ? Z_BLOCK : Z_NO_FLUSH;
	uint64_t out0 = sink.z.total_out;
	for (int k = 0; k < 3; k++)
		if (b->clen[k] && sink_deflate(ml_buf_col(b, k), b->clen[k], flush) < 0)
			return;
	sink_probe(b, len, sink.z.total_out - out0);
}

static int buf_empty(const struct ml_buf *b)
{
	return b->frame == ML_FRAME_EVENTS ? !(b->clen[0] | b->clen[1] | b->clen[2]) : !b->len;
}

static void rss_serve(void);

/* Write every queued buffer, in order. Sink lock held by the caller. The
 * writer answers RSS requests between frames, so a long queue does not
 * hold up a snapshot. */
static void sink_write_queue(void)
{
	struct ml_buf *b;
	while ((b = ml_queue_pop())) {
		if (!buf_empty(b))
			sink_frame(b);
		ml_buf_put(b);
		if (in_writer)
			rss_serve();
	}
}

/* No writer thread: the calling program thread writes what is queued. */
void ml_write_queued(void)
{
	ml_lock(&sink.lock);
	if (sink.ready && !sink.closed)
		sink_write_queue();
	sink_batch_end();
	ml_unlock(&sink.lock);
}

/* ---------------------------------------------------------------- opening */

/* STEM and TRACE from $MEMLEDGER_TRACE (or memledger.PROG.PID.mlt in the
 * current directory), made absolute so a program that changes directory
 * still writes where the user asked. */
static void names_init(void)
{
	const char *env = getenv("MEMLEDGER_TRACE");
	const char *st = getenv("MEMLEDGER_STATUS");
	char cwd[PATH_MAX] = ".";
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	if (env && *env) {
		if (env[0] == '/')
			snprintf(root_path, sizeof root_path, "%s", env);
		else
			snprintf(root_path, sizeof root_path, "%s/%s", cwd, env);
	} else {
		char exe[PATH_MAX] = "prog";
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0)
			exe[n] = 0;
		const char *base = strrchr(exe, '/');
		snprintf(root_path, sizeof root_path, "%s/memledger.%s.%d.mlt", cwd,
		         base ? base + 1 : exe, (int)getpid());
	}
	snprintf(stem, sizeof stem, "%s", root_path);
	size_t l = strlen(stem);
	if (l > 4 && !strcmp(stem + l - 4, ".mlt"))
		stem[l - 4] = 0;
	snprintf(status_path, sizeof status_path, "%s", st && *st == '/' ? st : "");
}

/**
 * Start a new trace for this process image (is_child: a forked child,
 * named STEM.PID.mlt). Nothing touches the disk yet: the writer creates
 * the file. 0, or -1 when the stream cannot be set up.
 */
int ml_sink_open_as(int is_child)
{
	if (!stem[0])
		names_init();
	if (!sink.out && !(sink.out = ml_map(OUT_CAP)))
		return -1;
	memset(&sink.z, 0, sizeof sink.z);
	sink.z.zalloc = z_alloc;
	sink.z.zfree = z_free;
	/* LZ from the start: the meta records written before the first
	 * events frame (a real program's call stacks, 35 KB on sqlite3)
	 * repeat their outer frames, which Huffman coding alone cannot use. */
	if (deflateInit2(&sink.z, LZ_LEVEL, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	sink.level = LZ_LEVEL;
	sink.strategy = Z_DEFAULT_STRATEGY;
	sink.huff_left = 0;
	sink.probe_in = sink.probe_out = 0;
	sink.probe_h0 = 0;
	sink.lz_pays = 0;
	set_trace_path(is_child ? stem : root_path);
	sink.is_child = is_child;
	sink.created = 0;
	sink.closed = 0;
	sink.err = 0;
	sink.ready = 1;
	sink.raw_bytes = 0;
	return 0;
}

int ml_sink_open(void)
{
	return ml_sink_open_as(0);
}

/** The descriptor a program thread holds open for the trace right now, or -1. */
int ml_sink_fd(void)
{
	return sink.sfd;
}

/** In a forked child: forget the parent's stream and its writer. The
 * writer's descriptor lived in the writer's own table, which the child
 * does not have: its number may be one of the program's. */
void ml_sink_reset_for_child(void)
{
	if (sink.ready)
		deflateEnd(&sink.z);
	sink.wfd = -1;
	if (sink.sfd >= 0)
		sys_close(sink.sfd);
	sink.sfd = -1;
	sink.ready = 0;
	sink.closed = 0;
	sink.created = 0;
	sink.err = 0;
	atomic_store(&writer_running, 0);
	atomic_store(&writer_stop, 0);
	atomic_store(&flush_ticket, 0);
	atomic_store(&flush_done, 0);
	atomic_store(&flush_final, 0);
	atomic_store(&flush_finished, 0);
	atomic_store(&writer_tid, 0);
}

void ml_sink_lock(void)
{
	ml_lock(&sink.lock);
}

void ml_sink_unlock(void)
{
	ml_unlock(&sink.lock);
}

/* ---------------------------------------------------------------- flushing */

/* A thread's partial buffer, copied out as a frame without taking it from
 * its owner (used only at the very end, when the owner records no more). */
static void sink_partial(struct ml_thread *t, void *arg)
{
	(void)arg;
	struct ml_buf *b = atomic_load_explicit(&t->buf, memory_order_acquire);
	uint64_t commit = atomic_load_explicit(&t->commit, memory_order_acquire);
	if (!b || !commit)
		return;
	ml_buf_seal(b, commit);
	sink_frame(b);
	/* The owner may run on after the final flush; let it take the slow
	 * path (where it stops, recording being over) rather than write
	 * these records twice. */
	atomic_store_explicit(&t->lim0, NULL, memory_order_relaxed);
}

/* Everything queued, then a sync point (final: the end of the stream).
 * Sink lock held. */
static void sink_flush_locked(int final)
{
	if (final)
		ml_control_close();  /* unlinks the socket's path: safe from any thread */
	if (sink.ready && !sink.closed) {
		sink_write_queue();
		if (final)
			ml_threads_foreach_unlocked(sink_partial, NULL);
		sink_deflate(NULL, 0, final ? Z_FINISH : Z_SYNC_FLUSH);
		if (final) {
			sink.closed = 1;
			deflateEnd(&sink.z);
		}
	}
	sink_batch_end();
}

/*
 * Hand a flush to the writer and wait for it; 0 when it was served.
 * Tickets order requests against what they must cover: the caller's
 * records are in the queues before it takes its ticket, and the writer
 * reads the ticket before it starts writing.
 */
static int flush_by_writer(int final)
{
	if (!atomic_load(&writer_running) || in_writer || ml_tls.in_signal)
		return -1;
	if (final)
		atomic_store(&flush_final, 1);
	int ticket = atomic_fetch_add(&flush_ticket, 1) + 1;
	atomic_fetch_add(&writer_word, 1);
	ml_futex_wake(&writer_word);
	for (;;) {
		int done = atomic_load(&flush_done);
		if (done - ticket >= 0 || atomic_load(&flush_finished))
			return 0;
		if (!atomic_load(&writer_running))
			return -1;
		ml_futex_wait(&flush_done, done, 10 * 1000 * 1000);
	}
}

/**
 * Write what is recorded so far from the calling thread, before the
 * writer runs, so that a process killed at once leaves a trace that
 * loads. If the program's descriptor table is full, leave it to the
 * writer, which has a table of its own.
 */
void ml_flush_early(void)
{
	ml_meta_flush();
	ml_lock(&sink.lock);
	sink.soft = 1;
	if (sink.ready && !sink.closed && sink_fd_get() >= 0)
		sink_flush_locked(0);
	sink.soft = 0;
	sink_batch_end();
	ml_unlock(&sink.lock);
}

void ml_flush_all(int final)
{
	if (flush_by_writer(final) == 0)
		return;
	ml_meta_flush_try();
	/* Bounded: a writer mid-frame finishes within milliseconds; a lock
	 * that stays held means the tracer itself crashed while holding it. */
	if (!ml_trylock_spin(&sink.lock, 2000000))
		return;
	sink_flush_locked(final);
	ml_unlock(&sink.lock);
}

/** errno of the failure that stopped the trace, 0 if none. */
int ml_sink_error(void)
{
	return sink.err;
}

/* ---------------------------------------------------------------- writer thread */

int ml_writer_running(void)
{
	return atomic_load_explicit(&writer_running, memory_order_relaxed);
}

void ml_writer_wake(void)
{
	if (atomic_load(&writer_waiting)) {
		atomic_fetch_add(&writer_word, 1);
		ml_futex_wake(&writer_word);
	}
}

static void drain_one(struct ml_thread *t, void *arg)
{
	(void)arg;
	if (!t->exited)
		atomic_store_explicit(&t->lim0, NULL, memory_order_relaxed);
}

void ml_drain_request(void)
{
	ml_threads_foreach_unlocked(drain_one, NULL);
}

/*
 * A descriptor table and filesystem context of the writer's own, holding
 * nothing of the program's (so a pipe the program closes really closes).
 * If the kernel refuses, the writer shares the program's table and opens
 * the trace only for each batch, like a program thread.
 */
static int writer_own_table(void)
{
	if (syscall(SYS_close_range, 0U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
		if (syscall(SYS_unshare, CLONE_FILES) != 0)
			return -1;
		if (syscall(SYS_close_range, 0U, ~0U, 0U) != 0)
			return -1;  /* a private table holding copies: harmless but wasteful; rare */
	}
	/* Our own cwd and root: the program's setns() into a mount namespace
	 * needs its filesystem context unshared, and its chdir() and chroot()
	 * must not move the trace. */
	syscall(SYS_unshare, CLONE_FS);
	return 0;
}

/* RSS requests (ml_writer_rss): tickets as for flushes. */
static atomic_int rss_ticket, rss_done;
static atomic_ullong rss_value;

int ml_writer_rss(uint64_t *rss)
{
	if (!atomic_load(&writer_running) || !writer_private || in_writer || ml_tls.in_signal)
		return -1;
	int ticket = atomic_fetch_add(&rss_ticket, 1) + 1;
	atomic_fetch_add(&writer_word, 1);
	ml_futex_wake(&writer_word);
	for (int waits = 0; waits < 20; waits++) {
		int done = atomic_load(&rss_done);
		if (done - ticket >= 0) {
			*rss = atomic_load(&rss_value);
			return 0;
		}
		if (!atomic_load(&writer_running))
			return -1;
		ml_futex_wait(&rss_done, done, 10 * 1000 * 1000);
	}
	return -1;
}

static void rss_serve(void)
{
	int ticket = atomic_load(&rss_ticket);
	if (ticket == atomic_load(&rss_done))
		return;
	atomic_store(&rss_value, ml_statm_rss());
	atomic_store(&rss_done, ticket);
	syscall(SYS_futex, &rss_done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Serve flush requests up to `ticket`: write everything, sync (or
 * finish), wake the waiters. */
static void writer_serve(int ticket, int final)
{
	ml_meta_flush();
	ml_lock(&sink.lock);
	sink_flush_locked(final);
	ml_unlock(&sink.lock);
	if (final)
		atomic_store(&flush_finished, 1);
	atomic_store(&flush_done, ticket);
	syscall(SYS_futex, &flush_done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *writer_main(void *arg)
{
	(void)arg;
	ml_guard_enter();     /* this thread never records */
	ml_tls.internal = 1;  /* and what it allocates is the tracer's */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "memledger", 0, 0, 0);
	atomic_store(&writer_tid, (int)syscall(SYS_gettid));
	in_writer = 1;
	writer_private = writer_own_table() == 0;
	/* the program's thread waits for this (see ml_writer_start) */
	atomic_store(&writer_setup, 1);
	syscall(SYS_futex, &writer_setup, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);

	/* Create the file now and write what is recorded so far (the process
	 * record, its modules, the start snapshot), so that a process killed
	 * at once still leaves a trace that loads. */
	ml_meta_flush();
	ml_lock(&sink.lock);
	sink_flush_locked(0);
	ml_unlock(&sink.lock);

	int64_t next = ml_mono_ns() + ml.interval_ns;
	for (;;) {
		int seq = atomic_load(&writer_word);
		rss_serve();
		int ticket = atomic_load(&flush_ticket);
		if (ticket != atomic_load(&flush_done)) {
			int final = atomic_exchange(&flush_final, 0);
			writer_serve(ticket, final);
			if (final)
				break;
			continue;
		}
		if (atomic_load(&writer_stop)) {
			writer_serve(ticket, 0);
			break;
		}
		atomic_store(&writer_waiting, 1);
		int64_t now = ml_mono_ns();
		if (ml_queue_length() == 0 && now < next)
			ml_futex_wait(&writer_word, seq, (long)(next - now));
		atomic_store(&writer_waiting, 0);
		now = ml_mono_ns();
		int round = now >= next;
		if (round && !atomic_load(&ml.finished)) {
			atomic_fetch_add_explicit(&ml.round, 1, memory_order_relaxed);
			if (ml_active())
				ml_snapshot(ML_SNAP_SAMPLE, "sample", ML_SNAP_BY_WRITER, NULL);
			ml_control_poll();  /* memledger snapshot PID, --snapshot-every */
			ml_drain_request();
			ml_threads_reap();
			ml_meta_flush();
		}
		if (round) {
			next += ml.interval_ns;
			if (next < now)
				next = now + ml.interval_ns;
		}
		ml_lock(&sink.lock);
		if (sink.ready && !sink.closed) {
			sink_write_queue();
			if (round)
				sink_deflate(NULL, 0, Z_SYNC_FLUSH);
		}
		sink_batch_end();
		ml_unlock(&sink.lock);
	}
	ml_lock(&sink.lock);
	if (OWN_TABLE && sink.wfd >= 0)
		sys_close(sink.wfd);
	sink.wfd = -1;
	ml_unlock(&sink.lock);
	in_writer = 0;
	writer_private = 0;
	atomic_store(&writer_running, 0);
	syscall(SYS_futex, &flush_done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	syscall(SYS_futex, &rss_done, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	return NULL;
}

int ml_writer_start(void)
{
	if (atomic_load(&writer_running) || ml.interval_ns <= 0)
		return 0;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ml_guard_enter();
	atomic_store(&writer_stop, 0);
	atomic_store(&writer_setup, 0);
	atomic_store(&writer_running, 1);
	int rc;
	ML_INTERNAL(rc = ml_real_pthread_create(&writer_th, &attr, writer_main, NULL));
	ml_guard_leave();
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		atomic_store(&writer_running, 0);
		return -1;
	}
	/* Until the writer has a filesystem context of its own, the program's
	 * setns() into a mount namespace would fail: wait for it (bounded). */
	for (int i = 0; i < 100 && !atomic_load(&writer_setup); i++)
		ml_futex_wait(&writer_setup, 0, 10 * 1000 * 1000);
	return 0;
}

/**
 * Stop the writer and wait until the kernel no longer counts its thread,
 * for calls that need a single-threaded process (unshare(CLONE_NEWUSER),
 * setns into a user namespace). Everything queued is written first.
 * Returns 1 if a writer was stopped (ml_writer_start brings it back).
 */
int ml_writer_stop(void)
{
	if (!atomic_load(&writer_running) || in_writer)
		return 0;
	atomic_store(&writer_stop, 1);
	atomic_fetch_add(&writer_word, 1);
	ml_futex_wake(&writer_word);
	static int (*join)(pthread_t, void **);
	if (!join)
		join = (int (*)(pthread_t, void **))ml_dlsym_next("pthread_join");
	int rc = join ? join(writer_th, NULL) : -1;
	/* pthread_join returns when the thread's tid is cleared, a little
	 * before the kernel takes it out of the thread group. */
	int tid = atomic_load(&writer_tid);
	for (int i = 0; rc == 0 && tid > 0 && i < 100000; i++) {
		if (syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH)
			break;
		sched_yield();
	}
	atomic_store(&writer_stop, 0);
	return rc == 0;
}

/** Move the trace to another descriptor number (the program wants ours). */
int ml_sink_move_fd(void)
{
	ml_lock(&sink.lock);
	int rc = -1;
	if (sink.sfd >= 0) {
		int nfd = (int)syscall(SYS_fcntl, sink.sfd, F_DUPFD_CLOEXEC, sink.sfd + 1);
		if (nfd >= 0) {
			sys_close(sink.sfd);
			sink.sfd = nfd;
			rc = 0;
		}
	}
	ml_unlock(&sink.lock);
	return rc;
}

/** Is fd the trace's descriptor in a program thread right now (not a reused number)? */
int ml_sink_owns_fd(int fd)
{
	struct stat st;
	return fd >= 0 && fd == sink.sfd && fstat(fd, &st) == 0 && st.st_dev == sink.dev &&
	       st.st_ino == sink.ino;
}
