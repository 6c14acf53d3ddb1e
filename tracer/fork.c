/*
 * fork.c - fork: the atfork handlers and the fork hook.
 *
 * Around fork every tracer lock is taken, in lock.h's order, so the
 * child inherits none half-held. The parent records the child in its
 * trace (ML_META_FORK); the child starts a trace of its own (see
 * atfork_child).
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "tracer/arena.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/fds.h"
#include "tracer/fork.h"
#include "tracer/hooks.h"
#include "tracer/lifecycle.h"
#include "tracer/livemap.h"
#include "tracer/maps.h"
#include "tracer/modules.h"
#include "tracer/real.h"
#include "tracer/snapshot.h"
#include "tracer/stacks.h"
#include "tracer/state.h"
#include "tracer/threads.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

static int fork_locked;
static struct ml_thread inherit_thread;

static void atfork_prepare(void)
{
	if (!ml_active() || ml_guarded())
		return;
	ml_guard_enter();  /* left in atfork_parent or atfork_child */
	ml_registry_lock();
	ml_modules_lock();
	ml_stacks_lock();
	ml_channel_lock_meta();
	ml_live_lock_all();
	ml_sink_lock();
	ml_channel_lock_queues();
	ml_threads_info_lock();
	ml_arena_lock();
	ml_maps_lock();
	fork_locked = 1;
}

static void unlock_all(void)
{
	ml_maps_unlock();
	ml_arena_unlock();
	ml_threads_info_unlock();
	ml_sink_unlock();
	ml_live_unlock_all();
	ml_channel_unlock_all();
	ml_stacks_unlock();
	ml_modules_unlock();
	ml_registry_unlock();
}

static void atfork_parent(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	unlock_all();
	ml_guard_leave();
}

EXPORT pid_t fork(void)
{
	static pid_t (*real_fork)(void);
	if (!real_fork)
		real_fork = (pid_t (*)(void))ml_dlsym_next("fork");
	pid_t pid = real_fork();
	if (pid > 0 && ml_active() && !ml_guarded()) {
		ml_guard_enter();
		struct ml_meta m;
		ml_meta_begin(&m, ML_META_FORK, 32);
		m.p = ml_put_varint(m.p, (uint64_t)pid);
		m.p = ml_put_varint(m.p, ml_rdtsc());
		ml_meta_end(&m);
		ml_guard_leave();
	}
	return pid;
}

/*
 * The child starts a trace of its own. Its clock starts now; the blocks
 * it inherited live become its first allocations (kind 'inherited',
 * thread index 0), so Mallocs - Frees still equals HeapObjects.
 */
static void atfork_child(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	unlock_all();
	ml.pid = getpid();
	ml.trace_gen++;
	atomic_store(&ml.snapshot_seq, 0);
	atomic_store(&ml.trim_calls, 0);
	ml_finish_rearm();
	ml_sink_reset_for_child();
	ml_channel_reset_for_child();
	ml_modules_reset_for_child();
	ml_fds_reset_for_child();
	ml_clock_start();
	struct ml_thread *self = ml_tls.t;
	ml_threads_reset_for_child(self);
	if (ml_sink_open_as(1) < 0) {
		atomic_store(&ml.recording, 0);
		atomic_store(&ml.state, ML_OFF);
		ml_guard_leave();
		return;
	}
	/* The process record comes first; everything else refers to it. */
	ml_emit_proc();
	ml_emit_allocator();
	ml_fds_emit_inherited();
	ml_modules_scan();

	memset(&inherit_thread, 0, sizeof inherit_thread);
	inherit_thread.idx = 0;
	ml_thread_refill(&inherit_thread);
	ml_record_inherited(&inherit_thread);
	struct ml_buf *b = atomic_load(&inherit_thread.buf);
	if (b) {
		ml_buf_seal(b, atomic_load(&inherit_thread.commit));
		ml_buf_submit(b);
	}
	ml_registry_lock();
	for (int i = 0; i < ML_TC_COUNT; i++)
		ml.retired[i] += atomic_load(&inherit_thread.counters[i]);
	ml_registry_unlock();

	if (self) {
		ml_thread_refill(self);
		struct ml_meta m;
		ml_meta_begin(&m, ML_META_THREAD_IDX, 32);
		m.p = ml_put_varint(m.p, self->idx);
		m.p = ml_put_varint(m.p, (uint64_t)self->tid);
		ml_meta_end(&m);
	}
	ml_snapshot(ML_SNAP_START, "start", 0, NULL);
	ml_flush_early();
	if (ml_ctor_done())
		ml_writer_start();
	ml_guard_leave();
}

void ml_fork_install(void)
{
	ML_INTERNAL(pthread_atfork(atfork_prepare, atfork_parent, atfork_child));
}
