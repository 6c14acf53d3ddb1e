/*
 * util.c - helpers shared by the subcommands (see cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/filehead.h"
#include "common/utf8.h"
#include "format/trace.h"

/* ---------------------------------------------------------------- escaping */

/* Length of the UTF-8 sequence at s that a terminal shows as text: 1..4,
 * or 0 for a byte to escape (a control, a C1 control or bidi override
 * encoded in UTF-8, or not valid UTF-8 at all). */
static size_t printable_len(const unsigned char *s)
{
	unsigned c = s[0];
	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	uint32_t cp;
	size_t len = utf8_decode(s, UTF8_MAX, &cp); /* stops at the terminating NUL */
	if (!len)
		return 0;  /* not valid: overlong, out of range, or a surrogate */
	if (cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;  /* C1 controls (0x9b is CSI); bidi overrides and isolates */
	return len;
}

const char *cli_escape(const char *str)
{
	static char *ring[8];
	static size_t cap[8];
	static unsigned next;
	const unsigned char *s = (const unsigned char *)(str ? str : "(null)");
	size_t need = strlen((const char *)s) * 4 + 1;
	unsigned k = next++ % 8;
	if (need > cap[k]) {
		char *p = realloc(ring[k], need);
		if (!p)
			return "?";
		ring[k] = p;
		cap[k] = need;
	}
	char *o = ring[k];
	while (*s) {
		size_t l = printable_len(s);
		if (l) {
			memcpy(o, s, l);
			o += l;
			s += l;
		} else {
			static const char hex[] = "0123456789abcdef";
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*s >> 4];
			*o++ = hex[*s & 15];
			s++;
		}
	}
	*o = 0;
	return ring[k];
}

/* "memledger: [what: ]message", escaped as a whole, on stderr. */
static void say(const char *what, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "memledger: %s%s%s\n", what ? cli_escape(what) : "", what ? ": " : "",
	        cli_escape(msg ? msg : fmt));
	free(msg);
}

void cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(what, fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(NULL, fmt, ap);
	va_end(ap);
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
	ssize_t n = filehead_read(path, buf, sizeof buf);
	if (n < 0)
		return -1;
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

_Noreturn void cli_exec_child(char **prog, int errfd)
{
	execvp(prog[0], prog);
	int e = errno;
	if (write(errfd, &e, sizeof e) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
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
