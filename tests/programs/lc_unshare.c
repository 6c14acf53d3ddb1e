/*
 * lc_unshare.c - calls that need a single-threaded process (t0502).
 *
 * Usage: lc_unshare unshare|setns|mntns
 *   unshare  unshare(CLONE_NEWUSER): prints "unshare: ok" or the error;
 *   setns    forks a child that enters a new user namespace of its own and
 *            waits; the parent joins that namespace with
 *            setns(CLONE_NEWUSER) and prints "setns: ok" or the error; the
 *            child then exits (its stdin-like pipe closes).
 *   mntns    setns() into its own mount namespace, which needs a
 *            filesystem context no other thread shares: "mntns: ok".
 * Then 10 mallocs of 4242 bytes (kept), so the trace shows that recording
 * went on. Exit status 0 when the call succeeded, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep[10];

static int do_unshare(void)
{
	if (unshare(CLONE_NEWUSER) == 0) {
		printf("unshare: ok\n");
		return 1;
	}
	printf("unshare: %s\n", strerror(errno));
	return 0;
}

static int do_setns(void)
{
	int ok = 1, ready[2], done[2];
	if (pipe(ready) != 0 || pipe(done) != 0)
		return 0;
	pid_t child = fork();
	if (child == 0) {
		char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		close(done[1]);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		if (read(done[0], &c, 1) < 0)  /* until the parent closes it */
			_exit(1);
		_exit(0);
	}
	close(done[0]);
	char c = 'n', path[64];
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		printf("setns: the child could not unshare\n");
		ok = 0;
	} else {
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && setns(fd, CLONE_NEWUSER) == 0) {
			printf("setns: ok\n");
		} else {
			printf("setns: %s\n", strerror(errno));
			ok = 0;
		}
		if (fd >= 0)
			close(fd);
	}
	close(done[1]);
	waitpid(child, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	return ok;
}

static int do_mntns(void)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && setns(fd, CLONE_NEWNS) == 0;
	printf("mntns: %s\n", ok ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "unshare") && strcmp(argv[1], "setns") && strcmp(argv[1], "mntns"))) {
		fprintf(stderr, "usage: lc_unshare unshare|setns|mntns\n");
		return 2;
	}
	int ok = !strcmp(argv[1], "unshare") ? do_unshare() : !strcmp(argv[1], "setns") ? do_setns() : do_mntns();
	fflush(stdout);
	for (int i = 0; i < 10; i++)
		keep[i] = malloc(4242);
	return ok ? 0 : 1;
}
