/*
 * fuzz_decode.c - libFuzzer target: one input through the whole trace
 * decoder and ingest (both passes, symbols, derived tables, checklist)
 * into a fresh in-memory SQLite database, then through `memledger stats`
 * twice: on the trace itself (stats_print_trace, which reads only the
 * meta records) and on the database it loaded into (stats_print_db). The
 * stats blocks go to /dev/null; the formatter's arithmetic on hostile
 * counters is what is under test.
 *
 * The first input byte picks how the rest becomes a trace file:
 *   byte % 3 == 0  raw: the rest is the file, header and deflate included.
 *   byte % 3 == 1  payload: the rest is a decompressed frame stream; the
 *                  target writes a valid header and deflates it with
 *                  Z_FINISH, so mutations reach frames and records
 *                  instead of dying in inflate.
 *   byte % 3 == 2  payload, sync-flushed but never finished: the file
 *                  stops mid-stream, as a killed process leaves it
 *                  (the truncated-trace path).
 * (byte / 3) % 3 picks ingest's allocations mode (enum alloc_rows: live,
 * all, none), so every mode's bookkeeping meets hostile traces.
 * Seeds for each mode are under tests/fuzz/corpus/ (make_corpus.sh).
 *
 * The trace goes into a memfd opened by path (/proc/self/fd/N), so
 * nothing touches the disk and every call cleans up after itself.
 *
 * A long run: traces that name libc spend most of their time inflating
 * its separate debug info (libc6-dbg); hiding /usr/lib/debug in a private
 * mount namespace makes a run about 10x faster and still reaches our
 * DWARF code through the test programs' own debug info:
 *
 *	make fuzz FUZZ_SECONDS=1    (builds build/fuzz/fuzz_decode)
 *	unshare -m sh -c 'mount -t tmpfs none /usr/lib/debug &&
 *	  build/fuzz/fuzz_decode -runs=1000000 -dict=tests/fuzz/fuzz_decode.dict
 *	  -close_fd_mask=3 -artifact_prefix=build/fuzz/ build/fuzz/corpus'
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/cli.h"
#include "format/trace.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MODE_RAW, MODE_PAYLOAD, MODE_PAYLOAD_CUT, MODE_COUNT };

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Header, then payload deflated at level 1 as the tracer does; `finish`
 * ends the stream, otherwise it is only sync-flushed. */
static int write_wrapped(int fd, const uint8_t *payload, size_t n, int finish)
{
	uint8_t hdr[ML_HEADER_LEN];
	uint32_t version = ML_VERSION, flags = 0;
	memcpy(hdr, ML_MAGIC, ML_MAGIC_LEN);
	memcpy(hdr + 8, &version, 4);
	memcpy(hdr + 12, &flags, 4);
	if (write_all(fd, hdr, sizeof hdr) < 0)
		return -1;
	uLong cap = deflateBound(NULL, (uLong)n) + 64;
	uint8_t *out = malloc(cap);
	if (!out)
		return -1;
	z_stream z;
	memset(&z, 0, sizeof z);
	int rc = -1;
	if (deflateInit(&z, 1) != Z_OK)
		goto out_free;
	z.next_in = (Bytef *)(uintptr_t)payload;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int zr = deflate(&z, finish ? Z_FINISH : Z_SYNC_FLUSH);
	if ((finish && zr != Z_STREAM_END) || (!finish && zr != Z_OK))
		goto out_end;
	rc = write_all(fd, out, cap - z.avail_out);
out_end:
	deflateEnd(&z);
out_free:
	free(out);
	return rc;
}

/* A fresh database with the schema, as ingest_open() makes it, without
 * parsing the schema's SQL for every input (that took a third of the
 * time): the first one is made by ingest_open() and serialized, each
 * input gets a copy. Nothing of one input reaches the next. */
static int fresh_db(struct ingest *ig)
{
	static unsigned char *image;
	static sqlite3_int64 image_len;
	char err[1024];
	if (!image) {
		struct ingest first;
		if (ingest_open(&first, ":memory:", err, sizeof err) < 0) {
			fprintf(stderr, "fuzz_decode: ingest_open: %s\n", err);
			abort();
		}
		image = sqlite3_serialize(first.db, "main", &image_len, 0);
		ingest_close(&first);
		if (!image)
			abort();
	}
	memset(ig, 0, sizeof *ig);
	unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)image_len);
	if (!copy)
		abort();
	memcpy(copy, image, (size_t)image_len);
	if (sqlite3_open(":memory:", &ig->db) != SQLITE_OK ||
	    sqlite3_deserialize(ig->db, "main", copy, image_len, image_len,
	                        SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % MODE_COUNT;
	int rows = data[0] / MODE_COUNT % 3;   /* the allocations mode: live, all, none */
	data++;
	size--;

	int fd = memfd_create("fuzz_decode.mlt", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	int wr = mode == MODE_RAW ? write_all(fd, data, size)
	                          : write_wrapped(fd, data, size, mode == MODE_PAYLOAD);
	if (wr < 0) {
		perror("fuzz_decode: writing the trace");
		abort();
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	struct ingest ig;
	struct ingest_stats st;
	struct ingest_opts o = { .allocations = rows };
	char err[1024];
	fresh_db(&ig);
	err[0] = 0;
	int rc = ingest_trace(&ig, path, &o, &st, err, sizeof err);
	/* The contract: an error always comes with one line of reason. */
	if (rc < 0 && (!err[0] || strchr(err, '\n'))) {
		fprintf(stderr, "fuzz_decode: ingest failed without a one-line reason: '%s'\n", err);
		abort();
	}
	if (rc == 0 && !st.end_reason) {
		fprintf(stderr, "fuzz_decode: a loaded trace has no end reason\n");
		abort();
	}

	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w"))) {
		perror("fuzz_decode: /dev/null");
		abort();
	}
	err[0] = 0;
	if (stats_print_trace(devnull, path, 1, err, sizeof err) < 0 && (!err[0] || strchr(err, '\n'))) {
		fprintf(stderr, "fuzz_decode: stats of the trace failed without a one-line reason: '%s'\n", err);
		abort();
	}
	if (rc == 0 && stats_print_db(devnull, ig.db, 1, -1, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_decode: stats of a loaded trace failed: '%s'\n", err);
		abort();
	}
	ingest_close(&ig);
	close(fd);
	return 0;
}
