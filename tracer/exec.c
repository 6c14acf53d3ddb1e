/*
 * exec.c - the exec family hooks.
 *
 * Before exec the trace gets an ML_META_EXEC record, a sample, and
 * everything recorded so far is written; if exec fails, tracing simply
 * goes on. Under --no-follow the exec'd program gets an environment
 * without the tracer in LD_PRELOAD. glibc's SIGSETXID is put back as the
 * program had it for the exec (signals.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracer/channel.h"
#include "tracer/clock.h"
#include "tracer/real.h"
#include "tracer/signals.h"
#include "tracer/snapshot.h"
#include "tracer/state.h"
#include "tracer/tracer.h"
#include "tracer/writer.h"

extern char **environ;

/* With --no-follow, the exec'd program must not load the tracer: copy the
 * environment without this library in LD_PRELOAD. Stack memory only. */
#define ENV_MAX 4096
struct env_copy {
	char *vec[ENV_MAX + 1];
	char preload[8192];
};

static char *const *env_without_tracer(char *const *envp, struct env_copy *c)
{
	if (ml.follow_exec || !envp)
		return envp;
	size_t n = 0, out = 0;
	for (; envp[n]; n++)
		if (n >= ENV_MAX)
			return envp;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0) {
			c->vec[out++] = envp[i];
			continue;
		}
		/* keep every other preloaded library */
		char *w = c->preload;
		size_t room = sizeof c->preload - 1;
		w += snprintf(w, room, "LD_PRELOAD=");
		const char *s = envp[i] + 11;
		while (*s) {
			size_t len = strcspn(s, ": ");
			if (len && !memmem(s, len, "libmemledger", 12) &&
			    (size_t)(w - c->preload) + len + 2 < room) {
				if (w[-1] != '=')
					*w++ = ':';
				memcpy(w, s, len);
				w += len;
			}
			s += len;
			while (*s == ':' || *s == ' ')
				s++;
		}
		*w = 0;
		c->vec[out++] = c->preload;
	}
	c->vec[out] = NULL;
	return c->vec;
}

/* Before exec: write an exec record and everything recorded so far. If
 * exec fails, tracing simply goes on. */
static void before_exec(const char *path)
{
	if (!ml_active() || ml_guarded() || getpid() != ml.pid)
		return;
	ml_guard_enter();
	struct ml_meta m;
	ml_meta_begin(&m, ML_META_EXEC, 40 + PATH_MAX);
	m.p = ml_put_varint(m.p, ml_rdtsc());
	m.p = ml_put_str(m.p, path, PATH_MAX);
	ml_meta_end(&m);
	/* A sample, not an exit: if exec fails the process goes on. */
	ml_snapshot(ML_SNAP_SAMPLE, "sample", 0, NULL);
	if (ml_tls.t)
		ml_thread_refill(ml_tls.t);
	ml_meta_flush();
	ml_flush_all(0);
	ml_guard_leave();
}

/* What an exec through one of the real entry points carries on the
 * caller's stack: the environment copy and glibc's SIGSETXID action. */
struct exec_ctx {
	struct env_copy env;
	struct ml_k_sigaction setxid;
	int changed;
};

/* The same for execve, execvpe and fexecve: write the exec record, put
 * SIGSETXID back as the program had it, and return the environment to
 * pass (without the tracer under --no-follow). */
static char *const *exec_begin(struct exec_ctx *x, const char *what, char *const envp[])
{
	before_exec(what);
	x->changed = ml_setxid_for_exec(&x->setxid);
	return env_without_tracer(envp, &x->env);
}

/* The exec failed and returned rc: tracing goes on, with SIGSETXID ours again. */
static int exec_failed(struct exec_ctx *x, int rc)
{
	ml_setxid_after_failed_exec(x->changed, &x->setxid);
	return rc;
}

/* execve, execvpe and fexecve: the same hook, each asking its own real
 * self; what names the program in the exec record. */
#define EXEC_HOOK(name, first_t, first, what)                                    \
	EXPORT int name(first_t first, char *const argv[], char *const envp[])   \
	{                                                                        \
		ML_REAL(name);                                                   \
		struct exec_ctx x;                                               \
		char *const *env = exec_begin(&x, what, envp);                   \
		return exec_failed(&x, real_##name(first, argv, env));           \
	}

EXEC_HOOK(execve, const char *, path, path)
EXEC_HOOK(execvpe, const char *, file, file)
EXEC_HOOK(fexecve, int, fd, "(fexecve)")

EXPORT
int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT
int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* The execl family: gather the arguments on the stack, then exec through
 * exec_fn. extra reads what follows the arguments' NULL (execle: the
 * environment, into envp). */
#define ARGS_MAX 4096
#define EXECL_HOOK(name, first, exec_fn, extra)                     \
	EXPORT int name(const char *first, const char *arg, ...)    \
	{                                                           \
		char *vec[ARGS_MAX + 1];                            \
		char *const *envp = environ;                        \
		size_t n = 1;                                       \
		va_list ap;                                         \
		va_start(ap, arg);                                  \
		vec[0] = (char *)arg;                               \
		while (vec[n - 1] && n < ARGS_MAX)                  \
			vec[n++] = va_arg(ap, char *);              \
		vec[n] = NULL;                                      \
		extra;                                              \
		va_end(ap);                                         \
		return exec_fn(first, vec, envp);                   \
	}

EXECL_HOOK(execl, path, execve, (void)0)
EXECL_HOOK(execlp, file, execvpe, (void)0)
EXECL_HOOK(execle, path, execve, envp = va_arg(ap, char *const *))
