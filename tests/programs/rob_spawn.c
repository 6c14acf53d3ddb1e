/*
 * rob_spawn.c - starting other programs without fork(): vfork + execve,
 * posix_spawn and system() (t0227). The vfork child shares the parent's
 * memory while it execs, and posix_spawn uses clone(CLONE_VM|CLONE_VFORK)
 * and an internal execve: the parent's tracer state must come through
 * untouched, and each started program gets a trace of its own.
 *
 * In order, each followed by waiting for the child and a malloc of
 * 6001, 6002, 6003 bytes in the parent:
 *   vfork, execve("/bin/echo", "vfork child")
 *   posix_spawn("/bin/echo", "posix_spawn child")
 *   system("echo system child")           (runs /bin/sh -c)
 * Prints each child's exit status, frees the blocks, exits 0 if all
 * three children exited 0.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static void *blocks[3];

static int report(const char *what, int status, int i)
{
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("%s: %s\n", what, ok ? "exit 0" : "failed");
	fflush(stdout);
	blocks[i] = malloc(6001 + (size_t)i);
	return ok;
}

int main(void)
{
	int ok = 1, status = 0;
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "/bin/echo", "vfork child", NULL };
		execve(argv[0], argv, environ);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	ok &= report("vfork", status, 0);

	char *sargv[] = { "/bin/echo", "posix_spawn child", NULL };
	if (posix_spawn(&pid, sargv[0], NULL, NULL, sargv, environ) != 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	ok &= report("posix_spawn", status, 1);

	status = system("echo system child");
	ok &= report("system", status, 2);

	for (int i = 0; i < 3; i++)
		free(blocks[i]);
	return ok ? 0 : 1;
}
