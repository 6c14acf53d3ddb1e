/*
 * run_go.h - `memledger run` on a Go program, or on a Go service's
 * endpoint (cli/run_go.c).
 */
#ifndef MEMLEDGER_CLI_RUN_GO_H
#define MEMLEDGER_CLI_RUN_GO_H

/**
 * Run prog (NULL: only poll endpoint, until SIGINT or SIGTERM) and write
 * the Go run trace to out (NULL: memledger.PROG.PID.mlt). interval_ms
 * paces --go-endpoint polls (1000 unless interval_given). Returns the
 * exit status `run` should exit with.
 */
int run_go(char **prog, const char *resolved, const char *out, long interval_ms, int interval_given,
           const char *endpoint, int report);

#endif
