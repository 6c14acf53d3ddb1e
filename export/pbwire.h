/*
 * pbwire.h - the protocol buffers wire format, write side only.
 *
 * Just what profile.proto needs: varint fields (uint64, int64, bool),
 * length-delimited fields (strings, bytes, nested messages) and packed
 * repeated varints. Fields are appended to a struct jbuf in the order
 * they are called; a nested message is built in its own buffer and added
 * with pb_bytes. Errors are sticky: a buffer that ran out of memory has
 * b->oom set and ignores every later call, so a caller checks once at
 * the end.
 *
 * Why not protobuf-c: writing a profile takes these five functions;
 * protobuf-c would add a code generator to the build and a runtime
 * library to link, for a message set we only ever write. The encoding is
 * checked byte for byte in tests/unit/test_export.c and, end to end, by
 * `go tool pprof` reading what we write (tests/e2e/t07*).
 */
#ifndef MEMLEDGER_EXPORT_PBWIRE_H
#define MEMLEDGER_EXPORT_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/json.h"

/** Append v as a base-128 varint (1 to 10 bytes). */
void pb_varint(struct jbuf *b, uint64_t v);

/** Field `field` of wire type 0 (varint). Negative int64 values take 10 bytes, as in proto3. */
void pb_uint(struct jbuf *b, unsigned field, uint64_t v);
void pb_int(struct jbuf *b, unsigned field, int64_t v);

/** Field `field` of wire type 2: n bytes from p (a string, bytes, or an encoded message). */
void pb_bytes(struct jbuf *b, unsigned field, const void *p, size_t n);

/** Field `field` as a packed repeated varint of n values. Nothing is written when n is 0. */
void pb_packed(struct jbuf *b, unsigned field, const uint64_t *v, size_t n);

#endif
