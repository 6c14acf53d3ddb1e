/*
 * rob_closefds.c - a program that closes every descriptor it did not
 * open, as daemons and spawners do, then goes on allocating (t0222,
 * t0223). The tracer's own trace descriptor must survive it.
 *
 * Usage: rob_closefds loop|closefrom|close_range|closefrom_dup2
 *   loop            close(fd) for fd = 3 .. 1024
 *   closefrom       closefrom(3) (glibc 2.34)
 *   close_range     close_range(3, ~0U, 0)
 *   closefrom_dup2  closefrom(3), then dup2(1, N) and close(N), where N
 *                   is the descriptor the trace file (*.mlt) had before
 *                   the closefrom (900 without the tracer): the number is
 *                   the program's again, as it is for a server whose
 *                   900th connection lands there
 * Then 10 mallocs of 3001..3010 bytes, a pipe written and read through,
 * the blocks freed, and "after close: 10 blocks, pipe ok" printed.
 * Exit status 0.
 *
 * Usage: rob_closefds loop_pipe | loop_file FILE | loop_pipe_signal
 *   The close loop, then at once (no allocation in between) a pipe, or
 *   FILE created: the lowest descriptors, 3 and 4, are the program's
 *   again. "hello" goes into the pipe (the file); 100 mallocs of 3101
 *   bytes from a 20-deep call chain (loop_pipe_signal: 10 mallocs from
 *   a SIGUSR1 handler, raise()d, so the stack crosses a signal frame);
 *   then the pipe (the file, from its start) must give back exactly
 *   "hello". Prints "pipe: hello" or "file: hello", exit status 0 (5 if
 *   something else came back).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;

static void deep(int n)
{
	if (n > 0) {
		deep(n - 1);
		return;
	}
	sink = malloc(3101);
	free(sink);
}

/* The descriptor of an open *.mlt file, else 900. */
static int trace_fd(void)
{
	char path[64], target[4096];
	for (int fd = 3; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n > 4 && !memcmp(target + n - 4, ".mlt", 4))
			return fd;
	}
	return 900;
}

static void on_usr1(int sig)
{
	(void)sig;
	sink = malloc(3101);
	free(sink);
}

/* The close loop, then fd = a fresh pipe or file holding "hello",
 * allocations, and what reading it back gives. */
static int reuse_low_fds(const char *what, const char *path, int via_signal)
{
	int p[2], rd, wr;
	char buf[64];

	for (int fd = 3; fd <= 1024; fd++)
		close(fd);
	if (path) {
		rd = wr = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (rd < 0)
			return 3;
	} else {
		if (pipe(p) != 0)
			return 3;
		rd = p[0];
		wr = p[1];
	}
	if (write(wr, "hello", 5) != 5)
		return 4;
	if (via_signal) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		for (int i = 0; i < 10; i++)
			raise(SIGUSR1);
	} else {
		for (int i = 0; i < 100; i++)
			deep(20);
	}
	if (path)
		lseek(rd, 0, SEEK_SET);
	else
		close(wr);
	ssize_t n = read(rd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: %s\n", what, buf);
	return strcmp(buf, "hello") ? 5 : 0;
}

int main(int argc, char **argv)
{
	void *b[10];
	int p[2];
	char c = 0;

	if (argc == 2 && !strcmp(argv[1], "loop_pipe"))
		return reuse_low_fds("pipe", NULL, 0);
	if (argc == 2 && !strcmp(argv[1], "loop_pipe_signal"))
		return reuse_low_fds("pipe", NULL, 1);
	if (argc == 3 && !strcmp(argv[1], "loop_file"))
		return reuse_low_fds("file", argv[2], 0);
	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "loop")) {
		for (int fd = 3; fd <= 1024; fd++)
			close(fd);
	} else if (!strcmp(argv[1], "closefrom")) {
		closefrom(3);
	} else if (!strcmp(argv[1], "closefrom_dup2")) {
		int n = trace_fd();
		closefrom(3);
		if (dup2(1, n) != n || close(n) != 0)
			return 3;
	} else if (!strcmp(argv[1], "close_range")) {
		if (close_range(3, ~0U, 0) != 0)
			return 3;
	} else {
		return 2;
	}
	for (int i = 0; i < 10; i++) {
		b[i] = malloc(3001 + (size_t)i);
		if (!b[i])
			return 1;
		sink = b[i];
	}
	if (pipe(p) != 0 || write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1 || c != 'x')
		return 4;
	close(p[0]);
	close(p[1]);
	for (int i = 0; i < 10; i++)
		free(b[i]);
	printf("after close: 10 blocks, pipe %s\n", c == 'x' ? "ok" : "broken");
	return 0;
}
