/*
 * namespaces.c - the unshare and setns hooks.
 *
 * unshare(CLONE_NEWUSER) and setns() into a user namespace work only in a
 * single-threaded process, and the writer thread would make every
 * program multi-threaded (EINVAL). Around those calls the writer writes
 * what is queued and stops; it starts again after the call. Other
 * namespaces need no pause: the writer has its own filesystem context
 * (so setns into a mount namespace works) and keeps the mounts, and the
 * open trace, it had.
 */
#include <errno.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/real.h"
#include "tracer/state.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

static int needs_one_thread(int flags)
{
	return (flags & (CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) != 0;
}

static int writer_pause(int needed)
{
	if (!needed || !ml_active() || ml_guarded())
		return 0;
	ml_guard_enter();
	int stopped = ml_writer_stop();
	ml_guard_leave();
	return stopped;
}

static void writer_resume(int stopped)
{
	if (!stopped)
		return;
	int saved = errno;
	ml_guard_enter();
	ml_writer_start();
	ml_guard_leave();
	errno = saved;
}

EXPORT int unshare(int flags)
{
	ML_REAL(unshare);
	int stopped = writer_pause(needs_one_thread(flags));
	int rc = real_unshare(flags);
	writer_resume(stopped);
	return rc;
}

EXPORT int setns(int fd, int nstype)
{
	ML_REAL(setns);
	/* nstype 0 joins whatever fd is: ask the kernel which kind it is */
	int type = nstype ? nstype : (int)syscall(SYS_ioctl, fd, NS_GET_NSTYPE);
	int stopped = writer_pause(type < 0 || needs_one_thread(type));
	int rc = real_setns(fd, nstype);
	writer_resume(stopped);
	return rc;
}
