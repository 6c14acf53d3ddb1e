/*
 * json.c - see json.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "ingest/json.h"

void jbuf_add(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void jbuf_adds(struct jbuf *b, const char *s)
{
	jbuf_add(b, s, strlen(s));
}

void jbuf_add_string(struct jbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];
	jbuf_add(b, "\"", 1);
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		uint32_t cp = 0;
		size_t l = utf8_decode(s + i, n - i, &cp);
		/* C1 controls (U+0080-U+009F) and bidi overrides (U+202A-E,
		 * U+2066-9) are escaped too, so JSON shown on a terminal
		 * cannot drive it or reorder it; the decoded text is the same. */
		if ((l == 2 && cp <= 0x9f) || (l == 3 && ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)))) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
			jbuf_add(b, esc, 6);
			i += l;
			continue;
		}
		if (l > 1) {
			jbuf_add(b, (const char *)s + i, l);
			i += l;
			continue;
		}
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jbuf_add(b, esc, 2);
		} else if (c == '\n') {
			jbuf_add(b, "\\n", 2);
		} else if (c == '\t') {
			jbuf_add(b, "\\t", 2);
		} else if (c == '\r') {
			jbuf_add(b, "\\r", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			jbuf_add(b, esc, 6);
		} else {
			jbuf_add(b, (const char *)s + i, 1);
		}
		i++;
	}
	jbuf_add(b, "\"", 1);
}

void jbuf_free(struct jbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
