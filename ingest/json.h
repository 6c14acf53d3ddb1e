/*
 * json.h - JSON string escaping into a growable buffer.
 */
#ifndef MEMLEDGER_INGEST_JSON_H
#define MEMLEDGER_INGEST_JSON_H

#include <stddef.h>

struct jbuf {
	char *s;
	size_t len, cap;
	int oom;
};
#define JBUF_INIT { NULL, 0, 0, 0 }

void jbuf_add(struct jbuf *b, const char *s, size_t n);
void jbuf_adds(struct jbuf *b, const char *s);
/**
 * Append bytes [s, s+n) as a quoted JSON string. Valid UTF-8 passes
 * through; control characters, quotes and backslashes are escaped; a
 * byte that is not valid UTF-8 becomes \u00XX (its Latin-1 reading), so
 * the output is always valid JSON.
 */
void jbuf_add_string(struct jbuf *b, const char *s, size_t n);
void jbuf_free(struct jbuf *b);

#endif
