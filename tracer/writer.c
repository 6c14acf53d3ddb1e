/*
 * writer.c - the trace file: opening it, deflating frames into it, and
 * the writer thread that does so in the background.
 *
 * One zlib stream (level 1) carries every frame. The writer flushes it
 * with Z_SYNC_FLUSH at every sampling round, so a process killed at any
 * moment leaves a file whose prefix inflates to whole frames, at most one
 * interval behind. A normal end uses Z_FINISH.
 *
 * The writer thread also takes the periodic samples, and asks every
 * thread to hand over its partial buffer, so idle threads do not hold
 * records back for long.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include "tracer/control.h"
#include "tracer/tracer.h"

#define OUT_CAP (256u * 1024)

static struct {
	ml_lock_t lock;
	int fd;
	dev_t dev;        /* what fd must still be: a program that closed */
	ino_t ino;        /* every descriptor may have reused its number */
	int ready;        /* header written, deflate initialised */
	int closed;       /* Z_FINISH written: nothing more goes in */
	z_stream z;
	uint8_t *out;
	uint64_t raw_bytes;
} sink = { .fd = -1 };

static atomic_int writer_running;
static atomic_int writer_word;
static atomic_int writer_waiting;

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

/* ---------------------------------------------------------------- output */

/* Our own close: the exported close() protects the trace's descriptor. */
static int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/*
 * Make sure sink.fd is still the trace file. A program can close every
 * descriptor behind the tracer's back (closefrom() calls the close_range
 * system call directly) and then reuse the number: writing there would
 * corrupt the program's own file. If it is no longer ours, reopen the
 * trace by path, appending, and leave that number to the program.
 */
