/*
 * lu_probe.h - libunwind's memory probe, without a descriptor in the
 * program's table.
 *
 * libunwind 1.6 checks that an address is readable by writing one byte
 * from it into a pipe it opens at start-up (write_validate in its
 * Ginit.c), and it gives up the whole unwind when that pipe cannot be
 * opened. A pipe would sit in the program's descriptor table: it shows in
 * /proc/self/fd, counts against RLIMIT_NOFILE and can be closed by a
 * program that closes everything. So the tracer hands libunwind two
 * descriptor numbers that can never be real (above the kernel's nr_open
 * ceiling), and points libunwind's own imports of read, write, close and
 * syscall (its GOT slots, nobody else's) at functions that serve those
 * numbers:
 *  - write(ML_LU_FAKE_W, addr, 1), or syscall(SYS_write, ...) as libunwind
 *    1.6 calls it, answers whether addr is readable, with
 *    process_vm_readv on the process itself (no side effect); where that
 *    system call is refused (a seccomp filter), every address is
 *    unreadable and libunwind's stack simply ends there;
 *  - read(ML_LU_FAKE_R, ...) says "nothing to read" (EAGAIN), so libunwind
 *    keeps its pipe;
 *  - close() of either number succeeds.
 * Any other descriptor or system call passes straight to libc. The
 * program's own calls of read, write, close and syscall never come here.
 */
#ifndef MEMLEDGER_TRACER_LU_PROBE_H
#define MEMLEDGER_TRACER_LU_PROBE_H

#include "tracer/tracer.h"

/* Above fs.nr_open's maximum (1 << 30 on Linux), so never a real descriptor. */
#define ML_LU_FAKE_R 0x7ffffff0
#define ML_LU_FAKE_W 0x7ffffff1

/**
 * Point libunwind's read, write, close and syscall at the probe. Call once, before
 * the first unw_* call; 0 when libunwind was found and patched, -1 if not
 * (libunwind then finds no pipe and unwinds nothing: stacks it would have
 * given are left empty, never wrong).
 */
ML_HIDDEN int ml_lu_probe_install(void);

/** The pipe the tracer's own code (libunwind) asks for: the two fake numbers. */
ML_HIDDEN void ml_lu_probe_pipe(int fds[2]);

#endif
