/*
 * control.h - the control channel between a traced process and
 * `memledger snapshot`: where its socket lives and what is said on it.
 * Shared by the tracer (the server, tracer/control.c) and the CLI (the
 * client, cli/cmd_snapshot.c).
 *
 * Each traced process listens on a Unix stream socket DIR/PID.sock. DIR
 * belongs to the process's effective user, is a real directory (not a
 * symbolic link) and grants nothing to anyone else (mode 0700); it is the
 * first usable of:
 *
 *   0  $XDG_RUNTIME_DIR/memledger   (the runtime directory must be the user's)
 *   1  /run/user/UID/memledger      (ditto: where systemd puts it)
 *   2  /tmp/memledger-UID
 *
 * A client looks in all three, since its environment may differ from the
 * traced process's.
 *
 * The conversation: the client sends one line,
 *
 *	snapshot SCAN LABEL\n
 *
 * SCAN is 0 or 1 (also run the reachability scan), LABEL the snapshot's
 * label (1 to ML_CONTROL_LABEL_MAX bytes, no newline). The process answers
 * one line and closes: "ok SEQ\n" with the snapshot's sequence number, or
 * "error REASON\n". It answers only a peer of its own effective user.
 */
#ifndef MEMLEDGER_FORMAT_CONTROL_H
#define MEMLEDGER_FORMAT_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#define ML_CONTROL_DIRS 3
#define ML_CONTROL_LABEL_MAX 255
#define ML_CONTROL_LINE_MAX (ML_CONTROL_LABEL_MAX + 32)

/**
 * Candidate `which` (0 .. ML_CONTROL_DIRS-1) of the control directory of
 * user uid into out, given the value of XDG_RUNTIME_DIR (NULL if unset).
 * With `create`, the directory is made (mode 0700) when missing. Returns
 * 0 when out names a usable directory, -1 when this candidate is not one.
 * Safe in the tracer: no allocation.
 */
int ml_control_dir(int which, uid_t uid, const char *xdg_runtime_dir, int create,
                   char *out, size_t n);

/** DIR/PID.sock into out; -1 when it does not fit a socket address. */
int ml_control_sock_path(const char *dir, long pid, char *out, size_t n);

#endif