static int sink_check_fd(void)
{
	struct stat st;
	if (fstat(sink.fd, &st) == 0 && st.st_dev == sink.dev && st.st_ino == sink.ino)
		return 0;
	int fd = open(ml.trace_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
	if (high >= 0) {
		sys_close(fd);
		fd = high;
	}
	if (fstat(fd, &st) != 0) {
		sys_close(fd);
		return -1;
	}
	sink.fd = fd;
	sink.dev = st.st_dev;
	sink.ino = st.st_ino;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Stop tracing for good after an I/O error (disk full, ...): the program
 * must go on as if nothing happened. */
static void sink_broken(void)
{
	sink.closed = 1;
	atomic_store(&ml.recording, 0);
}

static int sink_deflate(const void *data, size_t n, int flush)
{
	if (sink.closed)
		return -1;
	sink.z.next_in = (Bytef *)(uintptr_t)data;
	sink.z.avail_in = (uInt)n;
	do {
		sink.z.next_out = sink.out;
		sink.z.avail_out = OUT_CAP;
		int rc = deflate(&sink.z, flush);
		if (rc == Z_STREAM_ERROR) {
			sink_broken();
			return -1;
		}
		size_t have = OUT_CAP - sink.z.avail_out;
		if (have && (sink_check_fd() < 0 || write_all(sink.fd, sink.out, have) < 0)) {
			sink_broken();
			return -1;
		}
	} while (sink.z.avail_out == 0);
	sink.raw_bytes += n;
	return 0;
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
	if (sink_deflate(hdr, (size_t)(p - hdr), Z_NO_FLUSH) < 0)
		return;
	if (b->frame != ML_FRAME_EVENTS) {
		sink_deflate(b->data, len, Z_NO_FLUSH);
		return;
	}
	/* Each column ends its deflate block, so each gets Huffman codes of
	 * its own: sizes, addresses and operations have different statistics. */
	for (int k = 0; k < 3; k++)
		if (b->clen[k] && sink_deflate(ml_buf_col(b, k), b->clen[k], Z_BLOCK) < 0)
			return;
}

static int buf_empty(const struct ml_buf *b)
{
	return b->frame == ML_FRAME_EVENTS ? !(b->clen[0] | b->clen[1] | b->clen[2]) : !b->len;
}

/* Write every queued buffer, in order. Sink lock held by the caller. */
static void sink_write_queue(void)
{
	struct ml_buf *b;
	while ((b = ml_queue_pop())) {
		if (!buf_empty(b))
			sink_frame(b);
		ml_buf_put(b);
	}
}

void ml_write_queued(void)
{
	ml_lock(&sink.lock);
	if (sink.ready)
		sink_write_queue();
	ml_unlock(&sink.lock);
}

/* ---------------------------------------------------------------- opening */

/* Create path exclusively and move the descriptor out of the program's
 * way: a high number, close-on-exec. */
static int try_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
	if (high >= 0) {
		sys_close(fd);
		fd = high;
	}
	snprintf(ml.trace_path, sizeof ml.trace_path, "%s", path);
	return fd;
}

/* The trace's path: $MEMLEDGER_TRACE for the first process image of a
 * run; a forked child or an exec'd image gets STEM.PID.mlt (then
 * STEM.PID.N.mlt), so every file of a run shares the stem. */
static int open_trace(int is_child)
{
	static char stem[PATH_MAX];
	char cand[PATH_MAX + 64];
	if (!stem[0]) {
		const char *env = getenv("MEMLEDGER_TRACE");
		char cwd[PATH_MAX] = ".";
		if (!getcwd(cwd, sizeof cwd))
			strcpy(cwd, ".");
		if (env && *env) {
			if (env[0] == '/')
				snprintf(stem, sizeof stem, "%s", env);
			else
				snprintf(stem, sizeof stem, "%s/%s", cwd, env);
		} else {
			char exe[PATH_MAX] = "prog";
			ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
			if (n > 0)
				exe[n] = 0;
			const char *base = strrchr(exe, '/');
			snprintf(stem, sizeof stem, "%s/memledger.%s.%d.mlt", cwd,
			         base ? base + 1 : exe, (int)getpid());
		}
		size_t l = strlen(stem);
		if (l > 4 && !strcmp(stem + l - 4, ".mlt"))
			stem[l - 4] = 0;
	}
	if (!is_child) {
		snprintf(cand, sizeof cand, "%s.mlt", stem);
		int fd = try_open(cand);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	for (int n = 0; n < 1000; n++) {
		if (n == 0)
			snprintf(cand, sizeof cand, "%s.%d.mlt", stem, (int)getpid());
		else
			snprintf(cand, sizeof cand, "%s.%d.%d.mlt", stem, (int)getpid(), n);
		int fd = try_open(cand);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/** Open a new trace (a forked child passes is_child=1) and write its header. */
int ml_sink_open_as(int is_child)
{
	int fd = open_trace(is_child);
	if (fd < 0)
		return -1;
	if (!sink.out && !(sink.out = ml_map(OUT_CAP))) {
		sys_close(fd);
		return -1;
	}
	memset(&sink.z, 0, sizeof sink.z);
	sink.z.zalloc = z_alloc;
	sink.z.zfree = z_free;
	if (deflateInit2(&sink.z, 1, Z_DEFLATED, 15, 8, Z_HUFFMAN_ONLY) != Z_OK) {
		sys_close(fd);
		return -1;
	}
	uint8_t hdr[ML_HEADER_LEN];
	memcpy(hdr, ML_MAGIC, ML_MAGIC_LEN);
	uint32_t v = ML_VERSION, f = 0;
	memcpy(hdr + 8, &v, 4);
	memcpy(hdr + 12, &f, 4);
	if (write_all(fd, hdr, sizeof hdr) < 0) {
		deflateEnd(&sink.z);
		sys_close(fd);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0) {
		sink.dev = st.st_dev;
		sink.ino = st.st_ino;
	}
	sink.fd = fd;
	sink.closed = 0;
	sink.ready = 1;
	sink.raw_bytes = 0;
	return 0;
}

int ml_sink_open(void)
{
	return ml_sink_open_as(0);
}

int ml_sink_fd(void)
{
	return sink.fd;
}

/** In a forked child: forget the parent's stream without touching its file. */
void ml_sink_reset_for_child(void)
{
	if (sink.ready)
		deflateEnd(&sink.z);
	if (sink.fd >= 0)
		sys_close(sink.fd);
	sink.fd = -1;
	sink.ready = 0;
	sink.closed = 0;
	atomic_store(&writer_running, 0);
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


void ml_flush_all(int final)
{
	if (final)
		ml_control_close();
	ml_meta_flush_try();
	/* Bounded: a writer mid-frame finishes within milliseconds; a lock
	 * that stays held means the tracer itself crashed while holding it. */
	if (!ml_trylock_spin(&sink.lock, 2000000))
		return;
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
	ml_unlock(&sink.lock);
}

/* ---------------------------------------------------------------- writer thread */

ML_HIDDEN int ml_writer_running(void)
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


static void *writer_main(void *arg)
{
	(void)arg;
	ml_tls.guard = 1;     /* this thread never records */
	ml_tls.internal = 1;  /* and what it allocates is the tracer's */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "memledger", 0, 0, 0);

	int64_t next = ml_mono_ns() + ml.interval_ns;
	while (!atomic_load(&ml.finished)) {
		int seq = atomic_load(&writer_word);
		atomic_store(&writer_waiting, 1);
		int64_t now = ml_mono_ns();
		if (ml_queue_length() == 0 && now < next)
			ml_futex_wait(&writer_word, seq, (long)(next - now));
		atomic_store(&writer_waiting, 0);
		if (atomic_load(&ml.finished))
			break;
		now = ml_mono_ns();
		int round = now >= next;
		if (round) {
			atomic_fetch_add_explicit(&ml.round, 1, memory_order_relaxed);
			if (ml_active())
				ml_snapshot(ML_SNAP_SAMPLE, "sample", ML_SNAP_BY_WRITER, NULL);
			ml_control_poll();  /* memledger snapshot PID, --snapshot-every */
			ml_drain_request();
			ml_threads_reap();
			ml_meta_flush();
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
		ml_unlock(&sink.lock);
	}
	atomic_store(&writer_running, 0);
	return NULL;
}

int ml_writer_start(void)
{
	if (atomic_load(&writer_running) || ml.interval_ns <= 0)
		return 0;
	pthread_attr_t attr;
	pthread_t th;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ml_tls.guard++;
	atomic_store(&writer_running, 1);
	int rc;
	ML_INTERNAL(rc = ml_real_pthread_create(&th, &attr, writer_main, NULL));
	ml_tls.guard--;
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		atomic_store(&writer_running, 0);
		return -1;
	}
	return 0;
}

/** Move the trace to another descriptor number (the program wants ours). */
int ml_sink_move_fd(void)
{
	ml_lock(&sink.lock);
	int rc = -1;
	if (sink.fd >= 0 && sink_check_fd() == 0) {
		int nfd = fcntl(sink.fd, F_DUPFD_CLOEXEC, sink.fd + 1);
		if (nfd >= 0) {
			sys_close(sink.fd);
			sink.fd = nfd;
			rc = 0;
		}
	}
	ml_unlock(&sink.lock);
	return rc;
}

/** Is fd the trace file's descriptor right now (not a reused number)? */
int ml_sink_owns_fd(int fd)
{
	struct stat st;
	return fd >= 0 && fd == sink.fd && fstat(fd, &st) == 0 && st.st_dev == sink.dev &&
	       st.st_ino == sink.ino;
}
