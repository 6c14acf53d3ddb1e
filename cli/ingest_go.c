/*
 * ingest_go.c - the Go inputs of `memledger ingest`: every file whose
 * content is a Go input (ingest/go_ingest.h) is loaded, together with the
 * others, as one Go process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/err.h"
#include "ingest/go_ingest.h"

int ingest_go_inputs(struct ingest *ig, char **paths, int n, const struct ingest_opts *o, int quiet,
                     int *failed)
{
	char **go = malloc(sizeof *go * (size_t)(n + 1));
	int ngo = 0;
	if (!go) {
		cli_error("ingest", ERR_OOM);
		*failed = 1;
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (ingest_is_go(paths[i]))
			go[ngo++] = paths[i];
	int loaded = 0;
	if (ngo) {
		struct ingest_stats st;
		struct timespec t0, t1;
		const char *bad = NULL;
		char err[1024], warn[1024];
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ingest_go(ig, go, ngo, o, &st, &bad, warn, sizeof warn, err, sizeof err) < 0) {
			cli_error(bad, "%s", err);
			*failed = 1;
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			loaded = 1;
			if (warn[0])
				cli_note("%s%s", warn,
				        st.truncated ? " (the process is marked truncated)" : "");
			if (!quiet)
				cli_note("%d Go input%s: process %lld (Go, %s) in %.2f s", ngo,
				        ngo == 1 ? "" : "s", (long long)st.process_id, st.end_reason,
				        (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
		}
	}
	free(go);
	return loaded;
}
