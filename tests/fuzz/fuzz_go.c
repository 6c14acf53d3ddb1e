/*
 * fuzz_go.c - libFuzzer target: one input through the Go readers
 * (ingest/go_run.h) and, when it reads, the whole Go ingest into a fresh
 * in-memory database (timeline, rows, checklist).
 *
 * The first byte picks the reader, so mutations reach each one directly:
 *   % 6 == 0  sniff by content (as `memledger ingest` does)
 *   % 6 == 1  MemStats JSON lines      % 6 == 2  gctrace log
 *   % 6 == 3  pprof heap profile       % 6 == 4  goroutine dump
 *   % 6 == 5  Go run trace (memledger run's)
 * Seeds are tests/fuzz/corpus/go-* (make_corpus.sh builds them from
 * tests/go/data); every target replays the whole corpus in `make test`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/db.h"
#include "ingest/go_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const char embedded_ingest_schema_sql[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 6;
	data++, size--;
	/* the text readers see a NUL-terminated copy, as ingest gives them */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	sqlite3 *db = NULL;
	char err[512];
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    db_exec(db, embedded_ingest_schema_sql, err, sizeof err) < 0)
		goto out;
	struct go_run r = GO_RUN_INIT;
	int rc;
	switch (mode) {
	case 1: rc = go_memstats_read(&r, db, buf, size, err, sizeof err); break;
	case 2: rc = go_gctrace_read(&r, buf, size, err, sizeof err); break;
	case 3: rc = go_pprof_read(&r, (const uint8_t *)buf, size, 0, err, sizeof err); break;
	case 4: rc = go_goroutines_read(&r, buf, size, 0, 1, err, sizeof err); break;
	case 5: rc = go_bundle_read(&r, db, (const uint8_t *)buf, size, err, sizeof err); break;
	default: rc = go_read(&r, db, (const uint8_t *)buf, size, err, sizeof err); break;
	}
	if (rc == 0 && go_run_timeline(&r) == 0) {
		int64_t pid;
		if (db_exec(db, "BEGIN", err, sizeof err) == 0) {
			go_write(db, &r, "[]", "fuzz", &pid, err, sizeof err);
			db_exec(db, "ROLLBACK", err, sizeof err);
		}
	}
	go_run_free(&r);
out:
	sqlite3_close(db);
	free(buf);
	return 0;
}
