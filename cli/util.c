/*
 * util.c - helpers shared by the subcommands (see cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "format/trace.h"

void cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "memledger: ");
	if (what)
		fprintf(stderr, "%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *cli_replace_ext(const char *path, const char *old_ext, const char *ext)
{
	size_t n = strlen(path), o = strlen(old_ext);
	if (n > o && !strcmp(path + n - o, old_ext))
		n -= o;
	char *out = malloc(n + strlen(ext) + 1);
	if (!out)
		return NULL;
	memcpy(out, path, n);
	strcpy(out + n, ext);
	return out;
}

int cli_is_trace(const char *path)
{
	char buf[ML_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)sizeof buf && !memcmp(buf, ML_MAGIC, ML_MAGIC_LEN);
}

const char *cli_self_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n <= 0)
			return "";
		dir[n] = 0;
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
	}
	return dir;
}

long cli_parse_long(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	return v;
}
