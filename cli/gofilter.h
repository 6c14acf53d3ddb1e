/*
 * gofilter.h - takes the Go runtime's gctrace lines out of a Go
 * program's stderr (cli/gofilter.c), for `memledger run` on Go.
 *
 * The runtime prints a gctrace line one print() argument per write(2),
 * so another goroutine's write to stderr can land between two pieces of
 * it. The filter hands each whole gctrace line to gc() and every other
 * byte, in order, to out(): a foreign write that split a gctrace line
 * comes out whole, and a line the filter could not place never stops it
 * from finding the next one.
 *
 * Best fed from a packet-mode pipe (pipe2 with O_DIRECT), one read per
 * write of the program: then each piece is known for what it is. From
 * a byte stream, the filter reads the pieces back from the line's
 * grammar and, where a foreign write could have split it two ways, takes
 * the likelier.
 */
#ifndef MEMLEDGER_CLI_GOFILTER_H
#define MEMLEDGER_CLI_GOFILTER_H

#include <stddef.h>

#define GOFILTER_HOLD 8192   /* bytes held at most while a gctrace line is under way */

struct gofilter {
	char raw[GOFILTER_HOLD];   /* from the start of a possible gctrace line */
	unsigned char mask[GOFILTER_HOLD];   /* 1: that byte of raw is someone else's */
	size_t n;
	int mode;
	int packets;               /* each feed is one write(2) of the program */
	unsigned alive;            /* packets: the forms the pieces so far fit */
	unsigned char at[8];       /* packets: the next piece, in each form */
	int show_gc;               /* the user asked for gctrace: pass it through too */
	void (*out)(void *ctx, const char *s, size_t n);
	void (*gc)(void *ctx, const char *line, size_t n);   /* line ends with '\n' */
	void *ctx;
};

void gofilter_init(struct gofilter *f, int packets, int show_gc, void (*out)(void *, const char *, size_t),
                   void (*gc)(void *, const char *, size_t), void *ctx);
/* Bytes of the stream; with packets, exactly one write(2) of the program. */
void gofilter_feed(struct gofilter *f, const char *s, size_t n);

/* The end of the stream: what is held goes out, except the pieces of a
 * gctrace line the program's exit cut short (without us it would not
 * have been printed at all). */
void gofilter_end(struct gofilter *f);

#endif
