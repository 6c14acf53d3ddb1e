/*
 * cxxname.c - see cxxname.h.
 *
 * Both functions walk the name once with the same two token rules: an
 * operator name ("operator<<", "operator()", "operator new[]") and
 * "(anonymous namespace)" are single tokens, so the '<', '>', '(' and ')'
 * inside them never count as brackets.
 */
#include <string.h>

#include "common/utf8.h"
#include "ingest/cxxname.h"

#define ELLIPSIS "\xe2\x80\xa6" /* … */

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '$';
}

static const char anon_ns[] = "(anonymous namespace)";

/* The length of the operator name or anonymous namespace at s + i, else 0. */
static size_t token_len(const char *s, size_t i)
{
	size_t k;

	if (s[i] != 'o' && s[i] != '(')
		return 0;
	if (s[i] == '(' && !strncmp(s + i, anon_ns, sizeof anon_ns - 1))
		return sizeof anon_ns - 1;
	if (strncmp(s + i, "operator", 8) != 0 || (i > 0 && is_ident(s[i - 1])) || is_ident(s[i + 8]))
		return 0;
	k = i + 8;
	while (s[k] == ' ')
		k++;
	if ((s[k] == '(' && s[k + 1] == ')') || (s[k] == '[' && s[k + 1] == ']'))
		return k + 2 - i;
	if (s[k] && strchr("<>=!+-*/%^&|~,", s[k])) {
		while (s[k] && strchr("<>=!+-*/%^&|~,", s[k]))
			k++;
		return k - i;
	}
	if (s[k] == '"') { /* operator"" _suffix */
		k++;
		while (s[k] && s[k] != '(')
			k++;
		return k - i;
	}
	/* new, delete, co_await, or a conversion: operator unsigned long */
	while (s[k] && (is_ident(s[k]) || strchr(" :*&", s[k])))
		k++;
	while (k > i + 8 && s[k - 1] == ' ')
		k--;
	if (s[k] == '[' && s[k + 1] == ']')
		k += 2;
	return k > i + 8 ? k - i : 0;
}

/* How far a '<' is followed to find its '>': names of megabytes exist. */
#define TEMPLATE_SCAN (256 * 1024)

/*
 * Index just past the '>' that closes the '<' at s + i, or 0 if none does
 * within TEMPLATE_SCAN bytes.
 */
static size_t template_end(const char *s, size_t i)
{
	int depth = 0;
	size_t t, lim = i + TEMPLATE_SCAN;

	while (s[i] && i < lim) {
		if ((t = token_len(s, i))) {
			i += t;
			continue;
		}
		if (s[i] == '<')
			depth++;
		else if (s[i] == '>' && --depth == 0)
			return i + 1;
		i++;
	}
	return 0;
}

/* Append src[0..n) to dst (cap) at *o; counts the full length in *need. */
static void put(char *dst, size_t cap, size_t *o, size_t *need, const char *src, size_t n)
{
	size_t room = *o + 1 < cap ? cap - 1 - *o : 0;
	size_t k = n < room ? n : room;

	memcpy(dst + *o, src, k);
	*o += k;
	*need += n;
}

size_t cxxname_abbrev(const char *fn, char *dst, size_t cap)
{
	size_t i = 0, o = 0, need = 0, t, e;

	if (!fn) {
		dst[0] = '\0';
		return 0;
	}
	while (fn[i]) {
		if (o + 1 >= cap) {
			/* full: the rest only counts (as it is; a bound is enough) */
			need += strlen(fn + i);
			break;
		}
		if ((t = token_len(fn, i))) {
			put(dst, cap, &o, &need, fn + i, t);
			i += t;
		} else if (fn[i] == '<' && (e = template_end(fn, i))) {
			put(dst, cap, &o, &need, "<" ELLIPSIS ">", sizeof ELLIPSIS + 1);
			i = e;
		} else {
			put(dst, cap, &o, &need, fn + i, 1);
			i++;
		}
	}
	if (need > o && cap > sizeof ELLIPSIS) {
		/* cut: end on a whole UTF-8 character, then the ellipsis */
		o = cap - sizeof ELLIPSIS;
		o = utf8_floor(dst, o);
		memcpy(dst + o, ELLIPSIS, sizeof ELLIPSIS - 1);
		o += sizeof ELLIPSIS - 1;
	}
	dst[o < cap ? o : cap - 1] = '\0';
	return need;
}

/* Drop "[abi:cxx11]" tags and a trailing ".constprop.0"-like clone suffix. */
static void tidy_bare(char *b)
{
	char *p, *w, *r;

	while ((p = strstr(b, "[abi:")) && (r = strchr(p, ']')))
		memmove(p, r + 1, strlen(r + 1) + 1);
	for (p = b; *p; p++) {
		if (*p != '.' || p == b || !is_ident(p[-1]) || !((p[1] >= 'a' && p[1] <= 'z') || p[1] == '_'))
			continue;
		for (w = p; *w && (is_ident(*w) || *w == '.'); w++)
			;
		if (!*w) {
			*p = '\0';
			return;
		}
	}
}

char *cxxname_bare(const char *fn, char *dst, size_t cap)
{
	size_t i = 0, start = 0, end, t, n;
	int angle = 0, paren = 0, brace = 0;

	dst[0] = '\0';
	if (!fn)
		return dst;
	end = strlen(fn);
	while (fn[i]) {
		if ((t = token_len(fn, i))) {
			/* "operator< <int>": the space belongs to the name */
			for (i += t; fn[i] == ' '; i++)
				;
			continue;
		}
		char c = fn[i];

		if (c == '<')
			angle++;
		else if (c == '>' && angle > 0)
			angle--;
		else if (c == '{')
			brace++;
		else if (c == '}' && brace > 0)
			brace--;
		else if (c == ')' && paren > 0)
			paren--;
		else if (c == '(') {
			if (!angle && !paren && !brace) {
				end = i;
				break;
			}
			paren++;
		} else if (!angle && !paren && !brace) {
			if (c == '@' || (c == ' ' && fn[i + 1] == '[')) {
				end = i;
				break;
			}
			if (c == ' ')
				start = i + 1; /* what came before was the return type */
		}
		i++;
	}
	n = end > start ? end - start : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, fn + start, n);
	dst[n] = '\0';
	tidy_bare(dst);
	return dst;
}
