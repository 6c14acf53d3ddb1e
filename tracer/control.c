/*
 * control.c - snapshots on demand; see control.h and format/control.h.
 *
 * Everything here runs on the writer thread, whose reentrancy guard is
 * always up: nothing it does is recorded as the program's. Sockets are
 * made and used with raw system calls, past the tracer's own descriptor
 * hooks, and the thread blocks every signal, so a client that hangs up
 * early cannot raise SIGPIPE in the program (MSG_NOSIGNAL besides).
 *
 * The state belongs to one process: a forked child finds its parent's
 * pid in it, closes the inherited descriptor (without removing the
 * parent's socket) and makes its own channel. An exec'd image starts with
 * none: the descriptor is close-on-exec, and the old socket file, which
 * has its pid, is taken over.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MEMLEDGER_IMPLEMENTATION
#include "memledger.h"
#include "format/control.h"
#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/control.h"
#include "tracer/scan.h"
#include "tracer/snapshot.h"
#include "tracer/state.h"

#define CTL_FD_MIN 900                /* above the program's descriptors, as the trace file's */
#define CTL_RETRY_NS 1000000000L      /* after a failure to make the channel */
#define CTL_REQUEST_NS 200000000L     /* a client's time to send its line */
#define CTL_PER_ROUND 8               /* requests answered per round at most */

static struct {
	pid_t owner;                  /* the process this state is for */
	int fd;                       /* listening socket, -1: none */
	dev_t dev;                    /* what fd must still be: the program */
	ino_t ino;                    /* may have closed it and reused the number */
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	atomic_int path_set;          /* path names our socket (for ml_control_close) */
	int64_t retry_ns;
	int64_t every_ns;             /* --snapshot-every; 0: none */
	int64_t next_ns;
	unsigned periodic;
	atomic_int closed;            /* the trace has ended */
} ctl = { .fd = -1 };

static int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/* ---------------------------------------------------------------- setup */

/* Leave a socket that is not (or no longer) ours to the program. */
static void ctl_forget(void)
{
	atomic_store(&ctl.path_set, 0);
	ctl.fd = -1;
}

/* A socket file at path that no process listens on any more. */
static int ctl_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int refused = syscall(SYS_connect, fd, &sa, sizeof sa) < 0 && errno == ECONNREFUSED;
	sys_close(fd);
	return refused;
}

static int ctl_open(void)
{
	char dir[256], path[sizeof ctl.path];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();
	int which;
	for (which = 0; which < ML_CONTROL_DIRS; which++)
		if (ml_control_dir(which, uid, xdg, 1, dir, sizeof dir) == 0 &&
		    ml_control_sock_path(dir, (long)getpid(), path, sizeof path) == 0)
			break;
	if (which == ML_CONTROL_DIRS)
		return -1;

	int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* Out of the program's way; where that is impossible (a low
	 * RLIMIT_NOFILE), no channel rather than a low descriptor. */
	int high = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, CTL_FD_MIN);
	sys_close(fd);
	if (high < 0)
		return -1;
	fd = high;

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int rc = (int)syscall(SYS_bind, fd, &sa, sizeof sa);
	/* Our pid's socket from a process that crashed, or from this process
	 * before it exec'd: nobody answers on it, so it is ours now. */
	if (rc < 0 && errno == EADDRINUSE && ctl_stale(path) && unlink(path) == 0)
		rc = (int)syscall(SYS_bind, fd, &sa, sizeof sa);
	struct stat st;
	if (rc < 0 || syscall(SYS_listen, fd, 8) < 0 || fstat(fd, &st) < 0) {
		sys_close(fd);
		return -1;
	}
	chmod(path, 0600);  /* the directory guards it already; tidy all the same */
	ctl.fd = fd;
	ctl.dev = st.st_dev;
	ctl.ino = st.st_ino;
	memcpy(ctl.path, path, sizeof path);
	atomic_store(&ctl.path_set, 1);
	return 0;
}

