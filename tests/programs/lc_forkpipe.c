/*
 * lc_forkpipe.c - forks while a pipe and a socketpair are open (t0505).
 *
 * The parent makes a pipe and a socketpair, allocates 3 blocks of 3000
 * bytes, and forks. The child writes "hello" into the pipe, allocates 2
 * blocks of 2000 bytes, frees one inherited block, and exits 0. The parent
 * reads the pipe, prints "child said hello", waits for the child, closes
 * everything and exits 0. Each process's trace must load: the child's
 * starts with the descriptors it inherited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep[8];

int main(void)
{
	int p[2], sv[2];
	char buf[16] = "";
	if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	for (int i = 0; i < 3; i++)
		keep[i] = malloc(3000);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (write(p[1], "hello", 5) != 5)
			_exit(1);
		keep[3] = malloc(2000);
		keep[4] = malloc(2000);
		free(keep[0]);
		close(p[1]);
		exit(0);
	}
	close(p[1]);
	if (read(p[0], buf, 5) != 5)
		return 1;
	printf("child said %s\n", buf);
	int st = 0;
	waitpid(pid, &st, 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
