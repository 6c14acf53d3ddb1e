/*
 * exec_open_pipe.c - opens a pipe and a socketpair without close-on-exec,
 * then execs argv[1] (t1603): the pre-exec image hands them on, so its
 * channels_closed is n/a, and the image it became counts them inherited.
 * A second pipe, closed before exec, is not evidence.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int p[2], q[2], sv[2];

	if (argc < 2 || pipe(p) || pipe(q) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	close(q[0]);
	close(q[1]);
	execv(argv[1], argv + 1);
	perror("execv");
	return 1;
}