/* The channel is still the socket we made (see control.h). */
static int ctl_still_ours(void)
{
	struct stat st;
	return fstat(ctl.fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == ctl.dev &&
	       st.st_ino == ctl.ino;
}

/* First poll in this process: forget an inherited channel, read the options. */
static void ctl_start(pid_t me)
{
	if (ctl.owner && ctl.fd >= 0)
		sys_close(ctl.fd);  /* the parent's: its socket file stays */
	ctl_forget();
	ctl.owner = me;
	atomic_store(&ctl.closed, 0);
	ctl.retry_ns = 0;
	ctl.periodic = 0;
	ctl.every_ns = 0;
	const char *every = getenv("MEMLEDGER_SNAPSHOT_EVERY_MS");
	if (every && *every) {
		char *end;
		long ms = strtol(every, &end, 10);
		if (!*end && ms > 0 && ms <= 86400000L)
			ctl.every_ns = ms * 1000000L;
	}
	ctl.next_ns = ml.mono0_ns + ctl.every_ns;
}

/* ---------------------------------------------------------------- serving */

static void ctl_reply(int c, const char *msg)
{
	syscall(SYS_sendto, c, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0);
}

/* One line from c, without its newline; -1 when none came in time. */
static int ctl_read_line(int c, char *line, size_t cap)
{
	int64_t deadline = ml_mono_ns() + CTL_REQUEST_NS;
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t r = syscall(SYS_recvfrom, c, line + len, cap - 1 - len, MSG_DONTWAIT, NULL, NULL);
		if (r > 0) {
			len += (size_t)r;
			char *nl = memchr(line, '\n', len);
			if (nl) {
				*nl = 0;
				return 0;
			}
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		int64_t left = deadline - ml_mono_ns();
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = c, .events = POLLIN };
		poll(&p, 1, (int)(left / 1000000) + 1);
	}
	return -1;
}

static void ctl_serve_one(int c)
{
	char line[ML_CONTROL_LINE_MAX + 2], ok[32];
	struct ucred cr;
	socklen_t crlen = sizeof cr;
	if (syscall(SYS_getsockopt, c, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 || cr.uid != geteuid()) {
		ctl_reply(c, "error only the process's own user may take its snapshots\n");
		return;
	}
	if (ctl_read_line(c, line, sizeof line) < 0) {
		ctl_reply(c, "error no complete request line\n");
		return;
	}
	/* snapshot SCAN LABEL */
	if (strncmp(line, "snapshot ", 9) || (line[9] != '0' && line[9] != '1') || line[10] != ' ' ||
	    !line[11] || strlen(line + 11) > ML_CONTROL_LABEL_MAX) {
		ctl_reply(c, "error bad request\n");
		return;
	}
	if (!ml_active() || atomic_load(&ctl.closed)) {
		ctl_reply(c, "error the process is no longer recording\n");
		return;
	}
	int scan = line[9] == '1';
	unsigned seq = ml_snapshot(ML_SNAP_USER, line + 11, (scan ? MEMLEDGER_SCAN : 0) | ML_SNAP_EXTERNAL, NULL);
	if (scan)
		ml_scan(seq, 0);
	ml_meta_flush();
	snprintf(ok, sizeof ok, "ok %u\n", seq);
	ctl_reply(c, ok);
}

static void ctl_serve(void)
{
	for (int i = 0; i < CTL_PER_ROUND; i++) {
		int c = (int)syscall(SYS_accept4, ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			return;  /* EAGAIN: nobody waits */
		ctl_serve_one(c);
		sys_close(c);
	}
}

/* ---------------------------------------------------------------- periodic */

static void ctl_periodic(int64_t now)
{
	if (!ctl.every_ns || now < ctl.next_ns)
		return;
	char label[32];
	snprintf(label, sizeof label, "periodic %u", ++ctl.periodic);
	ml_snapshot(ML_SNAP_USER, label, ML_SNAP_EXTERNAL, NULL);
	ctl.next_ns += ctl.every_ns;
	if (ctl.next_ns <= now)  /* fell behind (a stopped process): no burst */
		ctl.next_ns = now + ctl.every_ns;
}

/* ---------------------------------------------------------------- hooks */

void ml_control_poll(void)
{
	pid_t me = getpid();
	if (ctl.owner != me)
		ctl_start(me);
	if (atomic_load(&ctl.closed) || !ml_active())
		return;
	int64_t now = ml_mono_ns();
	ctl_periodic(now);
	if (ctl.fd >= 0 && !ctl_still_ours()) {
		/* The program closed it; its socket file is ours to replace. */
		if (atomic_load(&ctl.path_set))
			unlink(ctl.path);
		ctl_forget();
		ctl.retry_ns = 0;
	}
	if (ctl.fd < 0 && now >= ctl.retry_ns && ctl_open() < 0)
		ctl.retry_ns = now + CTL_RETRY_NS;
	if (ctl.fd >= 0)
		ctl_serve();
}

void ml_control_close(void)
{
	atomic_store(&ctl.closed, 1);
	if (ctl.owner == getpid() && atomic_exchange(&ctl.path_set, 0))
		unlink(ctl.path);
}
