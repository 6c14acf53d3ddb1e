/*
 * tracer.h - what every module of libmemledger.so shares: visibility
 * macros, branch hints and the tracer-wide limits. Nothing else: each
 * module has its own header (tracer/<module>.h), and a .c file includes
 * the headers of the modules it uses, so its #include lines are the list
 * of what it depends on.
 *
 * The tracer lives inside someone else's process. Its rules:
 *  - It never allocates through the hooked allocator on its own behalf:
 *    its memory comes from mmap (arena.c, channel.c, livemap.c).
 *  - A reentrancy guard in initial-exec TLS (state.h, ml_guard_*) makes
 *    every allocator call made while the tracer is working (by libunwind,
 *    dlsym, pthread_create, ...) pass straight through to the real
 *    allocator, unrecorded.
 *  - No lock is held across a call into the real allocator (lock.h).
 *  - Every failure degrades to "stop tracing"; nothing here may crash or
 *    change what the program sees.
 *
 * Data path: a hook (hooks.c) encodes one record into the calling
 * thread's buffer (format/record.h). Full buffers, and partial ones on a
 * drain request, go to a FIFO queue (channel.c); the writer thread
 * (writer.c) deflates them into the trace. Rare process-wide records
 * (stacks, modules, snapshots, threads, fds) go through the meta channel
 * (channel.c) into the same queue.
 *
 * Where things live:
 *  - state.h/.c     the global state `ml` and the thread-local `ml_tls`
 *  - lifecycle.c    init on first use, constructor, destructor, exit paths
 *  - signals.c      fatal-signal recording, the sigaction/signal hooks
 *  - fork.c         atfork handlers and the fork hook
 *  - exec.c         the exec family hooks
 *  - namespaces.c   unshare/setns hooks (pause the writer)
 *  - real.c         the real functions behind the hooks (dlsym, ML_REAL)
 *  - clock.c        clocks
 *  - hooks.c        the allocator hooks
 *  - channel.c      buffers, the queue, meta records
 *  - writer.c       the writer thread and the trace file
 *  - threads.c, fds.c, modules.c, maps.c, livemap.c, stacks.c, unwind.c,
 *    cfa.c, snapshot.c, scan.c, control.c, arena.c, lu_probe.c: one job
 *    each, described in their headers.
 */
#ifndef MEMLEDGER_TRACER_H
#define MEMLEDGER_TRACER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/trace.h"

/* Internal to libmemledger.so (the default: the build passes -fvisibility=hidden). */
#define ML_HIDDEN __attribute__((visibility("hidden")))
/* Exported: a hook that replaces the program's libc function, or the public API. */
#define EXPORT __attribute__((visibility("default")))
#define ML_LIKELY(x) __builtin_expect(!!(x), 1)
#define ML_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---------------------------------------------------------------- limits */

#define ML_TICK_SHIFT 14               /* event time unit: 2^14 TSC cycles */
#define ML_MAX_DEPTH 256
#define ML_DEFAULT_DEPTH 64
#define ML_DEFAULT_INTERVAL_MS 20
#define ML_LABEL_MAX 255

#endif
