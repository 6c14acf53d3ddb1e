/*
 * pbwire.c - protocol buffers wire format. See pbwire.h.
 */
#include "export/pbwire.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb_varint(struct jbuf *b, uint64_t v)
{
	char buf[10];
	size_t n = 0;

	do {
		buf[n] = (char)(v & 0x7f);
		v >>= 7;
		if (v)
			buf[n] |= (char)0x80;
		n++;
	} while (v);
	jbuf_add(b, buf, n);
}

static void key(struct jbuf *b, unsigned field, unsigned wire)
{
	pb_varint(b, ((uint64_t)field << 3) | wire);
}

void pb_uint(struct jbuf *b, unsigned field, uint64_t v)
{
	key(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

void pb_int(struct jbuf *b, unsigned field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

void pb_bytes(struct jbuf *b, unsigned field, const void *p, size_t n)
{
	key(b, field, WIRE_LEN);
	pb_varint(b, n);
	if (n)
		jbuf_add(b, p, n);
}

void pb_packed(struct jbuf *b, unsigned field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];

		do {
			len++;
			x >>= 7;
		} while (x);
	}
	key(b, field, WIRE_LEN);
	pb_varint(b, len);
	for (size_t i = 0; i < n; i++)
		pb_varint(b, v[i]);
}
